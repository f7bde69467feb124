package commands_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/langcheck"
)

// sandboxChecker knows the sandbox's names (customers, accounts, labels, resources, resellers)
// and the router's commands, aliases and options, which a message may hold in any language.
func (e *actEnv) sandboxChecker() *langcheck.Checker {
	e.t.Helper()
	var data []string
	for _, c := range e.Srv.Customers() {
		data = append(data, c.Name, c.AccountName, c.Label, c.ID)
		for _, r := range e.Srv.Resources(c.ID) {
			data = append(data, r.Name, r.EnterpriseProjectName, r.ProductSpecDesc, r.ResourceID)
		}
		for _, r := range e.Srv.OnDemand(c.ID) {
			data = append(data, r.Name, r.ProductSpecDesc)
		}
	}
	for _, r := range e.Srv.Resellers() {
		data = append(data, r.Name, r.AccountName)
	}
	ck := langcheck.New(data...)
	for _, cmd := range e.Router.Commands() {
		ck.Allow(cmd.Name)
		ck.Allow(cmd.Aliases...)
		for _, f := range cmd.Flags {
			ck.Allow(f.Name)
		}
	}
	return ck
}

// TestEveryReplyInOneLanguage renders every reply the router gives on the sandbox — /help and
// each command's help, every command's examples, refusals, a request from filing to result, and
// the notices it sends — in Chinese and in English, and checks each is in its language only,
// with English plurals that agree with their numbers.
func TestEveryReplyInOneLanguage(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) {
		o.DirectMessages = func(platform, channel, user string) bool { return platform == "slack" }
	})
	ck := e.sandboxChecker()
	web := e.zsResource("zhangsan-web-01")
	app := e.zsResource("zhangsan-app-02")
	var quota string
	for _, q := range e.Srv.Quotas() {
		if q.QuotaStatus == 0 && q.Balance.Sign() > 0 && q.IndirectPartnerID != "" {
			quota = q.QuotaID
		}
	}
	texts := []string{"/help", "/nosuch", "/helo", "/expiring --bogus", "/expiring --days=abc", "/expiring 0",
		"/lang fr", "/customer", "/customer nobody-at-all", "/customer 张", "/resources 张三\u202e", "/order CSNOSUCH",
		"/orders 张三 --status nope", "/orders 张三 --page 99", "/price ecs --period 13m", "/topup 张三 12,34",
		"/topup 张三 -5", "/approve x", "/approve 9999", "/request 9999", "/renew abc\u202edef",
		"/renew " + web.ResourceID + " 1m --remark " + strings.Repeat("x", 300), "/autorenew maybe " + web.ResourceID,
		"/reclaim Q1 Q1", "/subscribe nonsense", "/snooze 张三 forever", "/quiet 25:00-08:00", "/scan nonsense",
		"/resend x", "/resend 99", "/unsubscribe-alerts x", "/audit 0", "/balance", "/ledger", "/arrears", "/expiring",
		"/expiring 365 --page 2", "/pending", "/notices", "/subscriptions", "/spend", "/coupons 张三", "/ondemand 张三"}
	for _, cmd := range e.Router.Commands() {
		texts = append(texts, "/help "+cmd.Name)
		if cmd.Name != "lang" { // /lang's own examples would switch the language mid-run
			texts = append(texts, cmd.Examples...)
		}
	}
	// What a person typed comes back in refusals ("nope" is not a status): theirs, in any language.
	for _, text := range texts {
		ck.Data(strings.Fields(text)[1:]...)
	}
	ck.Data("not now", "abc", "def", "QOTHER", "simple_quota_infos")
	check := func(lang, what, msg string) {
		t.Helper()
		for _, p := range ck.Problems(lang, msg) {
			t.Errorf("%s, %s: %s\n%s", lang, what, p, msg)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		for _, who := range []string{"console:admin", "console:alice", "console:bob"} {
			e.say(who, "/lang "+lang)
		}
		for _, text := range texts {
			_, got := e.say("console:admin", text)
			check(lang, text, got)
		}
		// A request from filing to its result, and the answers of everyone involved.
		for _, step := range []struct{ who, text string }{
			{"console:alice", "/renew " + web.ResourceID + " 3m --autopay"},
			{"console:alice", "/autorenew off " + app.ResourceID},
			{"console:alice", "/reclaim " + quota},
			{"console:alice", "/topup 张三 1"},
		} {
			_, got := e.say(step.who, step.text)
			check(lang, step.text, got)
			id := strconv.FormatUint(e.lastRequest().ID, 10)
			if strings.HasPrefix(step.text, "/reclaim ") { // an answer naming a quota not asked for, shown in the result
				e.Srv.Inject("POST", reclaimPath, bsstest.Fault{AfterWork: true,
					Body: `{"simple_quota_infos":[{"quota_id":"` + quota + `","quota_balance":0},{"quota_id":"QOTHER","quota_balance":0}],"error_details":[]}`})
			}
			for _, after := range []struct{ who, text string }{
				{"console:bob", "/request " + id}, {"console:bob", "/pending"}, {"console:alice", "/approve " + id},
				{"console:bob", "/approve " + id}, {"console:bob", "/approve " + id}, {"console:alice", "/request " + id},
			} {
				_, got := e.say(after.who, after.text)
				check(lang, after.text, got)
			}
		}
		_, got := e.say("console:alice", "/renew "+web.ResourceID+" 1m")
		check(lang, "renew to reject", got)
		id := strconv.FormatUint(e.lastRequest().ID, 10)
		for _, text := range []string{"/reject " + id + " not now", "/cancel " + id} {
			_, got := e.say("console:bob", text)
			check(lang, text, got)
		}
		_, got = e.say("console:alice", "/renew "+web.ResourceID+" 1m")
		check(lang, "renew to withdraw", got)
		_, got = e.say("console:alice", "/cancel "+strconv.FormatUint(e.lastRequest().ID, 10))
		check(lang, "cancel", got)
	}
	// Every notice the requests sent, in each language it carries.
	ns := e.notices()
	if len(ns) == 0 {
		t.Fatal("no notices")
	}
	for _, n := range ns {
		check("zh", "notice "+n.Kind+" "+n.DedupeKey, bodyText(n.Body)) // the default language
		langs := make([]string, 0, len(n.Bodies))
		for l := range n.Bodies {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		if len(langs) != 1 || langs[0] != "en" {
			t.Errorf("notice %d (%s) is rendered besides its default in %v, want en", n.ID, n.Kind, langs)
		}
		for _, l := range langs {
			check(l, "notice "+n.Kind+" "+n.DedupeKey, bodyText(n.Bodies[l]))
		}
	}
}
