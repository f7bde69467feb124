package commands_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/lang"
)

// Money that adds up (issue #21): every figure names its account, what open requests earmark is
// said, the ledger and the requests speak of the same balance, /arrears offers a top-up per
// debtor and the partner's own books are for approvers.

func yuan(m bsstest.Money) string { return lang.Money(bss.MustAmount(m.String()), "CNY") }

// TestPartnerBooksAreForApprovers: /balance without a customer shows the partner's own
// accounts (with the credit line) to approvers and admins only, as /ledger does; anyone else
// is told so politely and how to ask for a customer's balance, which they still may.
func TestPartnerBooksAreForApprovers(t *testing.T) {
	e := newActEnv(t, nil)
	accts := e.Srv.PartnerAccounts("")
	var credit, fund bsstest.PartnerAccount
	for _, a := range accts {
		switch a.Type {
		case 2:
			credit = a
		case 8:
			fund = a
		}
	}
	tests := []struct {
		user, lang string
		refused    bool
		want       []string
	}{
		{"console:victor", "zh", true, []string{"合作伙伴自己的账户余额（含信用额度）仅审批人和管理员可见", "/balance <客户>", "/balance 张三"}},
		{"console:victor", "en", true, []string{"The partner's own balances (with its credit line) are for approvers and admins only", "/balance <customer>"}},
		{"console:alice", "zh", true, []string{"仅审批人和管理员可见"}},
		{"console:bob", "zh", false, []string{"信用额度（合作伙伴信用账户 " + credit.ID + "）: 额度 " + yuan(credit.CreditAmount),
			"可拨款资金（合作伙伴可拨款账户 " + fund.ID + "）: 可拨款 " + yuan(fund.Amount-fund.DesignatedAmount) + "（账户余额 " + yuan(fund.Amount) +
				"，减去华为云的专款专用金额 " + yuan(fund.DesignatedAmount) + "），没有待审批的拨款申请占用", "仅审批人和管理员可见"}},
		{"console:admin", "en", false, []string{"Credit line (partner's credit account " + credit.ID + "): limit " + yuan(credit.CreditAmount),
			"Allocatable funds (partner's allocatable account " + fund.ID + "): " + yuan(fund.Amount-fund.DesignatedAmount) + " may be allocated"}},
	}
	for _, tc := range tests {
		t.Run(tc.user+" "+tc.lang, func(t *testing.T) {
			e.say(tc.user, "/lang "+tc.lang)
			rep, text := e.say(tc.user, "/balance")
			if rep.Error != tc.refused {
				t.Errorf("refused = %v, want %v:\n%s", rep.Error, tc.refused, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			if tc.refused && (strings.Contains(text, credit.ID) || strings.Contains(text, fund.ID)) {
				t.Errorf("a refusal shows the partner's accounts:\n%s", text)
			}
			if rep, text := e.say(tc.user, "/balance 张三"); rep.Error {
				t.Errorf("a customer's balance refused:\n%s", text)
			}
		})
	}
}

// TestTopUpFiguresNameTheirAccounts: a top-up request names the customer whose balance it
// shows and the partner account it draws on, with that account's balance before and after —
// the figure /balance lists and /ledger's balance after shows once it ran — what may be
// allocated (less BSS's designated amount) and what other open top-ups already hold of it.
func TestTopUpFiguresNameTheirAccounts(t *testing.T) {
	type words struct{ custNow, fundBal, avail, held, none, ledgerAfter string }
	for _, tc := range []struct {
		lang string
		w    words
	}{
		{"zh", words{"客户 %s 的余额（当前）: ", "合作伙伴可拨款账户 %s 的余额: %s → %s", "可拨款 %s（账户余额 %s，减去华为云的专款专用金额 %s）",
			"其中 %s 已被待审批的拨款申请占用，剩余 %s", "没有待审批的拨款申请占用", "变更后账户余额"}},
		{"en", words{"Balance of customer %s (now): ", "Partner's allocatable account %s, balance: %s → %s", "%s may be allocated (account balance %s less %s that Huawei Cloud earmarks as designated)",
			"of it %s is held by top-up requests not yet carried out, leaving %s", "no open top-up request holds any of it", "Account balance after"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newActEnv(t, nil)
			for _, u := range []string{"console:alice", "console:bob"} {
				e.say(u, "/lang "+tc.lang)
			}
			var fund bsstest.PartnerAccount
			for _, a := range e.Srv.PartnerAccounts("") {
				if a.Type == 8 {
					fund = a
				}
			}
			avail := fund.Amount - fund.DesignatedAmount
			first, second := bsstest.Yuan(100), bsstest.Yuan(5000)
			_, text := e.say("console:alice", "/topup lisi "+first.String())
			for _, w := range []string{fmt.Sprintf(tc.w.custNow, "李四 (lisi)"), fmt.Sprintf(tc.w.fundBal, fund.ID, yuan(fund.Amount), yuan(fund.Amount-first)),
				fmt.Sprintf(tc.w.avail, yuan(avail), yuan(fund.Amount), yuan(fund.DesignatedAmount)), tc.w.none} {
				if !strings.Contains(text, w) {
					t.Errorf("first request lacks %q:\n%s", w, text)
				}
			}
			_, text = e.say("console:alice", "/topup 张三 "+second.String())
			if w := fmt.Sprintf(tc.w.held, yuan(first), yuan(avail-first)); !strings.Contains(text, w) {
				t.Errorf("second request lacks %q:\n%s", w, text)
			}
			_, text = e.say("console:bob", "/balance")
			if w := fmt.Sprintf(tc.w.held, yuan(first+second), yuan(avail-first-second)); !strings.Contains(text, w) {
				t.Errorf("/balance lacks %q:\n%s", w, text)
			}
			// Once the first has run, the ledger's balance after is the figure its request showed.
			e.say("console:bob", "/approve 1")
			_, text = e.say("console:bob", "/ledger")
			if !strings.Contains(text, tc.w.ledgerAfter) || !strings.Contains(text, "lisi | −"+yuan(first)+" | "+yuan(fund.Amount-first)) {
				t.Errorf("the ledger does not show %s after the top-up:\n%s", yuan(fund.Amount-first), text)
			}
			_, text = e.say("console:bob", "/balance")
			if !strings.Contains(text, " | "+yuan(fund.Amount-first)) || !strings.Contains(text, fmt.Sprintf(tc.w.held, yuan(second), yuan(avail-first-second))) {
				t.Errorf("/balance after the top-up:\n%s", text)
			}
		})
	}
}

// TestArrearsOneTopUpButtonPerDebtor: /arrears offers every debtor on the page its top-up, as
// the README promises, on every page (the platforms carry that many buttons: Slack splits
// them into actions blocks of 25, Telegram two to a keyboard row, WeCom lists them as lines).
func TestArrearsOneTopUpButtonPerDebtor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pageSize int
		pages    []int // top-up buttons on each page
	}{
		{"one page", 10, []int{6}},
		{"two pages", 4, []int{4, 2}},
		{"a page each", 1, []int{1, 1, 1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.PageSize = tc.pageSize })
			debtors := 0
			for _, c := range e.Srv.Customers() {
				if c.Debt > 0 && c.AssociationType == "2" {
					debtors++
				}
			}
			if debtors != 6 {
				t.Fatalf("the sandbox has %d debtors, the test expects 6", debtors)
			}
			seen := map[string]bool{}
			for i, want := range tc.pages {
				for _, lang := range []string{"zh", "en"} {
					e.say("console:alice", "/lang "+lang)
					rep, text := e.say("console:alice", fmt.Sprintf("/arrears --page %d", i+1))
					n := 0
					for _, b := range rep.Buttons {
						if strings.HasPrefix(b.Command, "/topup ") {
							n++
							seen[b.Command] = true
						}
					}
					if n != want {
						t.Errorf("%s page %d: %d top-up buttons, want %d:\n%s", lang, i+1, n, want, text)
					}
				}
			}
			if len(seen) != debtors {
				t.Errorf("%d debtors offered a top-up, want %d", len(seen), debtors)
			}
		})
	}
}
