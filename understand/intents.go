package understand

import (
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/internal/fuzzy"
)

// rule is one intent: the words that say it (Chinese as substrings, English as words, a
// single English word also with one typo when it has five letters or more), and what it builds.
// qualifiers are further words it reads (on, off) that name no customer.
type rule struct {
	name       string
	zh         []string
	en         []string
	qualifiers []string
	// build makes the command; ok false: the sentence lacks what the command needs, and
	// suggestions say what to type instead.
	build func(s *sentence) (res Result, ok bool, suggestions []string)
}

// has reports whether the sentence says r; with typos, also an English keyword mistyped once.
func (s *sentence) has(r *rule, typos bool) bool {
	for _, k := range r.zh {
		if strings.Contains(s.rest, k) {
			return true
		}
	}
	if len(s.words) == 0 {
		return false
	}
	joined := " " + strings.Join(s.words, " ") + " "
	for _, k := range r.en {
		if strings.Contains(k, " ") {
			if strings.Contains(joined, " "+k+" ") {
				return true
			}
			continue
		}
		for _, w := range s.words {
			if w == k || typos && typo(w, k) {
				return true
			}
		}
	}
	return false
}

// typo reports whether w is the English keyword k mistyped once (a letter missing, extra,
// wrong, or two swapped), for keywords of five letters or more.
func typo(w, k string) bool {
	if len(k) < 5 || len(w) < 4 {
		return false
	}
	if fuzzy.Distance(w, k) <= 1 {
		return true
	}
	if len(w) != len(k) {
		return false
	}
	for i := 0; i+1 < len(w); i++ {
		if w[i] != k[i] {
			return w[i] == k[i+1] && w[i+1] == k[i] && w[i+2:] == k[i+2:]
		}
	}
	return false
}

// hasAny reports whether the sentence holds one of the Chinese or English words.
func (s *sentence) hasAny(words ...string) bool {
	for _, k := range words {
		if strings.Contains(s.rest, k) {
			return true
		}
		for _, w := range s.words {
			if w == k {
				return true
			}
		}
		if strings.Contains(k, " ") && strings.Contains(" "+strings.Join(s.words, " ")+" ", " "+k+" ") {
			return true
		}
	}
	return false
}

// enKeyword reports whether w is one of the rules' English words (or a typo of one, as has
// reads them).
func enKeyword(w string) bool {
	for _, r := range intents {
		for _, k := range r.en {
			if k == w || strings.Contains(k, " ") && strings.Contains(" "+k+" ", " "+w+" ") ||
				!strings.Contains(k, " ") && typo(w, k) {
				return true
			}
		}
		for _, k := range r.qualifiers {
			if k == w {
				return true
			}
		}
	}
	return false
}

// needCustomer is the suggestion for a command that needs a customer the sentence did not name.
func needCustomer(cmd string) []string { return []string{"/" + cmd + " <customer>"} }

// intents are the rules, in the order they are tried: the actions (which need the most) first,
// then the questions.
var intents []*rule

