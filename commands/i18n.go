package commands

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
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	s := m.zh
	if l == En {
		s = m.en
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

type msg struct{ zh, en string }

// catalogue holds every user-facing string of the commands package.
var catalogue = map[string]msg{
	// Router and errors.
	"err.unknown_command":          {"没有 /%s 这个命令。", "There is no command /%s."},
	"err.did_you_mean":             {"您是不是想输入：%s", "Did you mean: %s"},
	"err.see_help":                 {"输入 /help 查看全部命令。", "Type /help to see every command."},
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
	"err.flag_value":               {"选项 --%s 需要一个值。", "Option --%s needs a value."},
	"err.flag_int":                 {"选项 --%s 应为 %d 到 %d 之间的整数，收到的是 “%s”。", "Option --%s must be a whole number from %d to %d; got \"%s\"."},
	"err.arg_int":                  {"%s 应为 %d 到 %d 之间的整数，收到的是 “%s”。", "%s must be a whole number from %d to %d; got \"%s\"."},
	"err.internal":                 {"抱歉，处理这条命令时出了问题，已记录日志。请稍后再试。", "Sorry, something went wrong handling this command; it has been logged. Please try again later."},
	"err.bss":                      {"查询华为云失败：%s", "The Huawei Cloud query failed: %s"},
	"err.no_customer":              {"没有找到与 “%s” 匹配的客户（按客户名称、账号名和客户 ID 查找）。", "No customer matches \"%s\" (searched by name, account name and customer id)."},
	"err.ambiguous":                {"“%s” 匹配到 %d 个客户，请用客户 ID 或更完整的名称：", "\"%s\" matches %d customers; use the customer id or a fuller name:"},
	"err.no_order":                 {"没有找到订单 %s。", "Order %s was not found."},
	"err.bad_lang":                 {"不支持的语言 “%s”。可选：zh（中文）、en（English）。", "Unsupported language \"%s\". Choose zh (中文) or en (English)."},
	"err.not_resale":               {"%s 是顾问销售（referral）客户，合作伙伴看不到其余额。", "%s is a referral customer; its balance is not visible to the partner."},
	"err.bad_service":              {"不认识的服务 “%s”。可选：%s。", "Unknown service \"%s\". Choose one of: %s."},
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
	"sum.balance":   {"客户的余额与欠费；不带客户时显示合作伙伴自己的账户余额", "A customer's balance and arrears; without a customer, the partner's own accounts"},
	"sum.resources": {"客户的包年/包月资源（主资源及其附属资源）", "A customer's yearly/monthly resources (main resources with their attached ones)"},
	"sum.expiring":  {"所有客户中即将到期的包年/包月资源，最早到期的在前", "Yearly/monthly resources of all customers expiring soon, soonest first"},
	"sum.arrears":   {"欠费客户，欠费最多的在前", "Customers in arrears, largest debt first"},
	"sum.orders":    {"客户的订单，最新的在前", "A customer's orders, newest first"},
	"sum.order":     {"一个订单的详情和明细", "One order with its line items"},
	"sum.price":     {"包年/包月产品询价：官网价与折扣价", "Price a yearly/monthly product: list price and discounted price"},
	"sum.lang":      {"设置我的语言（zh 或 en）", "Set my language (zh or en)"},
	"sum.audit":     {"最近的命令审计记录", "Recent command audit records"},

	// Option descriptions.
	"opt.expiring": {"只看 N 天内到期的资源", "only resources expiring within N days"},
	"opt.page":     {"第 N 页", "page N"},
	"opt.status":   {"订单状态：pending（待支付）、completed（已完成）、cancelled（已取消）、processing（处理中）或数字", "order status: pending (payment), completed, cancelled, processing, or the number"},
	"opt.region":   {"区域，默认 cn-north-4", "region, default cn-north-4"},
	"opt.period":   {"周期，如 1m、3m、1y，默认 1m", "period such as 1m, 3m, 1y; default 1m"},
	"opt.qty":      {"数量，默认 1", "quantity, default 1"},
	"opt.size":     {"容量（云硬盘 GB、带宽 Mbit/s）", "size (disk GB, bandwidth Mbit/s)"},

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
	"lbl.next_page":    {"下一页", "Next page"},
	"lbl.prev_page":    {"上一页", "Previous page"},
	"lbl.page":         {"第 %d/%d 页，共 %d 项", "page %d of %d, %d items"},
	"lbl.more_matches": {"还有更多匹配，只显示前 %d 个；请缩小范围。", "There are more matches; showing the first %d. Narrow the search."},
	"lbl.in_days":      {"%d 天后", "in %d days"},
	"lbl.in_hours":     {"%d 小时后", "in %d hours"},
	"lbl.days_ago":     {"%d 天前", "%d days ago"},
	"lbl.hours_ago":    {"%d 小时前", "%d hours ago"},
	"lbl.today":        {"今天", "today"},

	// /customer
	"customer.title":   {"客户：%s", "Customer: %s"},
	"customer.matches": {"“%s” 匹配到 %d 个客户", "\"%s\" matches %d customers"},
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

	// /resources
	"resources.title":     {"%s 的包年/包月资源", "Yearly/monthly resources of %s"},
	"resources.title_exp": {"%s 在 %d 天内到期的资源", "Resources of %s expiring within %d days"},
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
	"expiring.title":    {"%d 天内到期的包年/包月资源", "Yearly/monthly resources expiring within %d days"},
	"expiring.none":     {"%d 天内没有到期的资源。", "Nothing expires within %d days."},
	"expiring.col.when": {"到期时间", "Expires"},
	"expiring.col.cust": {"客户", "Customer"},
	"expiring.col.res":  {"资源", "Resource"},
	"expiring.col.auto": {"自动续费", "Auto-renew"},
	"expiring.failed":   {"有 %d 个客户查询失败，结果可能不完整：%s", "%d customers could not be queried; the list may be incomplete: %s"},
	"yes":               {"是", "yes"},
	"no":                {"否", "no"},

	// /arrears
	"arrears.title":     {"欠费客户", "Customers in arrears"},
	"arrears.none":      {"目前没有欠费的代售客户。", "No resale customer is in arrears."},
	"arrears.total":     {"共 %d 个客户欠费，合计 %s。", "%d customers in arrears, %s in all."},
	"arrears.col.debt":  {"欠费", "Arrears"},
	"arrears.col.cust":  {"客户", "Customer"},
	"arrears.col.acct":  {"账号", "Account"},
	"arrears.col.label": {"标签", "Label"},

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
	"period.0":          {"%d 天", "%d day(s)"},
	"period.1":          {"%d 周", "%d week(s)"},
	"period.2":          {"%d 个月", "%d month(s)"},
	"period.3":          {"%d 年", "%d year(s)"},
	"period.4":          {"%d 小时", "%d hour(s)"},
	"period.5":          {"一次性", "one-off"},

	// /price
	"price.title":    {"询价：%s %s", "Price: %s %s"},
	"price.official": {"官网价", "List price"},
	"price.discount": {"折扣价（%s）", "Discounted (%s)"},
	"price.best":     {"最优价", "Best price"},
	"price.period":   {"周期", "Period"},
	"price.qty":      {"数量", "Quantity"},
	"price.region":   {"区域", "Region"},
	"price.customer": {"客户", "Customer"},

	// /lang
	"lang.set": {"好的，以后用中文回复您。", "OK, I will answer you in English from now on."},

	// /audit
	"audit.title":    {"最近 %d 条审计记录", "The last %d audit records"},
	"audit.none":     {"还没有审计记录。", "No audit records yet."},
	"audit.col.when": {"时间", "When"},
	"audit.col.who":  {"用户", "Who"},
	"audit.col.cmd":  {"命令", "Command"},
	"audit.col.res":  {"结果", "Result"},
	// Actions and approvals.
	"sum.renew":               {"申请续订包年/包月资源（需审批）", "Request a renewal of a yearly/monthly resource (needs approval)"},
	"sum.unsubscribe":         {"申请退订资源及其附属资源（需审批）", "Request an unsubscribe of a resource and its attached ones (needs approval)"},
	"sum.autorenew":           {"申请开启或关闭自动续费（需审批）", "Request switching auto-renew on or off (needs approval)"},
	"sum.reclaim":             {"申请从经销商回收优惠券额度（需审批）", "Request reclaiming coupon quotas from resellers (needs approval)"},
	"sum.approve":             {"批准一个申请；达到所需批准数后立即执行", "Approve a request; it runs as soon as it has enough approvals"},
	"sum.reject":              {"拒绝一个申请", "Reject a request"},
	"sum.cancel":              {"撤回自己的申请", "Withdraw your own request"},
	"sum.pending":             {"等待我处理的申请（管理员看到全部）", "Requests waiting for me (admins see all)"},
	"sum.request":             {"一个申请的完整经过", "The whole story of one request"},
	"opt.customer":            {"资源所属客户（可省略，机器人会查找）", "the customer owning the resource (optional; the bot finds it)"},
	"opt.autopay":             {"从客户余额立即支付", "pay from the customer's balance at once"},
	"opt.remark":              {"备注，最多 256 个字符", "remark, at most 256 characters"},
	"err.no_resource":         {"没有找到资源 %s（在所有客户的包年/包月资源中查找）。", "Resource %s was not found (searched every customer's yearly/monthly resources)."},
	"err.bad_id":              {"%s 应为不超过 %d 个字符的 ID，收到的是 “%s”。", "%s must be an id of at most %d characters; got \"%s\"."},
	"err.not_main":            {"%s 是附属资源，请对其主资源 %s 操作（附属资源随主资源一起续订/退订）。", "%s is an attached resource; act on its main resource %s (attached resources follow their main resource)."},
	"err.closed":              {"资源 %s 已关闭，不能续订。", "Resource %s is closed and cannot be renewed."},
	"err.cannot_renew":        {"华为云不允许续订 %s：%s", "Huawei Cloud will not renew %s: %s"},
	"err.too_long":            {"%s 太长：最多 %d 个字符（当前 %d）。", "%s is too long: at most %d characters (got %d)."},
	"err.on_off":              {"第一个参数应为 on 或 off，收到的是 “%s”。", "The first argument must be on or off; got \"%s\"."},
	"err.autorenew_already":   {"资源 %s 的自动续费已经是%s状态。", "Auto-renew of %s is already %s."},
	"err.autorenew_status":    {"资源 %s 当前为%s状态，不能开启自动续费。", "Resource %s is %s; auto-renew cannot be switched on."},
	"err.too_many_quotas":     {"一次最多回收 %d 个额度（收到 %d 个）。", "At most %d quotas can be reclaimed at once (got %d)."},
	"err.duplicate":           {"ID %s 重复了。", "Id %s is given twice."},
	"err.no_quota":            {"没有找到优惠券额度 %s。", "Coupon quota %s was not found."},
	"err.bad_request_id":      {"申请编号应为数字，例如 12 或 #12，收到的是 “%s”。", "A request id is a number such as 12 or #12; got \"%s\"."},
	"err.no_request":          {"没有编号为 #%d 的申请。", "There is no request #%d."},
	"err.self_approval":       {"不能审批自己提交的申请 #%d，需要另一位审批人。", "You cannot decide on your own request #%d; another approver must."},
	"err.already_approved":    {"您已经批准过申请 #%d，还需要其他审批人。", "You have already approved request #%d; it needs another approver."},
	"err.expired":             {"申请 #%d 已过期，不能执行。如仍需要，请重新提交。", "Request #%d has expired and cannot run. File it again if it is still needed."},
	"err.not_requester":       {"只有申请人可以撤回申请 #%d。", "Only the requester can withdraw request #%d."},
	"err.wrong_state":         {"申请 #%d 当前状态为“%s”，不能这样操作。", "Request #%d is %s; that cannot be done now."},
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
	"action.reclaim":          {"额度回收", "quota reclaim"},
	"act.filed":               {"已提交申请 #%d，需要 %d 位审批人批准，%s 前有效。", "Request #%d filed; it needs %d approval(s) and is valid until %s."},
	"act.approved_partly":     {"申请 #%d 已获 %d/%d 个批准。", "Request #%d has %d of %d approvals."},
	"act.new_request":         {"%s 提交了申请 #%d，请审批：", "%s filed request #%d for approval:"},
	"act.title":               {"申请 #%d：%s", "Request #%d: %s"},
	"act.resource":            {"资源", "Resource"},
	"act.expiry_now":          {"当前到期", "Expires now"},
	"act.expiry_new":          {"续订后到期", "Expires after renewal"},
	"act.autorenew_now":       {"当前自动续费", "Auto-renew now"},
	"act.autorenew_new":       {"改为", "Change to"},
	"act.payment":             {"支付", "Payment"},
	"act.pay_now":             {"从客户余额立即支付", "paid at once from the customer's balance"},
	"act.pay_later":           {"生成待支付订单", "an order waiting for payment"},
	"act.unsubscribe_warning": {"退订会删除该资源及下列附属资源，数据不可恢复。", "Unsubscribing deletes this resource and the attached resources below; their data cannot be recovered."},
	"act.reason":              {"原因", "Reason"},
	"act.quota":               {"额度", "Quota"},
	"act.quota_balance":       {"当前余额", "Balance now"},
	"act.remark":              {"备注", "Remark"},
	"act.attached":            {"一并处理的 %d 个附属资源", "%d attached resources affected too"},
	"act.story":               {"经过", "History"},
	"act.requested_by":        {"%s 于 %s 提交，%s 前有效", "filed by %s at %s, valid until %s"},
	"act.approved_by":         {"%s 于 %s 批准", "approved by %s at %s"},
	"act.rejected_by":         {"%s 于 %s 拒绝", "rejected by %s at %s"},
	"act.state":               {"状态：%s（批准 %d/%d）", "state: %s (%d of %d approvals)"},
	"act.done":                {"已执行", "done"},
	"act.failed":              {"执行失败", "failed"},
	"act.orders":              {"订单 %s", "order %s"},
	"act.new_expiry_is":       {"新的到期时间 %s", "new expiry %s"},
	"act.awaiting_payment":    {"订单待支付，支付后到期时间才会延长", "the order awaits payment; the expiry moves once it is paid"},
	"act.reconciled":          {"（重启后根据华为云状态确认）", "(settled after a restart from Huawei Cloud's state)"},
	"act.needs_attention":     {"需要人工确认", "needs a person to check"},
	"act.unknown_outcome":     {"请求已发出但没有答复，且暂时无法从华为云确认结果。", "The request was sent but not answered, and Huawei Cloud's state could not be read yet."},
	"act.no_trace":            {"华为云中没有找到这次操作的痕迹，可能没有发出；请核实后如需要重新提交。", "Huawei Cloud shows no trace of the action; it was probably not sent. Check, and file it again if needed."},
	"act.reconciled_gone":     {"资源已不在，退订已生效", "the resource is gone: the unsubscribe took effect"},
	"act.reconciled_policy":   {"自动续费状态已是目标值", "auto-renew is in the requested state"},
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
}
