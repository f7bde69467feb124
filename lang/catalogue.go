// Package lang holds the bot's two languages: the catalogue of every text a user reads, in
// Chinese and English (the commands' in catalogue.go, the alerts' and notices' in alerts.go),
// the English names of BSS codes, and how money, times, zones and resources are written. It
// is a leaf: it imports only the standard library and bss.
package lang

import (
	"fmt"
	"strings"
)

// Lang is a user's language: zh-CN (the default) or English.
type Lang string

// The languages of the catalogue.
const (
	Zh Lang = "zh"
	En Lang = "en"
)

// ParseLang accepts zh, zh-CN, zh_CN, cn, 中文, en, en-US, english ...; ok is false otherwise.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "zh" || s == "cn" || s == "中文" || s == "chinese" || strings.HasPrefix(s, "zh-") || strings.HasPrefix(s, "zh_"):
		return Zh, true
	case s == "en" || s == "english" || s == "英文" || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en_"):
		return En, true
	}
	return "", false
}

// T looks key up in the catalogue and formats it with args. A missing key shows itself, so a
// gap is visible in chat and caught by TestCatalogue rather than panicking.
func (l Lang) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.zh
	if l == En {
		s = plural(m.en, args)
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// plural resolves the plural marks of an English format: "customer[s]" or "[is|are]" take the
// form that fits the number formatted by the nearest verb before the mark (%d, or %s given a
// number as text): the singular for 1, the plural otherwise (and with no verb before it).
// Marks are resolved in the format, before the arguments are put in, so data is never touched.
func plural(format string, args []any) string {
	if !strings.Contains(format, "[") {
		return format
	}
	var b strings.Builder
	verb, n := -1, 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '%' && i+1 < len(format) && format[i+1] == '%':
			b.WriteString("%%")
			i++
			continue
		case c == '%':
			j := i + 1
			for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
				j++
			}
			if j < len(format) {
				j++
			}
			b.WriteString(format[i:j])
			verb, n = n, n+1
			i = j - 1
			continue
		case c == '[':
			if end := strings.IndexByte(format[i:], ']'); end > 0 {
				one, many, both := strings.Cut(format[i+1:i+end], "|")
				if !both {
					one, many = "", one
				}
				if verb >= 0 && verb < len(args) && isOne(args[verb]) {
					b.WriteString(one)
				} else {
					b.WriteString(many)
				}
				i += end
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isOne reports whether a formatted argument is the number 1.
func isOne(a any) bool {
	switch v := a.(type) {
	case int:
		return v == 1
	case int64:
		return v == 1
	case uint64:
		return v == 1
	case int32:
		return v == 1
	case uint:
		return v == 1
	case string:
		return strings.TrimSpace(v) == "1"
	}
	return false
}

// Has reports whether key is in the catalogue (for keys built from data, such as a BSS code).
func (l Lang) Has(key string) bool {
	_, ok := messages[key]
	return ok
}

type msg struct{ zh, en string }

// messages is the whole catalogue: the commands' texts (catalogue) and those of the notices the
// bot sends on its own (alertCatalogue, alerts.go).
var messages = join(catalogue, alertCatalogue)

// join puts the catalogue's parts together (TestCatalogue checks that no key is in two).
func join(parts ...map[string]msg) map[string]msg {
	all := map[string]msg{}
	for _, p := range parts {
		for k, m := range p {
			all[k] = m
		}
	}
	return all
}

// catalogue holds every user-facing string of the commands.
var catalogue = map[string]msg{
	// Router and errors.
	"err.unknown_command":          {"没有 /%s 这个命令。", "There is no command /%s."},
	"err.did_you_mean":             {"您是不是想输入：%s", "Did you mean: %s"},
	"err.see_help":                 {"输入 /help 查看全部命令。", "Type /help to see every command."},
	"understand.as":                {"我理解为：%s", "Understood as: %s"},
	"understand.action":            {"我理解为：%s。一句话不会直接执行操作：点击“提交”提交申请，与输入这条命令完全相同。", "Understood as: %s. A sentence never runs an action: click File to file the request, exactly as typing the command would."},
	"understand.file":              {"提交", "File"},
	"understand.not_understood":    {"抱歉，没有看懂这句话。", "Sorry, I did not understand that."},
	"understand.try":               {"可以试试：%s", "You could try: %s"},
	"understand.note.renew_pick":   {"续费针对的是单个资源：从上面的列表里找到要续的资源，再输入 /renew <资源ID> [1m|3m|1y]。", "A renewal is of one resource: find it in the list above, then type /renew <resource-id> [1m|3m|1y]."},
	"err.parse":                    {"无法理解这条命令：%s。", "Could not read that command: %s."},
	"err.parse.unterminated quote": {"引号没有闭合", "a quote is not closed"},
	"err.parse.empty command":      {"斜杠后缺少命令名", "the command name after the slash is missing"},
	"err.parse.bad flag":           {"选项格式不对（应为 --名称 或 --名称=值）", "an option is malformed (use --name or --name=value)"},
	"err.parse.too long":           {"消息太长（最多 4096 字节）", "the message is too long (at most 4096 bytes)"},
	"err.parse.too many arguments": {"参数太多（最多 64 个）", "too many arguments (at most 64)"},
	"err.no_role":                  {"您还没有使用本机器人的权限。请管理员在配置的 roles 中加入 %s。", "You are not allowed to use this bot yet. Ask an admin to add %s to the roles in the configuration."},
	"err.denied":                   {"/%s 需要 %s 角色，您的角色是 %s。", "/%s needs the %s role; yours is %s."},
	"err.usage":                    {"用法：%s", "Usage: %s"},
	"err.too_few_args":             {"/%s 缺少参数。", "/%s needs more arguments."},
	"err.too_many_args":            {"/%s 的参数太多。", "/%s got too many arguments."},
	"err.unknown_flag":             {"/%s 不支持选项 --%s。", "/%s has no option --%s."},
	"err.flag_bool":                {"选项 --%s 是开关，不带值（收到 “%s”）：需要就写上，不需要就省略。", "Option --%s is a switch and takes no value (got \"%s\"): give it or leave it out."},
	"err.flag_value":               {"选项 --%s 需要一个值。", "Option --%s needs a value."},
	"err.flag_int":                 {"选项 --%s 应为 %d 到 %d 之间的整数，收到的是 “%s”。", "Option --%s must be a whole number from %d to %d; got \"%s\"."},
	"err.arg_int":                  {"%s 应为 %d 到 %d 之间的整数，收到的是 “%s”。", "The %s must be a whole number from %d to %d; got \"%s\"."},
	"arg.amount":                   {"金额", "amount"},
	"arg.customer":                 {"客户", "customer"},
	"arg.resource-id":              {"资源 ID", "resource id"},
	"arg.quota-id":                 {"额度 ID", "quota id"},
	"arg.quota":                    {"额度 ID", "quota id"},
	"arg.reseller":                 {"云经销商 ID", "reseller id"},
	"arg.coupon-id":                {"代金券 ID", "coupon id"},
	"arg.order-id":                 {"订单号", "order number"},
	"arg.reason":                   {"原因", "reason"},
	"arg.remark":                   {"备注", "remark"},
	"arg.n":                        {"条数", "number of records"},
	"arg.days":                     {"天数", "number of days"},
	"arg.id":                       {"ID", "id"},
	"arg.name":                     {"名称", "name"},
	"arg.account":                  {"账号", "account"},
	"arg.label":                    {"标签", "label"},
	"arg.request-id":               {"申请编号", "request-id"},
	"arg.notice-id":                {"通知编号", "notice-id"},
	"arg.duration":                 {"时长", "duration"},
	"arg.service":                  {"服务", "service"},
	"arg.spec":                     {"规格", "spec"},
	"arg.command":                  {"命令", "command"},
	"err.internal":                 {"抱歉，处理这条命令时出了问题，已记录日志。请稍后再试。", "Sorry, something went wrong handling this command; it has been logged. Please try again later."},
	"err.bss":                      {"查询华为云失败：%s", "The Huawei Cloud query failed: %s"},
	"err.no_customer":              {"没有找到与 “%s” 匹配的客户（按客户名称、账号名和客户 ID 查找）。", "No customer matches \"%s\" (searched by name, account name and customer id)."},
	"err.ambiguous":                {"“%s” 匹配到 %d 个客户，请用客户 ID 或更完整的名称：", "\"%s\" matches %d customer[s]; use the customer id or a fuller name:"},
	"err.no_order":                 {"没有找到订单 %s。", "Order %s was not found."},
	"err.bad_lang":                 {"不支持的语言 “%s”。可选：zh（中文）、en（English）。", "Unsupported language \"%s\". Choose zh (中文) or en (English)."},
	"err.not_resale":               {"%s 是顾问销售（referral）客户，合作伙伴看不到其余额。", "%s is a referral customer; its balance is not visible to the partner."},
	"err.bad_service":              {"不认识的服务 “%s”。可选：%s。", "Unknown service \"%s\". Choose one of: %s."},
	"err.unknown_spec":             {"BSS 不认识 %s 的规格 “%s”（区域 %s）。相近的规格：%s。", "BSS knows no %s spec \"%s\" (region %s). Nearest specs: %s."},
	"err.unknown_spec_none":        {"BSS 不认识 %s 的规格 “%s”（区域 %s）。请在华为云控制台的产品规格中查看规格编码。", "BSS knows no %s spec \"%s\" (region %s). Look the spec code up in the product's specifications on the Huawei Cloud console."},
	"err.bad_period":               {"周期 “%s” 无效：用 1m–11m（月）或 1y–3y（年），例如 3m、1y。", "Invalid period \"%s\": use 1m–11m (months) or 1y–3y (years), e.g. 3m or 1y."},
	"err.no_project":               {"客户 %s 在区域 %s 没有可用的项目（询价需要客户在该区域的项目）。", "Customer %s has no project in region %s (a price inquiry needs the customer's project there)."},
	"err.bad_status":               {"订单状态 “%s” 无效。可选：%s。", "Invalid order status \"%s\". Choose one of: %s."},
	"err.page_out_of_range":        {"没有第 %d 页（共 %d 页）。", "There is no page %d (there are %d)."},

	// Roles.
	"role.viewer":   {"查看者（viewer）", "viewer"},
	"role.operator": {"操作员（operator）", "operator"},
	"role.approver": {"审批人（approver）", "approver"},
	"role.admin":    {"管理员（admin）", "admin"},
	"role.none":     {"无", "none"},

	// Help.
	"help.title":    {"partnerbot 命令", "partnerbot commands"},
	"help.intro":    {"在命令前加 / 发送。中文别名同样可用。输入 /help <命令> 查看详细用法。", "Send a command starting with /. Chinese aliases work too. Type /help <command> for details."},
	"help.usage":    {"用法", "Usage"},
	"help.aliases":  {"别名", "Aliases"},
	"help.examples": {"示例", "Examples"},
	"help.role":     {"所需角色", "Role needed"},
	"help.options":  {"选项", "Options"},
	"help.col.cmd":  {"命令", "Command"},
	"help.col.desc": {"说明", "What it does"},
	"help.col.role": {"角色", "Role"},

	// Command summaries.
	"sum.help":      {"查看命令列表或某个命令的用法", "List the commands, or show how one is used"},
	"sum.customer":  {"查找客户：ID、账号、关联类型、标签、余额或欠费、30 天内到期资源数", "Find a customer: id, account, association, label, balance or arrears, resources expiring within 30 days"},
	"sum.balance":   {"客户的余额与欠费；不带客户时显示合作伙伴自己的账户余额（仅审批人）", "A customer's balance and arrears; without a customer, the partner's own accounts (approvers only)"},
	"sum.resources": {"客户的包年/包月资源（主资源及其附属资源）", "A customer's yearly/monthly resources (main resources with their attached ones)"},
	"sum.expiring":  {"所有客户中即将到期的包年/包月资源，最早到期的在前", "Yearly/monthly resources of all customers expiring soon, soonest first"},
	"sum.arrears":   {"欠费客户，欠费最多的在前", "Customers in arrears, largest debt first"},
	"sum.forecast":  {"续费与欠费预测，缺口最大的在前", "Renewal and arrears forecast, largest gap first"},
	"sum.report":    {"合作伙伴报告图：消费趋势、前 10 名、欠费与预测缺口、30 天到期日历", "The partner report as a picture: spend trend, top 10, arrears and forecast gap, 30-day renewal calendar"},
	"sum.budget":    {"客户月度预算", "Customers' monthly budgets"},
	"sum.orders":    {"客户的订单，最新的在前", "A customer's orders, newest first"},
	"sum.order":     {"一个订单的详情和明细", "One order with its line items"},
	"sum.price":     {"包年/包月产品询价：官网价与折扣价", "Price a yearly/monthly product: list price and discounted price"},
	"sum.lang":      {"设置我的（或本频道的）语言：zh 或 en", "Set my (or this channel's) language: zh or en"},
	"sum.audit":     {"最近的命令审计记录", "Recent command audit records"},

	// Option descriptions.
	"opt.expiring":   {"只看 N 天内到期的资源", "only resources expiring within N days"},
	"opt.page":       {"第 N 页", "page N"},
	"opt.live":       {"实时查询 BSS（操作员及以上）", "read BSS live (operator and up)"},
	"opt.fc_days":    {"预测从现在起 N 天（1–366）", "forecast the next N days (1–366)"},
	"opt.report_out": {"把图片写入文件（仅控制台和命令行）", "write the picture to a file (console and partnerbot exec only)"},
	"opt.fc_month":   {"预测某个月，如 2026-12；默认下月（北京时间）", "forecast a month such as 2026-12; default next month (China time)"},
	"opt.status":     {"订单状态：review（待审核）、processing（处理中）、cancelled（已取消）、completed（已完成）、pending（待支付）、confirm（待确认），或其编号 1、3、4、5、6、9", "order status: review, processing, cancelled, completed, pending (payment), confirm (pending confirmation), or its number 1, 3, 4, 5, 6, 9"},
	"opt.region":     {"区域，默认 cn-north-4", "region, default cn-north-4"},
	"opt.period":     {"周期，如 1m、3m、1y，默认 1m", "period such as 1m, 3m, 1y; default 1m"},
	"opt.qty":        {"数量，默认 1", "quantity, default 1"},
	"opt.size":       {"容量（云硬盘 GB、带宽 Mbit/s）", "size (disk GB, bandwidth Mbit/s)"},

	// Common labels.
	"lbl.customer_id":  {"客户 ID", "Customer id"},
	"lbl.account":      {"账号名", "Account"},
	"lbl.association":  {"关联类型", "Association"},
	"lbl.label":        {"标签", "Label"},
	"lbl.balance":      {"可用余额", "Available balance"},
	"lbl.debt":         {"欠费", "Arrears"},
	"lbl.expiring30":   {"30 天内到期资源", "Resources expiring within 30 days"},
	"lbl.hidden":       {"不可见（顾问销售）", "not visible (referral)"},
	"lbl.unknown":      {"未知", "unknown"},
	"assoc.1":          {"顾问销售", "referral"},
	"assoc.2":          {"代售", "resale"},
	"lbl.verified":     {"实名认证", "Real-name verification"},
	"lbl.frozen":       {"冻结状态", "Frozen"},
	"verified.-1":      {"未实名认证", "not verified"},
	"verified.0":       {"实名认证审核中", "verification in review"},
	"verified.1":       {"实名认证未通过", "verification rejected"},
	"verified.2":       {"已实名认证", "verified"},
	"verified.3":       {"实名认证失败", "verification failed"},
	"verified.none":    {"未知（实名认证开关关闭）", "unknown (verification switched off)"},
	"frozen.0":         {"未冻结", "not frozen"},
	"frozen.1":         {"账号已冻结", "account frozen"},
	"frozen.2":         {"账号和资源已冻结", "account and resources frozen"},
	"lbl.next_page":    {"下一页", "Next page"},
	"lbl.prev_page":    {"上一页", "Previous page"},
	"lbl.page":         {"第 %d/%d 页，共 %d 项", "page %d of %d, %d item[s]"},
	"lbl.more_matches": {"还有更多匹配，只显示前 %d 个；请缩小范围。", "There are more matches; showing the first %d. Narrow the search."},
	"lbl.in_days":      {"%d 天后", "in %d day[s]"},
	"lbl.in_hours":     {"%d 小时后", "in %d hour[s]"},
	"lbl.days_ago":     {"%d 天前", "%d day[s] ago"},
	"lbl.hours_ago":    {"%d 小时前", "%d hour[s] ago"},
	"lbl.today":        {"今天", "today"},
	"lbl.zone":         {"时间为%s", "Times in %s"},
	"lbl.zone_beijing": {"北京时间 (UTC+8)", "Beijing time (UTC+8)"},

	// /customer
	"customer.title":   {"客户：%s", "Customer: %s"},
	"customer.matches": {"“%s” 匹配到 %d 个客户", "\"%s\" matches %d customer[s]"},
	"btn.resources":    {"资源", "Resources"},
	"btn.orders":       {"订单", "Orders"},
	"btn.balance":      {"余额", "Balance"},

	// /balance
	"balance.title":         {"%s 的余额", "Balance of %s"},
	"balance.partner_title": {"合作伙伴账户余额", "Partner account balances"},
	"balance.in_arrears":    {"该客户已欠费 %s，包年/包月资源可能被冻结。", "This customer owes %s; its yearly/monthly resources may be frozen."},
	"balance.col.account":   {"账户", "Account"},
	"balance.col.type":      {"类型", "Type"},
	"balance.col.amount":    {"金额", "Amount"},
	"acct.1":                {"余额账户", "balance"},
	"acct.2":                {"信用账户", "credit"},
	"acct.5":                {"奖励金账户", "bonus"},
	"acct.7":                {"保证金账户", "deposit"},
	"acct.8":                {"可拨款账户", "allocatable"},
	"balance.none":          {"没有查到账户余额。", "No account balances were returned."},

	// partner's own balances (approvers): every figure names its account
	"balance.credit_line":       {"信用额度（合作伙伴信用账户 %s）", "Credit line (partner's credit account %s)"},
	"balance.credit_line_value": {"额度 %s，账户金额 %s", "limit %s, account amount %s"},
	"balance.fund":              {"可拨款资金（合作伙伴%s %s）", "Allocatable funds (partner's %s account %s)"},
	"balance.partner_note":      {"以上为合作伙伴自己的账户，仅审批人和管理员可见；客户的余额请用 /balance <客户>。", "These are the partner's own accounts, shown to approvers and admins only; for a customer's balance use /balance <customer>."},
	"fund.available":            {"可拨款 %s（账户余额 %s，减去华为云的专款专用金额 %s）", "%s may be allocated (account balance %s less %s that Huawei Cloud earmarks as designated)"},
	"fund.held":                 {"，其中 %s 已被待审批的拨款申请占用，剩余 %s", "; of it %s is held by top-up requests not yet carried out, leaving %s"},
	"fund.none_held":            {"，没有待审批的拨款申请占用", "; no open top-up request holds any of it"},
	"err.partner_books":         {"合作伙伴自己的账户余额（含信用额度）仅审批人和管理员可见。查看客户余额请用 /balance <客户>，例如 /balance 张三。", "The partner's own balances (with its credit line) are for approvers and admins only. For a customer's balance use /balance <customer>, e.g. /balance 张三."},

	// /resources
	"resources.title":     {"%s 的包年/包月资源", "Yearly/monthly resources of %s"},
	"resources.title_exp": {"%s 在 %d 天内到期的资源", "Resources of %s expiring within %d day[s]"},
	"resources.none":      {"没有符合条件的资源。", "No resources match."},
	"resources.attached":  {"附属：%s", "attached: %s"},
	"res.status.2":        {"使用中", "in use"},
	"res.status.3":        {"已关闭", "closed"},
	"res.status.4":        {"已冻结", "frozen"},
	"res.status.5":        {"已过期", "expired"},
	"resources.expires":   {"到期", "Expires"},
	"resources.status":    {"状态", "Status"},
	"resources.region":    {"区域", "Region"},
	"resources.policy":    {"到期策略", "On expiry"},
	"policy.0":            {"进入宽限期", "grace period"},
	"policy.1":            {"转按需", "switch to pay-per-use"},
	"policy.2":            {"删除", "delete"},
	"policy.3":            {"自动续费", "auto-renew"},
	"policy.4":            {"冻结", "freeze"},
	"policy.5":            {"释放", "release"},

	// /expiring
	"expiring.title":    {"%d 天内到期的包年/包月资源", "Yearly/monthly resources expiring within %d day[s]"},
	"expiring.none":     {"%d 天内没有到期的资源。", "Nothing expires within %d day[s]."},
	"expiring.col.when": {"到期时间", "Expires"},
	"expiring.col.cust": {"客户", "Customer"},
	"expiring.col.res":  {"资源", "Resource"},
	"expiring.col.auto": {"自动续费", "Auto-renew"},
	"expiring.failed":   {"有 %d 个客户查询失败，结果可能不完整：%s", "%d customer[s] could not be queried; the list may be incomplete: %s"},
	"yes":               {"是", "yes"},
	"no":                {"否", "no"},

	// /expiring label:NAME, customer:ID
	"expiring.title_label":     {"%d 天内到期的包年/包月资源（标签：%s）", "Yearly/monthly resources expiring within %d day[s] (label: %s)"},
	"err.bad_label":            {"“%s” 不是有效的标签筛选：写成 label:标签，例如 label:vip（同一标签只写一次，最长 64 个字）。", "\"%s\" is not a valid label filter: write label:NAME, e.g. label:vip (each label once, at most 64 characters)."},
	"err.too_many_labels":      {"最多可同时筛选 %d 个标签。", "At most %d label[s] at once."},
	"err.no_such_label":        {"没有客户的标签是 “%s”（标签区分大小写）。", "No customer has the label \"%s\" (labels are case-sensitive)."},
	"expiring.title_scope":     {"%d 天内到期的包年/包月资源（%s）", "Yearly/monthly resources expiring within %d day[s] (%s)"},
	"expiring.scope_label":     {"标签：%s", "label: %s"},
	"expiring.scope_customers": {"%d 个客户", "%d customer[s]"},
	"err.bad_customer_scope":   {"“%s” 不是有效的客户筛选：写成 customer:客户ID（32 位十六进制数字，见 /客户），每个客户只写一次。", "\"%s\" is not a valid customer filter: write customer:ID (the customer's 32 hexadecimal digits, see /customer), each customer once."},
	"err.too_many_scoped":      {"最多可同时筛选 %d 个客户。", "At most %d customer[s] at once."},
	"err.no_such_customer_id":  {"没有 ID 为 %s 的客户。", "No customer has the id %s."},

	// /arrears
	"progress.working":  {"处理中：%s / %s 个客户", "working: %s / %s customer[s]"},
	"fresh.index":       {"截至 %s 扫描，%s（%d 个客户）", "as of %s scan, %s (%d customer[s])"},
	"fresh.ago_min":     {"%d 分钟前", "%d min ago"},
	"fresh.ago_h":       {"%d 小时前", "%d h ago"},
	"fresh.ago_d":       {"%d 天前", "%d day[s] ago"},
	"fresh.live":        {"实时查询 BSS", "read live from BSS"},
	"fresh.balances":    {"截至 %s 欠费扫描，%s（%d 个客户）", "as of %s arrears scan, %s (%d customer[s])"},
	"fresh.no_balances": {"尚无欠费扫描，已实时查询 BSS", "no arrears scan yet: read live from BSS"},
	"fresh.no_index":    {"尚无到期扫描，已实时查询 BSS", "no expiry scan yet: read live from BSS"},
	"err.live_role":     {"--live 需要 %s 角色，您的角色是 %s。", "--live needs the %s role; yours is %s."},
	"err.live_too_many": {"客户超过 %d 个，不能逐个实时查询；请先运行 /scan expiry 刷新索引，再不带 --live 查询。", "More than %d customer[s]: too many to query live one by one. Run /scan expiry to refresh the index, then ask without --live."},
	"arrears.title":     {"欠费客户", "Customers in arrears"},
	"arrears.none":      {"目前没有欠费的代售客户。", "No resale customer is in arrears."},
	"arrears.total":     {"共 %d 个客户欠费，合计 %s。", "%d customer[s] in arrears, %s in all."},
	"arrears.col.debt":  {"欠费", "Arrears"},
	"arrears.col.cust":  {"客户", "Customer"},
	"arrears.col.acct":  {"账号", "Account"},
	"arrears.col.label": {"标签", "Label"},

	// /forecast
	"fc.title":              {"续费与欠费预测：%s", "Renewal and arrears forecast: %s"},
	"fc.title_of":           {"%s 的续费与欠费预测：%s", "Renewal and arrears forecast of %s: %s"},
	"fc.next_month":         {"下月", "next month"},
	"fc.next_days":          {"未来 %d 天", "the next %d day[s]"},
	"fc.rest_of":            {"%s 剩余天数", "the rest of %s"},
	"fc.headline":           {"%s预计 %s（%s），其中自动续费 %s；余额 %s；缺口 %s，涉及 %d 个客户", "%s: expected %s (%s), of which auto-renewal %s; balance %s; gap %s across %d customer[s]"},
	"fc.change":             {"较本月 %s", "%s against this month"},
	"fc.no_change":          {"本月尚无可比消费", "nothing this month to compare with"},
	"fc.parts":              {"%d 个到期主资源（含手动续费 %s）；按需消费预计 %s（按本月已过 %d 天的速度）", "%d main resource[s] expiring (manual renewals %s); pay-per-use %s at this month's pace over %d day[s]"},
	"fc.unquoted":           {"%d 个资源未能询价，未计入。", "%d resource[s] could not be priced and are not counted."},
	"fc.partner_short":      {"合作伙伴：客户缺口合计 %s，可拨款 %s + 信用额度 %s，不足 %s。", "Partner: customers' gaps %s against allocatable %s + credit %s: short by %s."},
	"fc.partner_ok":         {"合作伙伴：客户缺口合计 %s，可拨款 %s + 信用额度 %s，足以覆盖。", "Partner: customers' gaps %s against allocatable %s + credit %s: covered."},
	"fc.none_yet":           {"尚无预测：预测在每日到期扫描（alerts.delta）结束时计算。单个客户可实时预测：/forecast 客户名。", "No forecast yet: it is computed at the end of the daily expiry scan (alerts.delta). One customer can be forecast live: /forecast CUSTOMER."},
	"fc.col.cust":           {"客户", "Customer"},
	"fc.col.gap":            {"缺口", "Gap"},
	"fc.col.total":          {"预计支出", "Expected"},
	"fc.col.auto":           {"自动续费", "Auto-renewal"},
	"fc.col.balance":        {"余额", "Balance"},
	"err.fc_unwired":        {"预测未启用：需要开启告警扫描（alerts.enabled）。", "The forecast is not enabled: it needs the alert scans (alerts.enabled)."},
	"err.fc_days_and_month": {"--days 和 --month 只能用一个。", "Use --days or --month, not both."},
	"err.fc_days":           {"--days 应为 1 到 %[2]d 的天数（当前 %[1]q）。", "--days must be a number of days from 1 to %[2]d (got %[1]q)."},
	"err.fc_month":          {"--month 应为本月（%[2]s）或之后一年内的月份，如 2026-12（当前 %[1]q）。", "--month must be this month (%[2]s) or a month within a year after it, like 2026-12 (got %[1]q)."},
	"err.fc_no_label":       {"预测中没有标签为 “%s” 的客户（标签区分大小写）。", "No customer in the forecast has the label \"%s\" (labels are case-sensitive)."},
	"err.fc_label":          {"label: 后面需要标签名，如 label:vip。", "label: needs a label name, as in label:vip."},
	"err.fc_window":         {"所有客户的预测只覆盖到 %s（上次扫描时的下月月底）；更远的时间请对单个客户预测：/forecast 客户名 --month …", "The forecast of all customers covers up to %s (the end of the month after the last scan); for later, forecast one customer: /forecast CUSTOMER --month …"},

	// /report (issue #26): the picture's texts and its caption
	"report.title":             {"合作伙伴%s · %s", "Partner %s · %s"},
	"report.week":              {"周报", "weekly report"},
	"report.month":             {"月报", "monthly report"},
	"report.scope_all":         {"全部客户", "all customers"},
	"report.scope_label":       {"标签 %s", "label %s"},
	"report.subtitle":          {"生成于 %s · 金额单位 %s", "Made %s · amounts in %s"},
	"report.kpi.month":         {"本月消费（至昨日）", "This month, to yesterday"},
	"report.kpi.month_sub":     {"%s 包年/包月 + 按需", "%s, every charge mode"},
	"report.kpi.arrears":       {"欠费", "Arrears"},
	"report.kpi.customers":     {"%d 个客户", "%d customer[s]"},
	"report.kpi.no_scan":       {"尚无欠费扫描", "no arrears scan yet"},
	"report.kpi.gap":           {"未来 30 天预测缺口", "Forecast gap, next 30 days"},
	"report.kpi.no_forecast":   {"尚无预测（到期扫描后生成）", "no forecast yet (the expiry scan makes it)"},
	"report.kpi.due":           {"30 天内到期续费", "Renewals due in 30 days"},
	"report.kpi.due_sub":       {"%d 项，其中自动续费 %d 项", "%d, of which %d auto-renew"},
	"report.this_month":        {"%s（本月）", "%s (so far)"},
	"report.chart.spend":       {"近 7 个月消费（%s）", "Spend of the last 7 months (%s)"},
	"report.chart.top":         {"%s 消费前 %d 名（共 %d 个客户有消费）", "%s: the top %d spender[s] (of %d customer[s] who spent)"},
	"report.no_spenders":       {"该月没有消费。", "Nobody spent anything that month."},
	"report.chart.calendar":    {"未来 30 天到期续费日历", "Renewals due, the next 30 days"},
	"report.chart.cal_count":   {"每日到期数", "renewals per day"},
	"report.chart.cal_amount":  {"每日到期金额（%s）", "amount per day (%s)"},
	"report.row.manual":        {"手动续费", "manual"},
	"report.row.auto":          {"自动续费", "auto-renew"},
	"report.cap.sep":           {"；", "; "},
	"report.cap.month":         {"%s %s（包年/包月 %s，按需 %s）", "%s %s (yearly/monthly %s, on-demand %s)"},
	"report.cap.months":        {"近 7 个月消费：%s", "Spend of the last 7 months: %s"},
	"report.cap.top":           {"%s 消费前 %d 名（共 %d 个客户有消费）：%s", "%s: the top %d spender[s] (of %d customer[s] who spent): %s"},
	"report.cap.top_none":      {"%s 没有消费。", "Nobody spent anything in %s."},
	"report.cap.spender":       {"%d. %s %s", "%d. %s %s"},
	"report.cap.arrears":       {"欠费：%s，%d 个客户", "Arrears: %s across %d customer[s]"},
	"report.cap.arrears_none":  {"欠费：尚无欠费扫描。", "Arrears: no arrears scan yet."},
	"report.cap.forecast_none": {"预测缺口与到期日历：尚无预测（到期扫描后生成）。", "Forecast gap and renewal calendar: no forecast yet (the expiry scan makes it)."},
	"report.cap.gap":           {"未来 30 天预测缺口：%s，%d 个客户", "Forecast gap over the next 30 days: %s across %d customer[s]"},
	"report.cap.due":           {"未来 30 天到期续费 %d 项，共 %s；其中自动续费 %d 项，%s", "Renewals due in the next 30 days: %d for %s; auto-renewing %d for %s"},
	"report.cap.day":           {"%s 手动 %d 项 %s，自动 %d 项 %s", "%s manual %d %s, auto %d %s"},
	"report.cap.days":          {"到期日：%s", "Due days: %s"},
	"report.console_hint":      {"控制台无法显示图片：加 --out 文件名 保存 PNG，或运行 partnerbot report --out 文件名。", "The console cannot show pictures: add --out FILE to save the PNG, or run partnerbot report --out FILE."},
	"report.saved":             {"报告图片已保存：%s（%d KB）", "Report picture saved: %s (%d KB)"},
	"err.report_out_platform":  {"--out 只能在控制台或命令行（partnerbot exec）中使用。", "--out works only on the console and with partnerbot exec."},
	"err.report_out_empty":     {"--out 后面需要文件名，如 --out report.png。", "--out needs a file name, as in --out report.png."},
	"err.report_out_write":     {"无法写入 %s：%s", "Cannot write %s: %s"},
	// /orders and /order
	"orders.title":      {"%s 的订单", "Orders of %s"},
	"orders.none":       {"没有符合条件的订单。", "No orders match."},
	"orders.col.id":     {"订单号", "Order"},
	"orders.col.type":   {"类型", "Type"},
	"orders.col.status": {"状态", "Status"},
	"orders.col.amount": {"金额", "Amount"},
	"orders.col.time":   {"创建时间", "Created"},
	"order.title":       {"订单 %s", "Order %s"},
	"order.customer":    {"客户 ID", "Customer id"},
	"order.service":     {"服务", "Service"},
	"order.official":    {"官网价", "List price"},
	"order.paid":        {"折后价", "After discount"},
	"order.paid_at":     {"支付时间", "Paid on"},
	"order.col.product": {"产品", "Product"},
	"order.col.period":  {"周期", "Period"},
	"order.col.qty":     {"数量", "Qty"},
	"ostatus.1":         {"待审核", "pending review"},
	"ostatus.2":         {"待退款", "pending refund"},
	"ostatus.3":         {"处理中", "processing"},
	"ostatus.4":         {"已取消", "cancelled"},
	"ostatus.5":         {"已完成", "completed"},
	"ostatus.6":         {"待支付", "pending payment"},
	"ostatus.9":         {"待确认", "pending confirmation"},
	"otype.1":           {"新购", "new"},
	"otype.2":           {"续费", "renewal"},
	"otype.3":           {"变更", "change"},
	"otype.4":           {"退订", "unsubscribe"},
	"otype.10":          {"包年/包月转按需", "yearly/monthly → pay-per-use"},
	"otype.11":          {"按需转包年/包月", "pay-per-use → yearly/monthly"},
	"otype.13":          {"试用", "trial"},
	"otype.14":          {"转商用", "trial → commercial"},
	"otype.15":          {"调账", "fee adjustment"},
	"period.0":          {"%d 天", "%d day[s]"},
	"period.1":          {"%d 周", "%d week[s]"},
	"period.2":          {"%d 个月", "%d month[s]"},
	"period.3":          {"%d 年", "%d year[s]"},
	"period.4":          {"%d 小时", "%d hour[s]"},
	"period.5":          {"一次性", "one-off"},

	// /price
	"price.title":    {"询价：%s %s", "Price: %s %s"},
	"price.official": {"官网价", "List price"},
	"price.discount": {"折扣价（%s）", "Discounted (%s)"},
	"price.best":     {"最优价", "Best price"},

	"act.charge_autopay":           {"将从客户余额扣费", "Will be charged to the customer's balance"},
	"act.charge_pending":           {"将扣费（订单待客户支付）", "Will be charged (order awaiting the customer's payment)"},
	"act.charge_value":             {"%s（BSS 续订金额，含从属资源；官网价 %s）", "%s (BSS's renewal amount, attached resources included; list price %s)"},
	"act.charge_value_off":         {"%s（BSS 续订金额，含从属资源；官网价 %s，已含折扣 %s）", "%s (BSS's renewal amount, attached resources included; list price %s, %s off included)"},
	"act.optional_discount":        {"可选折扣（%s）", "Optional discount (%s)"},
	"act.discount_autopay":         {"%s；不计入上面的扣费：续订请求不带折扣选择，自动支付按续订金额扣费", "%s; not in the charge above: a renewal request carries no discount choice, and paying it at once pays the renewal amount"},
	"act.discount_pending":         {"%s；不计入上面的扣费，客户支付订单时可选用", "%s; not in the charge above; the customer may choose it when paying the order"},
	"act.best_discount":            {"最优折扣价（%s）", "Best discount (%s)"},
	"act.best_discount_none":       {"可选折扣", "Optional discounts"},
	"act.quota_limits":             {"使用限制", "Restrictions"},
	"act.quota_unlimited":          {"无", "none"},
	"quota.limit.cloudServiceType": {"云服务类型", "Cloud service"},
	"quota.limit.regionCode":       {"区域", "Region"},
	"quota.limit.resourceType":     {"资源类型", "Resource type"},
	"quota.limit.productId":        {"产品", "Product"},
	"price.period":                 {"周期", "Period"},
	"price.qty":                    {"数量", "Quantity"},
	"price.region":                 {"区域", "Region"},
	"price.customer":               {"客户", "Customer"},

	// /lang
	"lang.set": {"好的，以后用中文回复您。", "OK, I will answer you in English from now on."},

	// /lang typed in a channel.
	"lang.set_channel": {"好的，本频道的提醒和通知以后用中文发送（自己设置过 /lang 的人仍按各自的语言）。", "OK, this channel's alerts and notices are in English from now on (people who chose a /lang keep theirs)."},

	// /audit
	"audit.title":    {"最近 %d 条审计记录", "The last %d audit record[s]"},
	"audit.none":     {"还没有审计记录。", "No audit records yet."},
	"audit.col.when": {"时间", "When"},
	"audit.col.who":  {"用户", "Who"},
	"audit.col.cmd":  {"命令", "Command"},
	"audit.col.res":  {"结果", "Result"},

	// Audit results as shown by /audit.
	"audit.res.ok":        {"成功", "ok"},
	"audit.res.error":     {"出错", "error"},
	"audit.res.invalid":   {"输入无效", "invalid"},
	"audit.res.denied":    {"无权限", "denied"},
	"audit.res.not-found": {"未找到", "not found"},
	"audit.res.unknown":   {"未知命令", "unknown command"},

	"sum.notices":       {"无法投递而搁置的通知", "Notices set aside because they cannot be delivered"},
	"sum.resend":        {"修复频道后重新发送一条搁置的通知", "Sends a set-aside notice again once its channel is fixed"},
	"notices.title":     {"搁置的通知（%d）", "Notices set aside (%d)"},
	"notices.none":      {"没有搁置的通知：所有通知都已投递或在重试中。", "No notice is set aside: every notice was delivered or is being retried."},
	"notices.col.id":    {"编号", "Id"},
	"notices.col.to":    {"发往", "To"},
	"notices.col.since": {"搁置于", "Since"},
	"notices.col.why":   {"原因", "Why"},
	"notices.hint":      {"邀请机器人回到频道（或请用户解除屏蔽）后，用 /resend <编号> 重新发送。", "Invite the bot back to the channel (or ask the user to unblock it), then /resend <id>."},
	"notices.resent":    {"通知 #%d 已重新排队，马上发送。", "Notice #%d is queued again and goes out now."},
	"notices.bad_id":    {"通知编号应为正整数，收到的是 “%s”。", "A notice id is a positive whole number; got \"%s\"."},
	"notices.not_found": {"没有编号为 %d 的待投递通知。", "There is no undelivered notice #%d."},

	// Actions and approvals.
	"sum.renew":               {"申请续订包年/包月资源（需审批）", "Request a renewal of a yearly/monthly resource (needs approval)"},
	"sum.unsubscribe":         {"申请退订资源及其附属资源（需审批）", "Request an unsubscribe of a resource and its attached ones (needs approval)"},
	"sum.autorenew":           {"申请开启或关闭自动续费（需审批）", "Request switching auto-renew on or off (needs approval)"},
	"sum.to_ondemand":         {"申请把包年/包月资源设置为到期转按需（需审批）", "Request switching yearly/monthly resources to pay-per-use at expiry (needs approval)"},
	"sum.reclaim":             {"申请从经销商回收优惠券额度（需审批）", "Request reclaiming coupon quotas from resellers (needs approval)"},
	"sum.approve":             {"批准一个申请；达到所需批准数后立即执行", "Approve a request; it runs as soon as it has enough approvals"},
	"sum.reject":              {"拒绝一个申请", "Reject a request"},
	"sum.cancel":              {"撤回自己的申请", "Withdraw your own request"},
	"sum.pending":             {"等待我处理的申请（管理员看到全部）", "Requests waiting for me (admins see all)"},
	"sum.request":             {"一个申请的完整经过", "The whole story of one request"},
	"opt.customer":            {"资源所属客户（可省略，机器人会查找）", "the customer owning the resource (optional; the bot finds it)"},
	"opt.autopay":             {"从客户余额立即支付", "pay from the customer's balance at once"},
	"opt.anyway":              {"客户未实名认证时也提交", "file even when the customer is not real-name verified"},
	"renew.unverified":        {"⚠ 客户 %s 未实名认证（%s）：华为云只为已实名认证的客户续费，这次续订很可能失败，未提交。仍要提交请用：%s", "⚠ %s is not real-name verified (%s): Huawei renews only for verified customers, so this renewal would likely fail; nothing was filed. To file it anyway: %s"},
	"btn.renew_anyway":        {"仍然提交续订", "File the renewal anyway"},
	"opt.remark":              {"备注，最多 256 个字符", "remark, at most 256 characters"},
	"err.no_resource":         {"没有找到资源 %s（在所有客户的包年/包月资源中查找）。", "Resource %s was not found (searched every customer's yearly/monthly resources)."},
	"err.bad_id":              {"%s 应为不超过 %d 个字符的 ID，收到的是 “%s”。", "The %s must be an id of at most %d character[s]; got \"%s\"."},
	"err.not_main":            {"%s 是附属资源，请对其主资源 %s 操作（附属资源随主资源一起续订/退订）。", "%s is an attached resource; act on its main resource %s (attached resources follow their main resource)."},
	"err.closed":              {"资源 %s 已关闭，不能续订。", "Resource %s is closed and cannot be renewed."},
	"err.cannot_renew":        {"华为云不允许续订 %s：%s", "Huawei Cloud will not renew %s: %s"},
	"err.too_long":            {"%s 太长：最多 %d 个字符（当前 %d）。", "The %s is too long: at most %d character[s] (got %d)."},
	"err.on_off":              {"第一个参数应为 on 或 off，收到的是 “%s”。", "The first argument must be on or off; got \"%s\"."},
	"err.autorenew_already":   {"资源 %s 的自动续费已经是%s状态。", "Auto-renew of %s is already %s."},
	"err.autorenew_status":    {"资源 %s 当前为%s状态，不能开启自动续费。", "Resource %s is %s; auto-renew cannot be switched on."},
	"err.ondemand_already":    {"资源 %s 已设置到期转按需。", "Resource %s is already set to switch to pay-per-use at expiry."},
	"err.ondemand_autorenew":  {"资源 %s 已开启自动续费，到期转按需前请先关闭自动续费（/autorenew off %s）。", "Resource %s renews automatically; switch auto-renew off first (/autorenew off %s)."},
	"err.ondemand_status":     {"资源 %s 当前为%s状态，不能设置到期转按需。", "Resource %s is %s; it cannot be set to switch to pay-per-use."},
	"err.ondemand_customers":  {"%s 和 %s 属于不同的客户：一个申请只能包含同一客户的资源。", "%s and %s belong to different customers: one request holds one customer's resources."},
	"err.too_many_quotas":     {"一次最多回收 %d 个额度（收到 %d 个）。", "At most %d quota[s] can be reclaimed at once (got %d)."},
	"err.duplicate":           {"ID %s 重复了。", "Id %s is given twice."},
	"err.no_quota":            {"没有找到优惠券额度 %s。", "Coupon quota %s was not found."},
	"err.bad_request_id":      {"申请编号应为数字，例如 12 或 #12，收到的是 “%s”。", "A request id is a number such as 12 or #12; got \"%s\"."},
	"err.no_request":          {"没有编号为 #%d 的申请。", "There is no request #%d."},
	"err.self_approval":       {"不能审批自己提交的申请 #%d，需要另一位审批人。", "You cannot decide on your own request #%d; another approver must."},
	"err.already_approved":    {"您已经批准过申请 #%d，还需要其他审批人。", "You have already approved request #%d; it needs another approver."},
	"err.expired":             {"申请 #%d 已过期，不能执行。如仍需要，请重新提交。", "Request #%d has expired and cannot run. File it again if it is still needed."},
	"err.not_requester":       {"只有申请人可以撤回申请 #%d。", "Only the requester can withdraw request #%d."},
	"err.wrong_state":         {"申请 #%d 当前状态为“%s”，不能这样操作。", "Request #%d is %s; that cannot be done now."},
	"err.open_request":        {"%s %s 已有一个待处理的%s申请 #%d，请先处理它（/request %d）。", "%s %s already has an open %s request, #%d; decide on it or withdraw it first (/request %d)."},
	"err.channel_not_allowed": {"/%s 不能在 %s 使用：操作类命令只能在配置的频道中使用。", "/%s cannot be used in %s: actions are allowed only in the configured channels."},
	"state.pending":           {"待审批", "pending"},
	"state.approved":          {"已批准", "approved"},
	"state.executing":         {"执行中", "executing"},
	"state.succeeded":         {"已成功", "succeeded"},
	"state.failed":            {"已失败", "failed"},
	"state.rejected":          {"已拒绝", "rejected"},
	"state.expired":           {"已过期", "expired"},
	"state.cancelled":         {"已撤回", "cancelled"},
	"action.renew":            {"续订", "renewal"},
	"action.unsubscribe":      {"退订", "unsubscribe"},
	"action.autorenew":        {"自动续费设置", "auto-renew change"},
	"action.budget":           {"预算设置", "budget change"},
	"action.to-ondemand":      {"到期转按需", "switch to pay-per-use"},
	"action.reclaim":          {"额度回收", "quota reclaim"},
	"act.filed":               {"已提交申请 #%d，需要 %d 位审批人批准，%s 前有效。", "Request #%d filed; it needs %d approval[s] and is valid until %s."},
	"act.approved_partly":     {"申请 #%d 已获 %d/%d 个批准。", "Request #%d has %d of %d approval[s]."},
	"act.new_request":         {"%s 提交了申请 #%d，请审批：", "%s filed request #%d for approval:"},
	"act.title":               {"申请 #%d：%s", "Request #%d: %s"},
	"act.resource":            {"资源", "Resource"},
	"act.expiry_now":          {"当前到期", "Expires now"},
	"act.expiry_new":          {"续订后到期", "Expires after renewal"},
	"act.autorenew_now":       {"当前自动续费", "Auto-renew now"},
	"act.autorenew_new":       {"改为", "Change to"},
	"act.budget_now":          {"当前预算", "Budget now"},
	"act.budget_new":          {"改为", "Change to"},
	"act.budget_done":         {"预算已设为 %s", "budget set to %s"},
	"act.ondemand_note":       {"到期后这些资源及其附属资源改为按需计费，从客户余额扣费，不再进入宽限期、冻结或删除。", "At expiry these resources and their attached ones are billed pay-per-use from the customer's balance, instead of entering the grace period, freezing or being deleted."},
	"act.ondemand_policy_now": {"当前到期策略", "On expiry now"},
	"act.ondemand_done":       {"已设置到期转按需：%s", "set to switch to pay-per-use at expiry: %s"},
	"act.ondemand_partly":     {"已设置到期转按需：%s；未设置：%s", "set to switch to pay-per-use at expiry: %s; not set: %s"},
	"act.payment":             {"支付", "Payment"},
	"act.pay_now":             {"从客户余额立即支付", "paid at once from the customer's balance"},
	"act.pay_later":           {"生成待支付订单", "an order waiting for payment"},
	"act.unsubscribe_warning": {"退订会删除该资源及下列附属资源，数据不可恢复。", "Unsubscribing deletes this resource and the attached resources below; their data cannot be recovered."},
	"act.reason":              {"原因", "Reason"},
	"act.quota":               {"额度", "Quota"},
	"act.quota_balance":       {"当前余额", "Balance now"},
	"act.remark":              {"备注", "Remark"},
	"act.attached":            {"一并处理的 %d 个附属资源", "%d attached resource[s] affected too"},
	"act.story":               {"经过", "History"},
	"act.requested_by":        {"%s 于 %s 提交，%s 前有效", "filed by %s at %s, valid until %s"},
	"act.approved_by":         {"%s 于 %s 批准", "approved by %s at %s"},
	"act.rejected_by":         {"%s 于 %s 拒绝", "rejected by %s at %s"},
	"act.state":               {"状态：%s（批准 %d/%d）", "state: %s (%d of %d approval[s])"},
	"act.done":                {"已执行", "done"},
	"act.failed":              {"执行失败", "failed"},
	"act.orders":              {"订单 %s", "order %s"},
	"act.request_id":          {"华为云请求编号 %s", "BSS request id %s"},
	"act.new_expiry_is":       {"新的到期时间 %s", "new expiry %s"},
	"act.awaiting_payment":    {"订单待支付，支付后到期时间才会延长", "the order awaits payment; the expiry moves once it is paid"},
	"act.reconciled":          {"（根据华为云状态确认）", "(confirmed from BSS state)"},
	"act.needs_attention":     {"需要人工确认", "needs a person to check"},
	"act.checking":            {"请求已发出但结果未知（超时或华为云出错）。不会重发；%s 后将根据华为云的状态确认结果，届时通知申请人。请勿重新提交。", "The request was sent but its outcome is unknown (a time-out or a Huawei Cloud error). It will not be sent again; its result is settled from Huawei Cloud's state after %s and the requester is told. Do not file it again."},
	"act.no_trace":            {"华为云中没有找到这次操作的痕迹，可能没有发出；请核实后如需要重新提交。", "Huawei Cloud shows no trace of the action; it was probably not sent. Check, and file it again if needed."},
	"act.reconciled_gone":     {"资源已不在，退订已生效", "the resource is gone: the unsubscribe took effect"},
	"act.reconciled_policy":   {"自动续费状态已是目标值", "auto-renew is in the requested state"},
	"act.reconciled_ondemand": {"到期策略已是转按需：%s", "the expire policy is now switch to pay-per-use: %s"},
	"act.reconciled_reclaim":  {"额度余额已为 0，回收已生效", "the quota balances are zero: the reclaim took effect"},
	"btn.approve":             {"批准", "Approve"},
	"btn.reject":              {"拒绝", "Reject"},
	"btn.cancel":              {"撤回", "Withdraw"},
	"lbl.on":                  {"开启", "on"},
	"lbl.off":                 {"关闭", "off"},
	"pending.title":           {"待处理的申请", "Requests waiting"},
	"pending.none":            {"没有等待您处理的申请。", "No request is waiting for you."},
	"pending.col.action":      {"操作", "Action"},
	"pending.col.subject":     {"对象", "Subject"},
	"pending.col.requester":   {"申请人", "Requester"},
	"pending.col.state":       {"状态", "State"},
	"pending.col.expires":     {"有效期至", "Valid until"},
	// Arguments with hidden characters, command deadlines and throttling, settled results.
	"err.invisible":          {"%s 含有不可见的控制字符、文字方向控制符或无效编码：%s。请手动重新输入（从网页或富文本复制时常会带上这类字符）。", "The %s contains an invisible control character, a text-direction override or invalid UTF-8: %s. Type it again by hand (copying from web pages or rich text often brings such characters)."},
	"act.unproven_orders":    {"申请执行后华为云生成了订单 %s，但无法证明它是这个资源的（订单明细不含资源 ID，按订单查询资源也没有只列出这个资源）。请先核对订单，再决定是否重新提交。", "Huawei Cloud created the orders %s after the request ran, but they cannot be proven to be this resource's (order lines do not name resources, and BSS does not list this resource alone under them). Check them before filing again."},
	"act.gone_unproven":      {"资源已不在；申请执行后生成了退订订单 %s，但无法证明它是这个资源的，请核对。", "The resource is gone; the unsubscribe orders %s were created after the request ran, but cannot be proven to be this resource's: check them."},
	"act.gone_no_order":      {"资源已不在，但申请执行后没有生成退订订单：它可能在此之前已被删除，请核实。", "The resource is gone, but no unsubscribe order was created after the request ran: it may have been removed before; check."},
	"act.expiry_unexplained": {"到期时间从 %s 变为 %s，与这次续订的周期不符（应为 %s），请核对。", "The expiry moved from %s to %s, which this renewal's period does not explain (expected %s): check."},
	"act.settled_unknown":    {"（执行结果未知，已根据华为云状态确认）", "(the outcome was unknown; confirmed from BSS state)"},
	"act.settled_restart":    {"（中断后根据华为云状态确认：重启，或另一副本接手）", "(confirmed from BSS state after the run was interrupted: a restart, or another replica took over)"},
	"act.settled_later":      {"（%d 分钟后根据华为云状态确认）", "(confirmed from BSS state %d min later)"},
	"err.throttled":          {"华为云 BSS 正在限流，请约 %d 分钟后再试。", "BSS is throttling; try again in about %d min."},
	"err.deadline":           {"华为云 BSS 没有及时答复（%d 秒），请稍后再试。", "BSS did not answer in time (%d s); try again later."},
	// Alerts: subscriptions, snoozes, quiet hours, scans.
	"sum.subscribe":          {"为本频道订阅到期或欠费提醒", "Subscribe this channel to expiry or arrears alerts"},
	"sum.subscriptions":      {"本频道的订阅、静音和免打扰设置", "This channel's subscriptions, snoozes and quiet hours"},
	"sum.unsubscribe_alerts": {"取消本频道的一个订阅", "Remove one of this channel's subscriptions"},
	"sum.snooze":             {"在本频道暂停某个资源或客户的提醒", "Silence alerts about a resource or customer in this channel for a while"},
	"sum.unsnooze":           {"恢复某个资源或客户的提醒", "Resume alerts about a resource or customer"},
	"sum.quiet":              {"设置本频道的免打扰时段（提醒顺延，不会丢失）", "Set this channel's quiet hours (alerts wait, they are not dropped)"},
	"sum.scan":               {"立即执行一次到期或欠费扫描并报告结果", "Run an expiry or arrears scan now and report what it found"},
	"opt.days":               {"提醒阈值（天），如 30,15,7,3,1", "alert thresholds in days, e.g. 30,15,7,3,1"},
	"err.bad_kind":           {"订阅类型 “%s” 无效：用 expiry（到期）、arrears（欠费）、health（健康）、forecast（预测）、report（报告）或 all（全部）。", "Invalid alert kind \"%s\": use expiry, arrears, health, forecast, report or all."},
	"err.bad_days":           {"阈值 “%s” 无效：用逗号分隔的 1–365 天，例如 30,15,7,3,1。", "Invalid thresholds \"%s\": comma-separated days from 1 to 365, e.g. 30,15,7,3,1."},
	"err.bad_scope":          {"范围 “%s” 无效：用客户名称/ID、label:标签 或 *。", "Invalid scope \"%s\": use a customer, label:NAME or *."},
	"err.sub_duplicate":      {"本频道已经有相同的订阅。", "This channel already has that subscription."},
	"err.bad_sub_id":         {"订阅编号应为数字（见 /subscriptions），收到的是 “%s”。", "A subscription id is a number (see /subscriptions); got \"%s\"."},
	"err.no_sub":             {"本频道没有编号为 %d 的订阅。", "This channel has no subscription %d."},
	"err.sub_from_config":    {"订阅 %d 来自配置文件，请在配置中删除。", "Subscription %d comes from the configuration file; remove it there."},
	"err.bad_duration":       {"时长 “%s” 无效：用 30m、12h、3d、2w 这样的写法（最多 90 天）。", "Invalid duration \"%s\": use 30m, 12h, 3d or 2w (at most 90 days)."},
	"err.bad_quiet":          {"免打扰时段 “%s” 无效：用 22:00-08:00 这样的写法，或 off 取消。", "Invalid quiet hours \"%s\": use 22:00-08:00, or off."},
	"err.bad_scan":           {"扫描类型 “%s” 无效：用 expiry、arrears 或 health。", "Invalid scan \"%s\": use expiry, arrears or health."},
	"err.no_scanner":         {"本进程没有启用提醒扫描。", "Alert scans are not enabled in this process."},
	"sub.all_customers":      {"全部客户", "all customers"},
	"sub.label":              {"标签 %s", "label %s"},
	"sub.kind.expiry":        {"到期提醒", "expiry alerts"},
	"sub.kind.arrears":       {"欠费提醒", "arrears alerts"},
	"sub.kind.health":        {"健康提醒（数据删除、未实名、待支付订单、优惠券、伙伴资金）", "health alerts (data deletion, unverified customers, unpaid orders, coupons, partner funds)"},
	"sub.kind.forecast":      {"预测提醒（自动续费将失败、预算）", "forecast alerts (auto-renewal will fail, budgets)"},
	"sub.kind.report":        {"合作伙伴报告图（按 alerts.report 定时发送）", "the partner report picture (sent as alerts.report schedules it)"},
	"budget.title":           {"月度预算", "Monthly budgets"},
	"budget.none":            {"还没有设置预算。用 /budget 客户 金额 设置。", "No budgets yet. Set one with /budget CUSTOMER AMOUNT."},
	"budget.how":             {"本月已消费加预测达到预算的 75%、90%、100% 时，订阅了 forecast 的频道会收到提醒。", "Channels subscribed to forecast alerts hear when this month's spend plus the forecast reaches 75, 90 and 100% of a budget."},
	"budget.set":             {"已设置 %s 的月度预算：%s。", "Monthly budget of %s set to %s."},
	"budget.removed":         {"已取消 %s 的月度预算。", "Monthly budget of %s removed."},
	"budget.none_for":        {"%s 没有月度预算。", "%s has no monthly budget."},
	"budget.col.cust":        {"客户", "Customer"},
	"budget.col.amount":      {"预算", "Budget"},
	"budget.col.by":          {"设置", "Set"},
	"budget.intl_how":        {"国际站的预算保存在华为云：/budget 客户 查看，/budget 客户 金额 申请设置（需审批）。", "On the international site budgets are Huawei Cloud's: /budget CUSTOMER shows one, /budget CUSTOMER AMOUNT requests setting it (needs approval)."},
	"budget.intl_title":      {"%s 的预算（华为云）", "Budget of %s (Huawei Cloud)"},
	"budget.intl_none":       {"%s 在华为云没有预算。", "%s has no budget in Huawei Cloud."},
	"budget.intl_used":       {"已使用", "Used"},
	"budget.intl_unset":      {"未设置", "none"},
	"budget.intl_note":       {"已使用金额由华为云给出，有一定延迟和误差。", "Huawei Cloud's used amount lags and may be inexact."},
	"err.budget_intl_off":    {"国际站的预算在华为云，不能用 off 取消；请用 /budget 客户 金额 申请新的金额。", "On the international site budgets are Huawei Cloud's and cannot be removed with off; request a new amount with /budget CUSTOMER AMOUNT."},
	"err.budget_same":        {"%s 的预算已经是 %s。", "The budget of %s is already %s."},
	"err.budget_usage":       {"用法：/budget 客户 金额，或 /budget 客户 off 取消；/budget 列出全部。", "Usage: /budget CUSTOMER AMOUNT, or /budget CUSTOMER off to remove; /budget lists them."},
	"sub.kind.all":           {"到期、欠费和健康提醒", "expiry, arrears and health alerts"},
	"sub.days":               {"提前 %s 天", "%s day[s] ahead"},
	"sub.from_config":        {"来自配置", "from the configuration"},
	"sub.added":              {"已订阅 #%d：%s。", "Subscribed #%d: %s."},
	"sub.removed":            {"已取消订阅 #%d：%s。", "Removed subscription #%d: %s."},
	"sub.title":              {"%s 的提醒订阅", "Alert subscriptions of %s"},
	"sub.none":               {"本频道还没有订阅。用 /subscribe all 订阅全部提醒。", "This channel has no subscription yet. /subscribe all subscribes to every alert."},
	"sub.col.what":           {"订阅", "Subscription"},
	"sub.col.by":             {"订阅人", "By"},
	"sub.settings":           {"设置", "Settings"},
	"snooze.set":             {"已静音 %s 的提醒，直到 %s。", "Alerts about %s are silenced until %s."},
	"snooze.removed":         {"已恢复 %s 的提醒。", "Alerts about %s are back on."},
	"snooze.none":            {"%s 没有被静音。", "%s is not silenced."},
	"snooze.is":              {"%s 静音至 %s", "%s silenced until %s"},
	"quiet.set":              {"免打扰时段已设为 %s–%s（%s），期间的提醒会在结束后发送。", "Quiet hours set to %s–%s (%s); alerts due then are sent when they end."},
	"quiet.cleared":          {"已取消免打扰时段。", "Quiet hours removed."},
	"quiet.none":             {"本频道没有免打扰时段。", "This channel has no quiet hours."},
	"quiet.is":               {"免打扰 %s–%s", "quiet hours %s–%s"},
	"scan.title":             {"扫描结果：%s", "Scan: %s"},
	"scan.skipped":           {"同类扫描正在进行，本次跳过。", "A scan of this kind is already running; skipped."},
	"scan.customers":         {"范围内客户", "Customers in scope"},
	"scan.found.expiry":      {"窗口内到期资源", "Resources expiring in the window"},
	"scan.found.arrears":     {"欠费客户", "Customers in arrears"},
	"scan.found.health":      {"健康提醒项目", "Health items found"},
	"scan.alerted":           {"新提醒", "New alerts"},
	"scan.notices":           {"消息 → 频道", "Messages → channels"},
	"scan.took":              {"耗时", "Took"},
	"scan.mode":              {"扫描方式", "Mode"},
	"scan.mode.full":         {"全量（逐个查询范围内客户的资源，并建立到期索引）", "full (every customer in scope asked, the expiry index rebuilt)"},
	"scan.mode.delta":        {"增量（只查询有变化或需要复核的客户）", "delta (only customers that changed or need a look asked)"},
	"scan.asked":             {"重新查询的客户", "Customers asked again"},
	"scan.asked.why":         {"%d（有新订单 %d · 新客户 %d · 临近提醒阈值 %d · 轮换全量刷新 %d）", "%d (orders %d · new %d · crossing a threshold %d · rotating refresh %d)"},
	"scan.calls":             {"BSS 调用", "BSS calls"},
	"scan.calls.saved":       {"%d（全量扫描需 %d，节省 %d）", "%d (a full scan: %d; saved %d)"},
	"scan.failed":            {"%d 个客户查询失败（已重试）：%s", "%d customer[s] could not be queried (after a retry): %s"},
	// Money for resale customers: spend, ledger, coupons, on-demand resources, top-ups.
	"sum.spend":               {"客户本月（或指定月份）的消费；不带客户时为消费排行", "A customer's spend this month (or another), or the top spenders"},
	"sum.ledger":              {"合作伙伴账户的拨款与回收流水", "The partner account's top-ups and reclaims"},
	"sum.coupons":             {"客户持有的合作伙伴代金券", "A customer's partner coupons"},
	"sum.quotas":              {"发给经销商的优惠券额度（供 /reclaim 回收）", "Coupon quotas issued to resellers (for /reclaim)"},
	"sum.ondemand":            {"客户的按需资源", "A customer's pay-per-use resources"},
	"sum.topup":               {"申请向代售客户拨款（需审批）", "Request a top-up of a customer (needs approval)"},
	"sum.reclaim_balance":     {"申请回收客户余额（需审批）", "Request reclaiming a customer's balance (needs approval)"},
	"sum.coupon":              {"申请发放合作伙伴代金券（需审批）", "Request partner coupons (needs approval)"},
	"sum.coupon_reclaim":      {"申请回收代金券余额（需审批）", "Request reclaiming a coupon (needs approval)"},
	"opt.month":               {"月份，如 2026-10，默认本月（北京时间）", "month such as 2026-10; default this month (China time)"},
	"opt.reseller":            {"云经销商（二级经销商）ID：操作其名下的客户", "a tier-2 reseller's id: act on that reseller's customers"},
	"opt.ledger_type":         {"topup（拨款）、reclaim（回收）或 all（全部）；默认拨款和回收", "topup, reclaim or all; default top-ups and reclaims"},
	"opt.ledger_days":         {"最近 N 天（1–365），默认 30", "the last N days (1–365), default 30"},
	"opt.quota":               {"发券所用的额度 ID；省略时用余额足够、最早到期的本方额度", "the quota to issue from; default the partner's own usable quota with enough balance that expires first"},
	"opt.coupon_days":         {"代金券有效天数（1–365），从现在起；默认与额度相同", "days the coupon is valid (1–365) from now; default the quota's validity"},
	"action.topup":            {"拨款", "top-up"},
	"action.reclaim_balance":  {"余额回收", "balance reclaim"},
	"action.coupon":           {"发放代金券", "coupon issue"},
	"action.coupon_reclaim":   {"代金券回收", "coupon reclaim"},
	"err.money_not_resale":    {"%s 不是代售客户：只有代售客户能拨款、回收、发券或查看这些账目。", "%s is not a resale customer: only resale customers are funded, reclaimed, given coupons or shown these accounts."},
	"err.bad_amount":          {"%s 应为大于 0、最多两位小数的金额（元），例如 500 或 4026.06，收到的是 “%s”。", "The %s must be an amount of yuan greater than 0 with at most two decimals, e.g. 500 or 4026.06; got \"%s\"."},
	"err.amount_comma":        {"%s “%s” 中的逗号只能作千位分隔符（三位一组，如 1,234.56 或 12,345,678）；小数请用点号，例如 12.34 或 0.01。", "In the %s \"%s\" a comma can only separate thousands (groups of three digits, e.g. 1,234.56 or 12,345,678); write decimals with a point, e.g. 12.34 or 0.01."},
	"err.bad_month":           {"月份 “%s” 无效：用 2026-10 这样的写法，且不晚于本月（%s）。", "Invalid month \"%s\": use a form like 2026-10, not after this month (%s)."},
	"err.bad_ledger_type":     {"流水类型 “%s” 无效：用 topup（拨款）、reclaim（回收）或 all。", "Invalid record type \"%s\": use topup, reclaim or all."},
	"err.no_fund":             {"没有查到可用于拨款的合作伙伴账户（可拨款账户或余额账户）。", "No partner account to fund customers from (allocatable or balance account) was returned."},
	"err.topup_exceeds":       {"拨款金额 %s 超过合作伙伴可拨款余额 %s（账户余额减去专款专用金额），未提交申请。", "The top-up of %s exceeds the partner's available balance of %s (amount less earmarked); nothing was filed."},
	"err.reclaim_exceeds":     {"回收金额 %s 超过客户当前余额 %s，未提交申请。", "The reclaim of %s exceeds the customer's balance of %s; nothing was filed."},
	"err.balance_unknown":     {"华为云没有返回 %s 的余额，无法回收。", "Huawei Cloud returned no balance for %s; nothing can be reclaimed."},
	"err.too_many_customers":  {"一次最多向 %d 个客户发券（收到 %d 个）。", "A coupon request takes at most %d customer[s] (got %d)."},
	"err.quota_short":         {"额度 %s 的余额 %s 不足以发放 %s，未提交申请。", "Quota %s has %s left, not enough for %s; nothing was filed."},
	"err.quota_unusable":      {"额度 %s 当前不可用（已冻结、失效或不在有效期内）。", "Quota %s cannot be used now (frozen, invalid or outside its validity)."},
	"err.no_quota_for":        {"没有余额足够（%s）且在有效期内的本方优惠券额度；请用 --quota 指定。", "No usable coupon quota of the partner's own has %s left; name one with --quota."},
	"err.coupon_beyond_quota": {"%d 天的有效期超过了额度 %s 的到期时间（%s）。", "A validity of %d day[s] runs past quota %s's expiry (%s)."},
	"err.no_coupon":           {"没有找到代金券 %s。", "Coupon %s was not found."},
	"err.coupon_not_usable":   {"代金券 %s 当前为“%s”，只有可使用的代金券才能回收。", "Coupon %s is %s; only usable coupons can be reclaimed."},
	"spend.title":             {"%s 的消费（%s）", "Spend of %s (%s)"},
	"spend.top_title":         {"%s 代售客户消费排行", "Top spenders of %s (resale customers)"},
	"spend.top_total":         {"%d 个客户共消费 %s。", "%d customer[s] spent %s in all."},
	"spend.none":              {"%s 没有消费记录。", "No spend recorded in %s."},
	"spend.note":              {"数据截至昨日 24:00（北京时间），税前金额；退订退款为负数。", "Data up to 24:00 yesterday (China time), before tax; refunds are negative."},
	"spend.col.service":       {"服务", "Service"},
	"spend.col.mode":          {"计费模式", "Charging"},
	"spend.col.kind":          {"类型", "Kind"},
	"spend.col.amount":        {"金额", "Amount"},
	"lbl.mode_period":         {"包年/包月", "Yearly/monthly"},
	"lbl.mode_ondemand":       {"按需", "On-demand"},
	"lbl.mode_savings":        {"节省计划", "Savings plan"},
	"lbl.refunds":             {"退订退款", "Refunds"},
	"lbl.spend_total":         {"合计", "Total"},
	"lbl.spend_month":         {"本月消费", "Spend this month"},
	"lbl.consumption":         {"消费", "consumption"},
	"lbl.refund_unsubscribe":  {"退订退款", "unsubscription refund"},
	"lbl.refund_writeoff":     {"华为核销", "Huawei write-off"},
	"btn.spend":               {"本月消费", "Spend this month"},
	"btn.spend_of":            {"%s 的消费", "Spend of %s"},
	"btn.prev_month":          {"上个月", "Previous month"},
	"btn.topup":               {"拨款 %s %s", "Top up %s %s"},
	"btn.coupon_reclaim":      {"回收 %s", "Reclaim %s"},
	"btn.quota_reclaim":       {"回收额度 %s", "Reclaim quota %s"},
	"ledger.title":            {"合作伙伴账户收支明细（最近 %d 天）", "Partner account records (last %d day[s])"},
	"ledger.none":             {"最近 %d 天没有符合条件的收支记录。", "No matching records in the last %d day[s]."},
	"ledger.totals":           {"支出 %d 笔共 %s；收入 %d 笔共 %s。", "%d out, %s in all; %d in, %s in all."},
	"ledger.note":             {"“变更后账户余额”是合作伙伴资金账户（拨款从中扣减、回收退回其中）的余额，与 /balance 和拨款申请中的“余额”同一口径，含华为云的专款专用金额；可拨款 = 该余额 − 专款专用金额。", "\"Account balance after\" is the balance of the partner's funding account (top-ups draw on it, reclaims return to it), the same figure as in /balance and in top-up requests, designated (earmarked) money included; what may be allocated is that balance less the designated amount."},
	"ledger.col.when":         {"时间", "When"},
	"ledger.col.type":         {"类型", "Type"},
	"ledger.col.amount":       {"金额", "Amount"},
	"ledger.col.after":        {"变更后账户余额", "Account balance after"},
	"lbl.trade_topup":         {"拨款", "top-up"},
	"lbl.trade_reclaim":       {"回收", "reclaim"},
	"lbl.trade_unbind":        {"解绑回收", "reclaimed on unbinding"},
	"lbl.trade_recharge":      {"充值", "recharge"},
	"coupons.title":           {"%s 的合作伙伴代金券", "Partner coupons of %s"},
	"coupons.none":            {"该客户没有合作伙伴代金券。", "This customer holds no partner coupon."},
	"coupons.usable":          {"可使用 %d 张，余额合计 %s。", "%d usable, %s left in all."},
	"coupons.col.id":          {"代金券", "Coupon"},
	"coupons.col.type":        {"类型", "Type"},
	"coupons.col.face":        {"面值", "Face value"},
	"coupons.col.balance":     {"余额", "Balance"},
	"coupons.col.expires":     {"有效期至", "Expires"},
	"coupons.col.status":      {"状态", "Status"},

	// /quotas
	"quotas.title":                  {"发给二级经销商的优惠券额度", "Coupon quotas issued to tier-2 resellers"},
	"quotas.none":                   {"没有发给二级经销商的优惠券额度。", "No coupon quota was issued to a tier-2 reseller."},
	"quotas.reclaimable":            {"可回收 %d 个，余额合计 %s。", "%d can be reclaimed, %s left on them in all."},
	"quotas.col.id":                 {"额度", "Quota"},
	"quotas.col.reseller":           {"二级经销商", "Reseller"},
	"quotas.col.balance":            {"余额", "Balance"},
	"quotas.col.expires":            {"有效期至", "Expires"},
	"quotas.col.status":             {"状态", "Status"},
	"quota.status.0":                {"正常", "normal"},
	"quota.status.3":                {"失效", "invalid"},
	"quota.status.4":                {"调整中", "being adjusted"},
	"quota.status.5":                {"冻结", "frozen"},
	"quota.status.6":                {"已回收", "reclaimed"},
	"lbl.coupon_inactive":           {"未生效", "not yet valid"},
	"lbl.coupon_usable":             {"可使用", "usable"},
	"lbl.coupon_used":               {"已用完", "used"},
	"lbl.coupon_expired":            {"已过期", "expired"},
	"lbl.coupon_reclaimed":          {"已回收", "reclaimed"},
	"lbl.coupon_cash":               {"代金券", "cash coupon"},
	"lbl.coupon_flexi":              {"现金券", "flexi-purchase coupon"},
	"ondemand.title":                {"%s 的按需资源", "Pay-per-use resources of %s"},
	"ondemand.none":                 {"该客户没有按需资源。", "This customer has no pay-per-use resources."},
	"ondemand.note":                 {"数据按服务有不同延迟，仅供参考。", "The data lags by a per-service delay and is for reference."},
	"ondemand.spec":                 {"规格", "Spec"},
	"ondemand.since":                {"开通时间", "Since"},
	"ondemand.until":                {"失效时间", "Until"},
	"lbl.od_normal":                 {"正常", "normal"},
	"lbl.od_grace":                  {"宽限期", "grace period"},
	"lbl.od_frozen":                 {"冻结中", "frozen"},
	"lbl.od_changing":               {"变更中", "changing"},
	"lbl.od_closing":                {"正在关闭", "closing"},
	"lbl.od_closed":                 {"已关闭", "closed"},
	"act.money_topup":               {"拨款金额", "Top-up"},
	"act.money_reclaim":             {"回收金额", "Reclaim"},
	"act.money_reseller":            {"云经销商", "Reseller"},
	"act.money_customer_now":        {"客户 %s 的余额（当前）", "Balance of customer %s (now)"},
	"act.money_customer_after":      {"客户 %s 的余额（执行后）", "Balance of customer %s (after)"},
	"act.money_owes":                {"欠费 %s", "owes %s"},
	"act.money_available":           {"可拨款余额（%s）", "Available to allocate (%s)"},
	"act.money_available_after":     {"执行后可拨款（合作伙伴）", "Partner's allocatable funds after"},
	"act.money_fund_balance":        {"合作伙伴%s %s 的余额", "Partner's %s account %s, balance"},
	"act.money_fund_available":      {"合作伙伴资金（执行前）", "Partner's funds (before)"},
	"act.money_held_short":          {"本次拨款 %s 超过其他待审批的拨款申请执行后剩余的可拨款（%s）。", "This top-up of %s is more than what is left (%s) once the other open top-up requests are carried out."},
	"act.money_reclaim_note":        {"回收的金额退回合作伙伴账户。", "The amount reclaimed goes back to the partner's account."},
	"act.money_face":                {"面值", "Face value"},
	"act.money_coupon_type":         {"券类型", "Coupon type"},
	"act.money_validity":            {"有效期", "Valid"},
	"act.money_customers":           {"发放给 %d 个客户（每人一张）", "To %d customer[s] (one each)"},
	"act.money_coupon":              {"代金券", "Coupon"},
	"act.money_coupon_balance":      {"将回收的余额", "Balance to reclaim"},
	"act.money_coupon_reclaim_note": {"回收后该代金券的剩余余额作废，客户无法再使用。", "Once reclaimed, what is left of the coupon is gone; the customer can no longer use it."},
	"act.money_trans":               {"交易号 %s", "transaction %s"},
	"act.money_now_balance":         {"客户余额现为 %s", "the customer's balance is now %s"},
	"act.money_now_owes":            {"客户仍欠费 %s", "the customer still owes %s"},
	"act.money_issued":              {"%s：已发放代金券 %s", "%s: coupon %s issued"},
	"act.money_issue_failed":        {"%s：未发放（%s）", "%s: not issued (%s)"},
	"act.money_missing":             {"没有找到发给 %s 的代金券", "no coupon was found for %s"},
	"act.money_reclaimed":           {"代金券 %s 已回收", "coupon %s reclaimed"},
	"act.money_coupon_now":          {"代金券当前为“%s”，没有回收", "the coupon is now %s; nothing was reclaimed"},
	"act.money_anomaly":             {"华为云的应答还提到了本申请以外的内容（不计入本申请的结果，已记入审计日志）：%s", "Huawei Cloud's answer also named what this request did not ask for (not counted in its result; recorded in the audit log): %s"},
	"act.quota_anomaly":             {"应答的 %s 列出了未申请的额度 “%s”", "%s names quota \"%s\", which was not asked for"},
	"act.quota_anomaly_code":        {"应答的 %s 列出了未申请的额度 “%s”（%s）", "%s names quota \"%s\" (%s), which was not asked for"},
	"act.coupon_anomaly":            {"应答的 %s 列出了未申请的客户 “%s”（%s）", "%s names customer \"%s\" (%s), who was not asked for"},
	"act.coupon_anomaly_blank":      {"应答的 %s 有一条没有客户 ID 的记录（%s）", "%s holds an entry without a customer id (%s)"},
	"act.anomaly_more":              {"另有 %s 条这样的记录", "and %s more such entr[y|ies]"},
	"act.money_ambiguous":           {"申请执行后华为云有多条相同的记录（%s），无法确定哪条属于本申请；请核对后再决定是否重新提交", "Huawei Cloud shows several identical records since the request ran (%s) and cannot tell which is this request's; check before filing again"},

	// Flood control: what the adapters answer before (or instead of) running a command (bot.Gate).
	"err.busy":       {"机器人正忙，请稍后再试。", "The bot is busy right now; please try again in a moment."},
	"err.restarting": {"机器人正在重启，请稍后再试。", "The bot is restarting; please try again in a moment."},

	// What the chat adapters say themselves (not a command's reply), in their recipient's
	// language (bot.Gate.Lang): a hint for what is no command, a failure, a dead button.
	"adapter.failed":      {"处理这条命令时出错了，已记录日志。请稍后再试。", "Something went wrong with that command; it has been logged. Please try again later."},
	"adapter.hint":        {"请输入以 / 开头的命令，例如 /帮助。", "Type a command starting with /, e.g. /help."},
	"adapter.hint_slash":  {"请输入命令，例如 %s 帮助。", "Type a command, e.g. %s help."},
	"adapter.text_only":   {"我只能读文字命令，例如 /帮助。", "I only read text commands, e.g. /help."},
	"adapter.working":     {"⏳ 处理中…", "⏳ Working…"},
	"adapter.button_gone": {"这个按钮已失效，请直接输入命令。", "This button is no longer valid; type the command instead."},
	"adapter.button_old":  {"这个按钮已过期，请直接输入：%s", "This button has expired; type: %s"},
	"adapter.no_buttons":  {"此处不支持按钮，请直接输入命令。", "Buttons do not work here; type the command instead."},
	"adapter.image_file":  {"图片：%s，%d KB（此处无法显示，请用 /report --out FILE 保存）", "image: %s, %d KB (cannot be shown here; use /report --out FILE)"},
	"adapter.image_large": {"图片 %s 有 %d KB，超过群机器人可发送的 2 MB，未能发出；请用 /report --out FILE 保存。", "The image %s is %d KB, over the 2 MB a group robot can send, so it was not sent; use /report --out FILE."},
	"adapter.send_again":  {"机器人正在重启，没来得及处理你的命令，请稍后再发一次。", "The bot restarted before it could run your command; please send it again."},

	// What the console says itself, in its user's language (bot/console).
	"console.banner":         {"partnerbot 控制台，身份 console:%s — 输入 /帮助 查看命令；/quit 或 Ctrl-D 退出", "partnerbot console as console:%s — type /help; /quit or Ctrl-D to leave"},
	"console.banner_service": {"partnerbot 控制台，身份 console:%s — 输入 /帮助 查看命令；/quit 停止机器人，Ctrl-D 只关闭控制台", "partnerbot console as console:%s — type /help; /quit stops the bot, Ctrl-D leaves the console alone"},
	"console.not_command":    {"（请输入以 / 开头的命令，例如 /帮助）", "(type a command starting with /, e.g. /help)"},
	"console.too_long":       {"（输入过长，最多 %d 字节）", "(line too long: at most %d bytes)"},
	"console.eof":            {"（输入结束：控制台已关闭，机器人继续为其他平台服务，直到被停止）", "(end of input: the console is closed; the bot goes on serving the other platforms until it is stopped)"},
	"err.rate_limited":       {"您发送命令的速度太快了（每分钟最多 %d 条）。请 %d 秒后再试。", "You are sending commands faster than the bot takes them (at most %d a minute). Please try again in %d s."},
}

// Busy is the answer to a command the bot has no room for now: every place in the queue its
// sender may hold is taken.
func (l Lang) Busy() string { return l.T("err.busy") }

// Restarting is the answer to a command the bot stopped before running: send it again.
func (l Lang) Restarting() string { return l.T("err.restarting") }

// What an adapter says itself: Failed for a command that failed (panicked) in the adapter;
// Hint and TextOnly for a message that is no command, and what isn't text; SlashHint for a
// slash command (Slack's /partnerbot) given no command; Working while a clicked button's command runs;
// ButtonGone, ButtonExpired (with the command to type instead) and NoButtons for a click that
// runs nothing; SendAgain for a command the bot restarted before running.
func (l Lang) Failed() string                      { return l.T("adapter.failed") }
func (l Lang) Hint() string                        { return l.T("adapter.hint") }
func (l Lang) SlashHint(slash string) string       { return l.T("adapter.hint_slash", slash) }
func (l Lang) TextOnly() string                    { return l.T("adapter.text_only") }
func (l Lang) Working() string                     { return l.T("adapter.working") }
func (l Lang) ButtonGone() string                  { return l.T("adapter.button_gone") }
func (l Lang) ButtonExpired(command string) string { return l.T("adapter.button_old", command) }
func (l Lang) NoButtons() string                   { return l.T("adapter.no_buttons") }
func (l Lang) SendAgain() string                   { return l.T("adapter.send_again") }

// ImageFile is what a platform that cannot show images says in an image's place.
func (l Lang) ImageFile(name string, kb int) string { return l.T("adapter.image_file", name, kb) }

// ImageTooLarge is what a WeCom group robot says in place of an image over its 2 MB.
func (l Lang) ImageTooLarge(name string, kb int) string { return l.T("adapter.image_large", name, kb) }

// Of is the language named by s (a reply's chat.Reply.Lang), the default (zh) when s names none.
func Of(s string) Lang {
	if l, ok := ParseLang(s); ok {
		return l
	}
	return Zh
}

// ConsoleBanner greets the console's user; beside a service (service), Ctrl-D leaves the
// console alone while /quit stops the bot.
func (l Lang) ConsoleBanner(user string, service bool) string {
	if service {
		return l.T("console.banner_service", user)
	}
	return l.T("console.banner", user)
}

// ConsoleNotCommand, ConsoleTooLong and ConsoleEOF are the console's hints: a line that is no
// command, a line over maxBytes, and the end of its input beside a service.
func (l Lang) ConsoleNotCommand() string          { return l.T("console.not_command") }
func (l Lang) ConsoleTooLong(maxBytes int) string { return l.T("console.too_long", maxBytes) }
func (l Lang) ConsoleEOF() string                 { return l.T("console.eof") }

// RateLimited is the answer to a command over its sender's rate (perMinute a minute); the next
// is taken in seconds.
func (l Lang) RateLimited(perMinute, seconds int) string {
	return l.T("err.rate_limited", perMinute, seconds)
}

// NoRole is the refusal of a user with no role; user is their "platform:user-id" key.
func (l Lang) NoRole(user string) string { return l.T("err.no_role", user) }