func init() {
	intents = []*rule{
		{name: "autorenew", zh: []string{"自动续费", "自动续订", "自动续期"}, en: []string{"autorenew", "auto-renew", "auto renew", "auto-renewal", "automatic renewal", "auto renewal"},
			qualifiers: []string{"关闭", "关掉", "关", "取消", "停止", "停", "不要", "开启", "打开", "开通", "开", "启用", "on", "off", "enable", "disable", "stop", "turn"},
			build: func(s *sentence) (Result, bool, []string) {
				if len(s.tok.resources) == 0 {
					return Result{}, false, []string{"/autorenew on <resource-id>"}
				}
				mode := "on"
				if s.hasAny("关闭", "关掉", "关", "取消", "停止", "停", "不要", "off", "disable", "stop", "turn off") {
					mode = "off"
				}
				return s.command("autorenew", []string{mode, s.tok.resources[0]}, nil), true, nil
			}},
		{name: "unsubscribe", zh: []string{"退订", "退掉", "退费", "不续了", "释放"}, en: []string{"unsubscribe", "terminate", "cancel subscription", "release"},
			build: func(s *sentence) (Result, bool, []string) {
				if len(s.tok.resources) == 0 {
					return Result{}, false, []string{"/unsubscribe <resource-id>"}
				}
				return s.command("unsubscribe", []string{s.tok.resources[0]}, nil), true, nil
			}},
		{name: "coupon-reclaim", zh: []string{"回收代金券", "收回代金券", "撤回代金券"}, en: []string{"reclaim coupon", "revoke coupon"},
			build: func(s *sentence) (Result, bool, []string) {
				return Result{}, false, []string{"/coupon-reclaim <coupon-id>"}
			}},
		{name: "reclaim-balance", zh: []string{"回收余额", "收回余额", "回收", "收回", "扣回"}, en: []string{"reclaim", "claw back", "take back"},
			build: func(s *sentence) (Result, bool, []string) { return s.transfer("reclaim-balance") }},
		{name: "topup", zh: []string{"充值", "拨款", "打款", "打钱", "划拨", "转账", "充钱", "拨", "充"}, en: []string{"top up", "topup", "top-up", "allocate", "add funds", "fund", "transfer"},
			build: func(s *sentence) (Result, bool, []string) { return s.transfer("topup") }},
		{name: "coupon", zh: []string{"发券", "发代金券", "送代金券", "发放代金券", "发个代金券", "发一张代金券", "发张代金券", "发优惠券"}, en: []string{"issue coupon", "issue a coupon", "give coupon", "give a coupon", "send coupon", "send a coupon"},
			build: func(s *sentence) (Result, bool, []string) {
				who := s.who()
				if who == "" || len(s.tok.amounts) == 0 {
					return Result{}, false, []string{"/coupon <customer> <amount>"}
				}
				return s.command("coupon", []string{who, s.tok.amounts[0]}, nil), true, nil
			}},
		{name: "approve", zh: []string{"批准", "同意", "审批通过", "通过"}, en: []string{"approve", "accept"},
			build: func(s *sentence) (Result, bool, []string) { return s.decision("approve") }},
		{name: "reject", zh: []string{"拒绝", "驳回", "否决", "不批"}, en: []string{"reject", "deny", "decline"},
			build: func(s *sentence) (Result, bool, []string) { return s.decision("reject") }},
		{name: "cancel", zh: []string{"撤回", "撤销", "取消申请"}, en: []string{"withdraw", "cancel request", "cancel my request", "cancel"},
			build: func(s *sentence) (Result, bool, []string) { return s.decision("cancel") }},
		{name: "renew", zh: []string{"续费", "续订", "续期", "续约", "续废", "续"}, en: []string{"renew", "renewal", "extend"},
			build: func(s *sentence) (Result, bool, []string) {
				if len(s.tok.resources) > 0 {
					args := []string{s.tok.resources[0]}
					if s.tok.period != "" {
						args = append(args, s.tok.period)
					}
					return s.command("renew", args, nil), true, nil
				}
				if who := s.who(); who != "" {
					// Which of the customer's resources is for the person to pick: the
					// answer lists those expiring, and the note says how to renew one.
					res := s.command("resources", []string{who}, map[string]string{"expiring": strconv.Itoa(s.days(30))})
					res.Note = "understand.note.renew_pick"
					return res, true, nil
				}
				return Result{}, false, []string{"/renew <resource-id> 1m", "/expiring 30"}
			}},
		{name: "forecast", zh: []string{"预测", "预计", "预估", "会不会欠", "够不够", "预侧"}, en: []string{"forecast", "predict", "projection", "project"},
			build: func(s *sentence) (Result, bool, []string) {
				var args []string
				switch who := s.who(); {
				case who != "":
					args = []string{who}
				case s.label != "":
					args = []string{"label:" + s.label}
				}
				var flags map[string]string
				switch m, whole := s.wholeMonth(); {
				case whole && m >= s.now.Format("2006-01"):
					flags = map[string]string{"month": m}
				case s.iv != nil && s.iv.To.After(s.now):
					flags = map[string]string{"days": strconv.Itoa(min(s.days(30), maxForecastDays))}
				}
				return s.command("forecast", args, flags), true, nil
			}},
		{name: "expiring", zh: []string{"到期", "过期", "快到了", "届满", "到日子", "道期", "倒期", "到其"}, en: []string{"expire", "expires", "expiring", "expiry", "expired", "due", "lapse", "lapsing"},
			build: func(s *sentence) (Result, bool, []string) {
				days := s.days(30)
				if s.iv == nil && s.tok.period != "" {
					days = s.periodDays()
				}
				if s.iv == nil && s.tok.period == "" && len(s.tok.numbers) > 0 && s.tok.numbers[0] >= 1 && s.tok.numbers[0] <= maxExpiringDays {
					days = s.tok.numbers[0]
				}
				args := []string{strconv.Itoa(days)}
				switch {
				case len(s.ids) > 0 && len(s.ids) <= maxScoped:
					for _, id := range s.ids {
						args = append(args, "customer:"+id)
					}
				case s.label != "":
					args = append(args, "label:"+s.label)
				case s.customer == "" && s.guessName() != "":
					return s.command("resources", []string{s.guessName()}, map[string]string{"expiring": strconv.Itoa(days)}), true, nil
				case s.customer != "":
					return s.command("resources", []string{s.customer}, map[string]string{"expiring": strconv.Itoa(days)}), true, nil
				}
				return s.command("expiring", args, nil), true, nil
			}},
		{name: "arrears", zh: []string{"欠费", "欠钱", "欠款", "欠多少", "欠了", "拖欠", "欠废", "欠", "透支", "没钱", "负数"}, en: []string{"arrears", "owe", "owes", "owing", "overdue", "debt", "debts", "in the red", "negative"},
			build: func(s *sentence) (Result, bool, []string) {
				if who := s.who(); who != "" {
					return s.command("balance", []string{who}, nil), true, nil
				}
				return s.command("arrears", nil, nil), true, nil
			}},
		{name: "balance", zh: []string{"余额", "剩多少钱", "还有多少钱", "还剩多少", "账上", "于额", "余款"}, en: []string{"balance", "balances", "funds", "money left"},
			build: func(s *sentence) (Result, bool, []string) {
				if who := s.who(); who != "" {
					return s.command("balance", []string{who}, nil), true, nil
				}
				return s.command("balance", nil, nil), true, nil
			}},
		{name: "spend", zh: []string{"消费", "消废", "花了", "花费", "开销", "用了多少钱", "账单", "费用", "消耗", "花多少", "花销", "支出"}, en: []string{"spend", "spent", "spending", "cost", "costs", "bill", "bills", "billing", "usage", "expenses"},
			build: func(s *sentence) (Result, bool, []string) {
				var args []string
				if who := s.who(); who != "" {
					args = []string{who}
				}
				var flags map[string]string
				if m, ok := s.month(); ok {
					flags = map[string]string{"month": m}
				}
				return s.command("spend", args, flags), true, nil
			}},
		{name: "coupons", zh: []string{"代金券", "优惠券", "券"}, en: []string{"coupon", "coupons", "voucher", "vouchers"},
			build: func(s *sentence) (Result, bool, []string) {
				who := s.who()
				if who == "" {
					return Result{}, false, needCustomer("coupons")
				}
				if len(s.tok.amounts) > 0 && s.hasAny("发", "送", "给", "issue", "give", "send") {
					return s.command("coupon", []string{who, s.tok.amounts[0]}, nil), true, nil
				}
				return s.command("coupons", []string{who}, nil), true, nil
			}},
		{name: "orders", zh: []string{"订单", "定单", "单子", "下单", "购买记录"}, en: []string{"order", "orders", "purchases"},
			build: func(s *sentence) (Result, bool, []string) {
				if len(s.tok.orders) > 0 {
					return s.command("order", []string{s.tok.orders[0]}, nil), true, nil
				}
				if who := s.who(); who != "" {
					return s.command("orders", []string{who}, nil), true, nil
				}
				return Result{}, false, needCustomer("orders")
			}},
		{name: "resources", zh: []string{"资源", "云服务器", "服务器", "实例", "云主机", "主机", "机器", "产品"}, en: []string{"resources", "resource", "servers", "server", "instances", "instance", "vms"},
			build: func(s *sentence) (Result, bool, []string) {
				who := s.who()
				if who == "" {
					return Result{}, false, needCustomer("resources")
				}
				var flags map[string]string
				if s.iv != nil {
					flags = map[string]string{"expiring": strconv.Itoa(s.days(30))}
				}
				return s.command("resources", []string{who}, flags), true, nil
			}},
		{name: "pending", zh: []string{"待审批", "待批", "等待审批", "未审批", "审批", "待处理"}, en: []string{"pending", "awaiting approval", "approvals", "waiting"},
			build: func(s *sentence) (Result, bool, []string) { return s.command("pending", nil, nil), true, nil }},
		{name: "request", zh: []string{"申请", "请求"}, en: []string{"request", "requests"},
			build: func(s *sentence) (Result, bool, []string) {
				if len(s.tok.requests) == 0 {
					return s.command("pending", nil, nil), true, nil
				}
				return s.command("request", []string{strconv.FormatUint(s.tok.requests[0], 10)}, nil), true, nil
			}},
		{name: "quotas", zh: []string{"额度"}, en: []string{"quota", "quotas"},
			build: func(s *sentence) (Result, bool, []string) { return s.command("quotas", nil, nil), true, nil }},
		{name: "ledger", zh: []string{"流水", "拨款记录", "转账记录"}, en: []string{"ledger", "transfers"},
			build: func(s *sentence) (Result, bool, []string) { return s.command("ledger", nil, nil), true, nil }},
		{name: "subscriptions", zh: []string{"订阅"}, en: []string{"subscriptions", "subscribed", "alerts"},
			build: func(s *sentence) (Result, bool, []string) { return s.command("subscriptions", nil, nil), true, nil }},
		{name: "help", zh: []string{"帮助", "怎么用", "能做什么", "会做什么", "会什么", "你好", "命令", "功能", "使用说明", "说明"}, en: []string{"help", "what can you do", "hello", "hi", "commands"},
			build: func(s *sentence) (Result, bool, []string) {
				if s.customer != "" {
					return Result{}, false, nil
				}
				return s.command("help", nil, nil), true, nil
			}},
		{name: "customer", zh: []string{"客户信息", "客户资料", "是谁", "详情", "信息", "资料", "实名"}, en: []string{"who is", "about", "details", "info", "profile"},
			build: func(s *sentence) (Result, bool, []string) {
				if who := s.who(); who != "" {
					return s.command("customer", []string{who}, nil), true, nil
				}
				return Result{}, false, needCustomer("customer")
			}},
	}
}

