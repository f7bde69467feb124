package alerts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/langcheck"
)

// TestAlertsInTheChannelsLanguage: /lang en typed by an operator in a channel, or by a person
// in their private chat, makes that place's alerts English; a channel that chose nothing keeps
// the default, Chinese.
func TestAlertsInTheChannelsLanguage(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Health.PartnerMin = bss.MustAmount("1000000") }) // every health part speaks
	for _, say := range []chat.Request{
		{Platform: "slack", UserID: "U1", Channel: "CEN", Text: "/lang en"},
		{Platform: "telegram", UserID: "1001", Channel: "1001", Text: "/lang en"}, // a private chat
	} {
		if _, ok := e.Router.Handle(context.Background(), say); !ok {
			t.Fatalf("%+v not handled", say)
		}
	}
	for _, ch := range []string{"slack:CEN", "telegram:1001", "slack:CZH"} {
		e.subscribe(ch, "all", "*")
	}
	var data []string
	for _, c := range e.Srv.Customers() {
		data = append(data, c.Name, c.AccountName, c.Label)
		for _, r := range e.Srv.Resources(c.ID) {
			data = append(data, r.Name)
		}
	}
	ck := langcheck.New(data...)
	ck.Allow("renew", "autorenew")
	for _, kind := range []string{alerts.KindExpiry, alerts.KindArrears, alerts.KindHealth} {
		e.scan(kind)
		got := map[string]string{}
		for _, n := range e.drain() {
			got[n.Platform+":"+n.Channel] += text(n)
			lang := "zh"
			if n.Channel != "CZH" {
				lang = "en"
			}
			for _, p := range ck.Problems(lang, text(n)) {
				t.Errorf("%s alert to %s: %s", kind, n.Channel, p)
			}
		}
		for ch, en := range map[string]bool{"slack:CEN": true, "telegram:1001": true, "slack:CZH": false} {
			body := got[ch]
			want, notWant := "alert:", "提醒："
			if !en {
				want, notWant = notWant, want
			}
			if !strings.Contains(body, want) || strings.Contains(body, notWant) {
				t.Errorf("%s alert to %s: want %q without %q:\n%s", kind, ch, want, notWant, body)
			}
		}
	}
}
