// Package samples is the one set of replies every platform renderer is tested on: each
// adapter's golden files (testdata/<name>.golden*) show exactly what a person on that
// platform will see for the same answer. Regenerate them with `go test ./bot/... -update`.
package samples

import (
	"fmt"

	"github.com/partnerbot/partnerbot/chat"
)

// Sample is a named reply.
type Sample struct {
	Name  string
	Reply chat.Reply
}

// All returns the samples, in a fixed order.
func All() []Sample {
	return []Sample{
		{"cjk_table", cjkTable()},
		{"many_fields", manyFields()},
		{"many_sections", manySections()},
		{"danger_buttons", dangerButtons()},
		{"error", chat.Reply{Text: "参数 resource_ids 无效：最多 10 项。\n发送 /帮助 查看用法。", Error: true, Ephemeral: true}},
		{"long_list", longList()},
		{"expiring", expiring()},
		{"help", help()},
		{"expiry_summary", expirySummary()},
		{"markup", markup()},
	}
}

func cjkTable() chat.Reply {
	return chat.Reply{
		Title: "欠费客户（3）",
		Table: &chat.Table{Columns: []string{"客户", "账号", "欠款", "可用额度"}, Rows: [][]string{
			{"张三", "zhangsan01", "CNY 4,026.06", "CNY -4,026.06"},
			{"ACME Ltd", "acme01", "CNY 120.00", "CNY 0.00"},
			{"北京云起科技有限公司", "yunqi-bj", "CNY 98,000.50", "CNY -98,000.50"},
		}},
		Footer: "合计欠款 CNY 102,146.56 · 数据时间 2026-11-30 09:00",
	}
}

func manyFields() chat.Reply {
	fs := []chat.Field{
		{Label: "客户", Value: "张三 (zhangsan01)"},
		{Label: "客户 ID", Value: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"},
		{Label: "关联类型", Value: "代售"},
		{Label: "关联时间", Value: "2026-01-05 16:00"},
		{Label: "标签", Value: "vip"},
		{Label: "余额", Value: "CNY 1,200.50"},
		{Label: "欠款", Value: "CNY 0.00"},
		{Label: "30 天内到期", Value: "4 项资源"},
		{Label: "实名认证", Value: "已认证（企业）"},
		{Label: "客户经理", Value: "li.si"},
		{Label: "等级", Value: "V3"},
		{Label: "手机", Value: "0086-138****0000"},
	}
	return chat.Reply{Title: "客户 张三", Fields: fs, Buttons: []chat.Button{
		{Label: "资源", Command: "/resources 0a1b2c3d4e5f60718293a4b5c6d7e8f9"},
		{Label: "订单", Command: "/orders 0a1b2c3d4e5f60718293a4b5c6d7e8f9"},
	}}
}

func manySections() chat.Reply {
	r := chat.Reply{Title: "Resources expiring within 7 days (12)", Text: "Soonest first. Auto-renewing resources are marked ↻."}
	for i := range 12 {
		r.Sections = append(r.Sections, chat.Section{
			Title: fmt.Sprintf("ecs-web-%02d · cn-north-4 · s6.large.2.linux", i+1),
			Fields: []chat.Field{
				{Label: "Customer", Value: "ACME Ltd"},
				{Label: "Expires", Value: fmt.Sprintf("2026-12-%02d 08:00 (in %d days)", i%7+1, i%7+1)},
			},
			Lines: []string{
				fmt.Sprintf("disk evs-%02d-sys 40 GB", i+1),
				fmt.Sprintf("disk evs-%02d-data 500 GB", i+1),
			},
		})
	}
	r.Footer = "page 1 of 2"
	r.Buttons = []chat.Button{{Label: "Next page", Command: "/expiring 7 --page 2"}}
	return r
}

func dangerButtons() chat.Reply {
	return chat.Reply{
		Title: "续订申请 #12 · 待审批",
		Text:  "alice 申请续订张三的 1 项资源 3 个月，从余额自动支付。",
		Fields: []chat.Field{
			{Label: "资源", Value: "ecs-web-01 (c3f0a1b2)\n  + evs 系统盘 40 GB\n  + evs 数据盘 500 GB"},
			{Label: "到期", Value: "2026-12-03 08:00 → 2027-03-03 08:00"},
			{Label: "续订金额", Value: "CNY 1,296.30（官网价 CNY 1,440.33）"},
			{Label: "审批", Value: "0 / 1"},
		},
		Buttons: []chat.Button{
			{Label: "批准", Command: "/approve 12", Style: chat.StylePrimary, Decides: true},
			{Label: "拒绝", Command: "/reject 12", Style: chat.StyleDanger, Decides: true},
		},
		Footer: "申请于 2026-11-30 09:12 · 24 小时后过期",
	}
}

func longList() chat.Reply {
	t := &chat.Table{Columns: []string{"#", "资源", "客户", "到期"}}
	for i := range 120 {
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), fmt.Sprintf("ecs-batch-node-%03d", i+1),
			fmt.Sprintf("客户%02d 有限公司", i%17), fmt.Sprintf("2026-12-%02d", i%28+1)})
	}
	return chat.Reply{Title: "到期提醒 · 120 项资源", Text: "以下资源将在 30 天内到期：", Table: t,
		Footer: "每条消息放不下时分多条发送"}
}