// transfer is a top-up or reclaim of a customer's balance: it needs both.
func (s *sentence) transfer(cmd string) (Result, bool, []string) {
	who := s.who()
	amount := ""
	if len(s.tok.amounts) > 0 {
		amount = s.tok.amounts[0]
	} else if len(s.tok.numbers) > 0 && s.tok.numbers[0] > 0 {
		amount = strconv.Itoa(s.tok.numbers[0])
	}
	if who == "" || amount == "" {
		return Result{}, false, []string{"/" + cmd + " <customer> <amount>"}
	}
	return s.command(cmd, []string{who, amount}, nil), true, nil
}

// decision is an approval, rejection or withdrawal of a numbered request.
func (s *sentence) decision(cmd string) (Result, bool, []string) {
	if len(s.tok.requests) == 0 {
		return Result{}, false, []string{"/pending"}
	}
	return s.command(cmd, []string{strconv.FormatUint(s.tok.requests[0], 10)}, nil), true, nil
}

// periodDays is the period as a number of days from today, for /expiring.
func (s *sentence) periodDays() int {
	n, _ := strconv.Atoi(strings.TrimRight(s.tok.period, "my"))
	months := n
	if strings.HasSuffix(s.tok.period, "y") {
		months = 12 * n
	}
	d := int(s.now.AddDate(0, months, 0).Sub(s.now).Hours() / 24)
	return min(max(d, 1), maxExpiringDays)
}
