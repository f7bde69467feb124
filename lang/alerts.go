package lang

// alertCatalogue holds the texts of the notices the bot sends on its own rather than as a reply:
// the alerts package's expiry and arrears digests, and the dispatcher's notice to admins of one
// it could not deliver (bot.Dispatcher). T finds them as it finds the commands' (messages).
var alertCatalogue = map[string]msg{
	// Expiry and arrears digests (alerts).
	"alert.expiry.title":           {"⏰ 到期提醒：%d 个包年/包月资源", "⏰ Expiry alert: %d yearly/monthly resource[s]"},
	"alert.expiry.intro":           {"%d 个需要续费；%d 个已开启自动续费（余额充足时会自动续费）。", "%d need[s|] renewing; %d [has|have] auto-renew on (renewed if the balance suffices)."},
	"alert.expiry.auto":            {"已开启自动续费", "auto-renew on"},
	"alert.expiry.attached":        {"含 %d 个附属资源", "with %d attached"},
	"alert.expiry.how":             {"续费 /renew %s · 开自动续费 /autorenew on %s", "renew /renew %s · auto-renew /autorenew on %s"},
	"alert.expiry.short_balance":   {"余额 %s，可能不足以自动续费", "balance %s may not cover the auto-renewal"},
	"alert.expiry.short_debt":      {"客户欠费 %s，自动续费可能无法扣款", "the customer owes %s; the auto-renewal may not be paid"},
	"alert.expiry.how_renew":       {"续费 /renew %s", "renew /renew %s"},
	"alert.expiry.sum_within":      {"%d 天内到期", "expiring within the %d-day threshold"},
	"alert.expiry.sum_expired":     {"已过期", "expired"},
	"alert.expiry.sum_customers":   {"按客户（%d 个）", "By customer (%d)"},
	"alert.expiry.sum_others":      {"其他 %d 个客户", "other customers: %d"},
	"alert.expiry.sum_soonest":     {"最早到期的 %d 个", "The %d soonest"},
	"alert.expiry.sum_all":         {"逐页查看全部 %d 个", "Page through all %d"},
	"alert.expiry.as_of":           {"截至 %s 扫描，均经 BSS 确认", "as of the %s scan, each confirmed by BSS"},
	"alert.btn.renew":              {"续订 %s", "Renew %s"},
	"alert.btn.ondemand":           {"到期转按需 %s", "Pay-per-use at expiry: %s"},
	"alert.arrears.title":          {"💰 欠费提醒：%d 个客户", "💰 Arrears alert: %d customer[s]"},
	"alert.arrears.entered":        {"新欠费", "Fell into arrears"},
	"alert.arrears.grew":           {"欠费增加", "Debt grew"},
	"alert.arrears.recovered":      {"已结清", "Recovered"},
	"alert.arrears.line_entered":   {"%s · %s 欠费 %s", "%s · %s owes %s"},
	"alert.arrears.line_grew":      {"%s · %s 欠费从 %s 增至 %s", "%s · %s debt grew from %s to %s"},
	"alert.arrears.line_recovered": {"%s · %s 已结清欠费，余额 %s", "%s · %s is out of arrears; balance %s"},
	"alert.btn.arrears":            {"查看全部欠费", "All arrears"},
	"alert.arrears.how_topup":      {"拨款 %s", "top up %s"},
	// Forecast alerts (alerts, kind forecast).
	"alert.forecast.title":       {"🔮 预测提醒：%d 项", "🔮 Forecast alert: %d item[s]"},
	"alert.forecast.renew_fail":  {"自动续费将失败（报价超过余额）", "Auto-renewal will fail (quote above the balance)"},
	"alert.forecast.renew_line":  {"%s · %s 将于 %s 自动续费，报价 %s，余额 %s，缺口 %s", "%s · %s auto-renews on %s for %s; balance %s, short by %s"},
	"alert.forecast.budget":      {"月度预算", "Monthly budgets"},
	"alert.forecast.budget_line": {"%s 达到预算的 %d%%：本月已消费 %s + 预计 %s，预算 %s（%d%%）", "%s reached %d%% of the budget: %s spent this month + %s ahead, budget %s (%d%%)"},
	"alert.btn.forecast":         {"查看预测", "Forecast"},

	// Health digests (alerts, health.go): what Huawei tells only the customer or the partner's console.
	"alert.health.title":           {"🩺 健康提醒：%d 项", "🩺 Health alert: %d item[s]"},
	"alert.health.partner":         {"🏦 伙伴账户资金不足", "🏦 Partner funds low"},
	"alert.health.partner_line":    {"余额 %s + 剩余信用额度 %s = %s，低于 %s", "balance %s + remaining credit %s = %s, below %s"},
	"alert.health.partner_frozen":  {"伙伴账户一旦被冻结，所有代售客户都会被冻结：请及时充值。", "A frozen partner account freezes every resale customer: top up in time."},
	"alert.health.rel":             {"🗑 数据即将删除（宽限期/保留期）", "🗑 Data about to be deleted (grace/retention period)"},
	"alert.health.release_line":    {"%s · %s (%s) %s 到期，数据将于 %s 删除", "%s · %s (%s): expiry %s, data deleted %s"},
	"alert.health.how_ondemand":    {"或到期转按需 /to-ondemand %s", "or switch to pay-per-use /to-ondemand %s"},
	"alert.health.unv":             {"🪪 未实名认证的客户", "🪪 Customers not real-name verified"},
	"alert.health.unverified_line": {"%s · %s：%s，%d 个资源即将到期（最早 %s）", "%s · %s: %s, %d resource[s] expiring (first %s)"},
	"alert.health.unverified_note": {"华为云只为已实名认证的客户续费：请先让客户完成实名认证。", "Huawei renews only for real-name verified customers: have them verify first."},
	"alert.health.ord":             {"🧾 待支付订单", "🧾 Orders waiting for payment"},
	"alert.health.order_line":      {"%s · 订单 %s（%s）%s，创建于 %s", "%s · order %s (%s) %s, created %s"},
	"alert.health.order_pay_by":    {"支付截止 %s", "pay by %s"},
	"alert.health.cpn":             {"🎟 客户优惠券即将过期", "🎟 Customer coupons lapsing"},
	"alert.health.coupon_line":     {"%s · 优惠券 %s 余额 %s（面额 %s），%s 过期", "%s · coupon %s: %s left of %s, expires %s"},
	"alert.health.quota":           {"🎟 伙伴优惠券额度即将过期", "🎟 Partner coupon quotas lapsing"},
	"alert.health.quota_line":      {"额度 %s 余额 %s（总额 %s），%s 过期", "quota %s: %s left of %s, expires %s"},

	// The notice telling admins of a parked one (bot.Dispatcher).
	"notices.parked_title": {"⚠ 通知无法投递（#%d）", "⚠ Notice not delivered (#%d)"},
	"notices.parked":       {"发往 %s 的通知 #%d 无法投递，已搁置：%v\n请检查该频道（机器人是否仍在其中、是否被屏蔽），然后用 /resend %d 重新发送。", "The notice to %s, #%d, cannot be delivered and is set aside: %v\nCheck the channel (is the bot still in it, or blocked?), then /resend %d."},
}
