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

	// The notice telling admins of a parked one (bot.Dispatcher).
	"notices.parked_title": {"⚠ 通知无法投递（#%d）", "⚠ Notice not delivered (#%d)"},
	"notices.parked":       {"发往 %s 的通知 #%d 无法投递，已搁置：%v\n请检查该频道（机器人是否仍在其中、是否被屏蔽），然后用 /resend %d 重新发送。", "The notice to %s, #%d, cannot be delivered and is set aside: %v\nCheck the channel (is the bot still in it, or blocked?), then /resend %d."},
}
