package understand

import (
	"testing"

	"github.com/partnerbot/partnerbot/cmdline"
)

// phrasings are what people type and the command each must be understood as ("" for not
// understood), at testNow with testLexicon: colloquial Chinese, 繁体, typos, full-width
// forms, with and without customer names, and English.
var phrasings = []struct {
	text, want string
}{
	{"下周哪些客户到期？", "/expiring 12"},
	{"李四欠多少钱", "/balance 李四"},
	{"帮我给张三续一个月", "/resources 张三 --expiring 30"},
	{"张三的余额", "/balance 张三"},
	{"王五欠费吗", "/balance 王五"},
	{"明天科技下个月到期的资源", "/expiring 61 customer:a0000000000000000000000000000006"},
	{"7天内到期", "/expiring 7"},
	{"本月底前到期", "/expiring 30"},
	{"下周三到期的", "/expiring 8"},
	{"vip客户30天内到期", "/expiring 30 label:vip"},
	{"给张三充值1000块", "/topup 张三 1000"},
	{"给李四拨款¥1,000.50", "/topup 李四 1000.5"},
	{"给张三充一千二", "/topup 张三 1200"},
	{"续费 fd6b4382-dee9-fec2-a874-cfc1141a0fc3 3个月", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 3m"},
	{"fd6b4382-dee9-fec2-a874-cfc1141a0fc3 续一年", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1y"},
	{"退订 fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/unsubscribe fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"关闭 fd6b4382-dee9-fec2-a874-cfc1141a0fc3 的自动续费", "/autorenew off fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"张三上个月花了多少钱", "/spend 张三 --month 2026-11"},
	{"张三的代金券", "/coupons 张三"},
	{"张三的订单", "/orders 张三"},
	{"订单 CS2611250000ABCD", "/order CS2611250000ABCD"},
	{"批准12号申请", "/approve 12"},
	{"待审批的申请", "/pending"},
	{"who owes us money", "/arrears"},
	{"balance of acme", "/balance acme"},
	{"what expires next week", "/expiring 12"},
	{"renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 for 3 months", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 3m"},
	{"how much did globex spend last month", "/spend globex --month 2026-11"},
	{"今天天气怎么样", ""},
	{"張三的餘額", "/balance 张三"},
	{"下週哪些客戶到期", "/expiring 12"},
	{"李四的資源", "/resources 李四"},
	{"expirng this month", "/expiring 30"},
	{"ACME Ltd balance", "/balance \"ACME Ltd\""},
	{"查一下张三", "/customer 张三"},
	{"预测一下张三下个月", "/forecast 张三 --month 2027-01"},
	{"张三丰科技的余额", "/balance 张三丰科技"},
	{"赵六欠多少钱", "/balance 赵六"},
	{"今天到期的有哪些", "/expiring 1"},
	{"明天有什么到期", "/expiring 2"},
	{"后天到期的资源", "/expiring 3"},
	{"3天后到期的", "/expiring 4"},
	{"未来两周到期的客户", "/expiring 14"},
	{"一个月内到期", "/expiring 31"},
	{"最近30天要过期的", "/expiring 30"},
	{"哪些客户快到期了", "/expiring 30"},
	{"这周到期的", "/expiring 5"},
	{"本周五到期", "/expiring 3"},
	{"下下周到期的", "/expiring 19"},
	{"12月31日到期的", "/expiring 30"},
	{"1月到期的客户", "/expiring 61"},
	{"下个月底前到期的", "/expiring 61"},
	{"月底到期", "/expiring 30"},
	{"今年年底前到期的", "/expiring 30"},
	{"重点客户下周到期", "/expiring 12 label:重点"},
	{"vip 下个月到期", "/expiring 61 label:vip"},
	{"张三下周到期的资源", "/expiring 12 customer:a0000000000000000000000000000001"},
	{"李四有什么快到期的", "/expiring 30 customer:a0000000000000000000000000000002"},
	{"王五下周到期", "/expiring 12 customer:a0000000000000000000000000000003 customer:a0000000000000000000000000000004"},
	{"张三 7天内 到期", "/expiring 7 customer:a0000000000000000000000000000001"},
	{"到期 15", "/expiring 15"},
	{"过期的资源", "/expiring 30"},
	{"哪些客户欠费", "/arrears"},
	{"欠费客户", "/arrears"},
	{"谁欠钱了", "/arrears"},
	{"有没有欠费的", "/arrears"},
	{"张三欠费了吗", "/balance 张三"},
	{"李四欠了多少", "/balance 李四"},
	{"王五欠多少钱", "/balance 王五"},
	{"明天科技欠费吗", "/balance 明天科技"},
	{"余额", "/balance"},
	{"查余额", "/balance"},
	{"张三余额多少", "/balance 张三"},
	{"李四还有多少钱", "/balance 李四"},
	{"明天科技的余额", "/balance 明天科技"},
	{"acme的余额", "/balance acme"},
	{"张三还剩多少钱", "/balance 张三"},
	{"本月消费", "/spend --month 2026-12"},
	{"张三这个月花了多少", "/spend 张三 --month 2026-12"},
	{"李四上个月消费多少", "/spend 李四 --month 2026-11"},
	{"王五11月的账单", "/spend 王五 --month 2026-11"},
	{"张三的费用", "/spend 张三"},
	{"我们这个月花了多少钱", "/spend --month 2026-12"},
	{"张三10月份消费", "/spend 张三 --month 2026-10"},
	{"李四的优惠券", "/coupons 李四"},
	{"明天科技有哪些代金券", "/coupons 明天科技"},
	{"代金券", ""},
	{"给张三发500元代金券", "/coupon 张三 500"},
	{"给李四发个代金券 200块", "/coupon 李四 200"},
	{"张三有哪些订单", "/orders 张三"},
	{"李四的订单", "/orders 李四"},
	{"订单详情 CS2611250000ABCD", "/order CS2611250000ABCD"},
	{"CS2611250000ABCD 这个订单", "/order CS2611250000ABCD"},
	{"预测", "/forecast"},
	{"预测下个月", "/forecast --month 2027-01"},
	{"张三会不会欠费预测", "/forecast 张三"},
	{"vip客户预测", "/forecast label:vip"},
	{"张三有哪些资源", "/resources 张三"},
	{"李四的服务器", "/resources 李四"},
	{"王五的云主机", "/resources 王五"},
	{"明天科技的实例", "/resources 明天科技"},
	{"给张三续费", "/resources 张三 --expiring 30"},
	{"李四续三个月", "/resources 李四 --expiring 30"},
	{"fd6b4382-dee9-fec2-a874-cfc1141a0fc3 续费", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"帮我续一下 fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"把 fd6b4382-dee9-fec2-a874-cfc1141a0fc3 续两年", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 2y"},
	{"fd6b4382-dee9-fec2-a874-cfc1141a0fc3 续半年", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 6m"},
	{"续费一个月 fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1m"},
	{"退订 9c34b324-3621-7359-0012-111a8cc72c88", "/unsubscribe 9c34b324-3621-7359-0012-111a8cc72c88"},
	{"把9c34b324-3621-7359-0012-111a8cc72c88退掉", "/unsubscribe 9c34b324-3621-7359-0012-111a8cc72c88"},
	{"开启 fd6b4382-dee9-fec2-a874-cfc1141a0fc3 自动续费", "/autorenew on fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"fd6b4382-dee9-fec2-a874-cfc1141a0fc3 打开自动续费", "/autorenew on fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"取消 fd6b4382-dee9-fec2-a874-cfc1141a0fc3 的自动续费", "/autorenew off fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"给张三充值 5000", "/topup 张三 5000"},
	{"给李四充值3万", "/topup 李四 30000"},
	{"给王五拨款两千五", "/topup 王五 2500"},
	{"给明天科技打款 ¥20,000", "/topup 明天科技 20000"},
	{"回收张三的余额 300", "/reclaim-balance 张三 300"},
	{"从李四收回500元", "/reclaim-balance 李四 500"},
	{"批准申请 12", "/approve 12"},
	{"同意第3号申请", "/approve 3"},
	{"拒绝 7号申请", "/reject 7"},
	{"驳回申请5", "/reject 5"},
	{"撤回我的申请 9", "/cancel 9"},
	{"撤销申请 4", "/cancel 4"},
	{"申请 12 怎么样了", "/request 12"},
	{"12号申请的状态", "/request 12"},
	{"待审批", "/pending"},
	{"有哪些待批的", "/pending"},
	{"额度", "/quotas"},
	{"流水", "/ledger"},
	{"订阅", "/subscriptions"},
	{"我订阅了什么", "/subscriptions"},
	{"帮助", "/help"},
	{"你能做什么", "/help"},
	{"怎么用", "/help"},
	{"你好", "/help"},
	{"张三", "/customer 张三"},
	{"李四是谁", "/customer 李四"},
	{"张三的信息", "/customer 张三"},
	{"明天科技", "/customer 明天科技"},
	{"客户 acme", "/customer acme"},
	{"wangwu-bj 的余额", "/balance wangwu-bj"},
	{"zhangsan01欠费吗", "/balance zhangsan01"},
	{"a0000000000000000000000000000001 的余额", "/balance a0000000000000000000000000000001"},
	{"a0000000000000000000000000000002 下周到期", "/expiring 12 customer:a0000000000000000000000000000002"},
	{"張三上個月消費多少", "/spend 张三 --month 2026-11"},
	{"李四的訂單", "/orders 李四"},
	{"退訂 fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/unsubscribe fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"給張三充值1000塊", "/topup 张三 1000"},
	{"王五的代金劵", "/coupons 王五"},
	{"下個月到期的客戶", "/expiring 61"},
	{"張三的資源", "/resources 张三"},
	{"预侧张三", "/forecast 张三"},
	{"张三的于额", "/balance 张三"},
	{"李四到其了吗", "/expiring 30 customer:a0000000000000000000000000000002"},
	{"张三道期", "/expiring 30 customer:a0000000000000000000000000000001"},
	{"ｖｉｐ客户下周到期", "/expiring 12 label:vip"},
	{"张三的余额？？？", "/balance 张三"},
	{"@partnerbot 下周哪些客户到期", "/expiring 12"},
	{"　張三　餘額　", "/balance 张三"},
	{"what's expiring this week", "/expiring 5"},
	{"which customers expire tomorrow", "/expiring 2"},
	{"show me resources expiring within 10 days", "/expiring 10"},
	{"expiring in 2 weeks", "/expiring 14"},
	{"anything due next month", "/expiring 61"},
	{"what lapses by end of month", "/expiring 30"},
	{"expiries for vip", "/expiring 30 label:vip"},
	{"globex expiring next week", "/expiring 12 customer:a0000000000000000000000000000007"},
	{"does acme owe anything", "/balance acme"},
	{"who is in arrears", "/arrears"},
	{"customers with overdue balance", "/arrears"},
	{"what's the balance of globex", "/balance globex"},
	{"show balances", "/balance"},
	{"my balance", "/balance"},
	{"acme balance please", "/balance acme"},
	{"how much has acme spent", "/spend acme"},
	{"spending this month", "/spend --month 2026-12"},
	{"globex bill for november", "/spend globex --month 2026-11"},
	{"coupons for acme", "/coupons acme"},
	{"acme's vouchers", "/coupons acme"},
	{"orders of globex", "/orders globex"},
	{"show order CS2611250000ABCD", "/order CS2611250000ABCD"},
	{"forecast", "/forecast"},
	{"forecast for acme next month", "/forecast acme --month 2027-01"},
	{"acme resources", "/resources acme"},
	{"list globex servers", "/resources globex"},
	{"renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1 year", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1y"},
	{"renew acme", "/resources acme --expiring 30"},
	{"extend fd6b4382-dee9-fec2-a874-cfc1141a0fc3 by one month", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1m"},
	{"unsubscribe fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/unsubscribe fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"turn off auto-renew for fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/autorenew off fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"enable autorenew fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/autorenew on fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"top up acme 500", "/topup acme 500"},
	{"top up globex $1,200", "/topup globex 1200"},
	{"allocate 300 yuan to acme", "/topup acme 300"},
	{"approve request 12", "/approve 12"},
	{"approve #7", "/approve 7"},
	{"reject request 3", "/reject 3"},
	{"withdraw request 9", "/cancel 9"},
	{"pending approvals", "/pending"},
	{"what's pending", "/pending"},
	{"request 5", "/request 5"},
	{"status of request 8", "/request 8"},
	{"quotas", "/quotas"},
	{"help", "/help"},
	{"what can you do", "/help"},
	{"hello", "/help"},
	{"who is acme", "/customer acme"},
	{"tell me about globex", "/customer globex"},
	{"balanse of acme", "/balance acme"},
	{"expirig next week", "/expiring 12"},
	{"renwe fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3"},
	{"arrers", "/arrears"},
	{"what's the weather", ""},
	{"asdfgh", ""},
	{"123", ""},
}

func TestPhrasings(t *testing.T) {
	if len(phrasings) < 150 {
		t.Fatalf("%d phrasings; the issue asks for at least 150", len(phrasings))
	}
	lx := testLexicon()
	for _, tc := range phrasings {
		r := Understand(tc.text, testNow, testLoc, lx)
		if r.Line != tc.want || r.OK != (tc.want != "") {
			t.Errorf("%q: understood as %q (ok %v), want %q", tc.text, r.Line, r.OK, tc.want)
			continue
		}
		if !r.OK {
			if len(r.Suggestions) == 0 || len(r.Suggestions) > MaxSuggestions {
				t.Errorf("%q: not understood with %d suggestions, want 1 to 3", tc.text, len(r.Suggestions))
			}
			continue
		}
		checkParsesBack(t, tc.text, r)
	}
}

// checkParsesBack fails unless the router's parser reads r.Line as r's command and arguments.
func checkParsesBack(t *testing.T, text string, r Result) {
	t.Helper()
	inv, ok, err := cmdline.Parse(r.Line, "")
	if !ok || err != nil {
		t.Errorf("%q: %q does not parse: ok %v, %v", text, r.Line, ok, err)
		return
	}
	if inv.Name != r.Name || !equalStrings(inv.Args, r.Args) || !equalFlags(inv.Flags, r.Flags) {
		t.Errorf("%q: %q parses as %q %q %v, the result says %q %q %v", text, r.Line, inv.Name, inv.Args, inv.Flags, r.Name, r.Args, r.Flags)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFlags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