// markup holds what each platform's markup would misread: it must arrive as literal text.
func markup() chat.Reply {
	return chat.Reply{
		Title: "Customer <b>Tom & Jerry</b> *Ltd*",
		Text:  "Label `vip` _urgent_ ~old~ <@U123> <!channel> [link](http://x) # not a heading\n> not a quote",
		Fields: []chat.Field{
			{Label: "Name & *co*", Value: "<script>alert(1)</script>"},
		},
		Table:   &chat.Table{Columns: []string{"a|b", "c"}, Rows: [][]string{{"`x`", "</pre>"}}},
		Buttons: []chat.Button{{Label: "Renew <1m>", Command: "/renew r&1 1m"}},
	}
}

// expiring is /expiring as the router answers it: a table far wider than a phone (about 120
// columns), whose compact entry is the resource and its customer (Head), then expiry and
// auto-renew.
func expiring() chat.Reply {
	t := &chat.Table{Columns: []string{"到期时间", "客户", "资源", "自动续费"}, Head: []int{2, 1}}
	custs := []string{"北京云起科技有限公司 (yunqi-bj)", "ACME Ltd (acme01)", "张三 (zhangsan)", "Oceanic Airlines Asia (oceanic-asia)"}
	for i := range 6 {
		auto := "否"
		if i%3 == 2 {
			auto = "是"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("2026-12-%02d 06:00 (%d 天后)", i+2, i+1), custs[i%len(custs)],
			fmt.Sprintf("ecs-web-%02d · 云主机 c7.xlarge.4.linux (c3a693f8-f328-567b-a0de-fd6963da6d%02d)", i+1, i), auto})
	}
	return chat.Reply{Title: "30 天内到期的包年/包月资源", Text: "来自 11-30 09:00 的到期扫描", Table: t,
		Footer: "第 1/9 页，共 82 项", Buttons: []chat.Button{{Label: "下一页", Command: "/expiring --page 2"}}}
}

// help is /help in English: command, summary and role, with a summary longer than a phone line.
func help() chat.Reply {
	t := &chat.Table{Columns: []string{"Command", "What it does", "Who"}, Head: []int{0, 1}, Rows: [][]string{
		{"/help (/帮助)", "List the commands, or show how to use one", "viewer"},
		{"/customer (/客户)", "Find a customer: id, account, association type, label, balance or arrears, resources expiring within 30 days", "viewer"},
		{"/renew (/续订)", "Ask to renew a yearly/monthly resource (needs approval)", "operator"},
		{"/unsubscribe-alerts (/取消订阅)", "Cancel one of this channel's subscriptions", "operator"},
	}}
	return chat.Reply{Title: "partnerbot commands", Text: "Send a command starting with /. Chinese aliases work too. Type /help <command> for its usage.", Table: t}
}

// expirySummary is an expiry digest too long for a screen as alerts summarises it: counts per
// threshold and per customer, the soonest, and a button paging through all of them.
func expirySummary() chat.Reply {
	r := chat.Reply{Title: "⏰ 到期提醒：82 个包年/包月资源", Text: "69 个需要续费；13 个已开启自动续费（余额充足时会自动续费）。",
		Fields: []chat.Field{{Label: "已过期", Value: "10"}, {Label: "1 天内到期", Value: "14"}, {Label: "3 天内到期", Value: "15"},
			{Label: "7 天内到期", Value: "15"}, {Label: "15 天内到期", Value: "14"}, {Label: "30 天内到期", Value: "14"}},
		Footer: "截至 11-18 10:30 扫描，均经 BSS 确认"}
	r.Sections = append(r.Sections, chat.Section{Title: "按客户（37 个）", Fields: []chat.Field{
		{Label: "胡军 (hujun)", Value: "5"}, {Label: "南京紫金教育科技 (nj-zijin-edu)", Value: "4"},
		{Label: "Globex Corporation (globex)", Value: "4"}, {Label: "其他 34 个客户", Value: "69"}}})
	r.Sections = append(r.Sections, chat.Section{Title: "最早到期的 10 个 — 长沙星城传媒 (cs-xingcheng-media) · f5b856b2428221624971171a161768eb",
		Lines: []string{"🛑 ecs-cs-xingcheng-media-01 · 云主机 c7.large.2.linux (a40f4f84-bb76-96ce-61a5-07167f76a45c) · 2026-11-13 07:37 (5 天前) · 含 2 个附属资源 · 续费 /renew a40f4f84-bb76-96ce-61a5-07167f76a45c"}})
	r.Sections = append(r.Sections, chat.Section{Title: "孙浩 (sunhao) · 4e3e85cb133f2d8efba0eed93ba3eb59",
		Lines: []string{"⚠ ecs-sunhao-04 · 云主机 s6.large.2.win (cc952be8-657e-24df-f92b-d56a21ba798f) · 2026-11-19 08:02 (1 天后) · 续费 /renew cc952be8-657e-24df-f92b-d56a21ba798f · 开自动续费 /autorenew on cc952be8-657e-24df-f92b-d56a21ba798f"}})
	r.Buttons = []chat.Button{{Label: "逐页查看全部 82 个", Command: "/expiring 30"},
		{Label: "续订 ecs-cs-xingcheng-media-01", Command: "/renew a40f4f84-bb76-96ce-61a5-07167f76a45c"}}
	return r
}
