package alerts_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
)

// healthButtons drains the outbox and returns the commands of its health notices' buttons.
func (e *env) healthButtons() []string {
	e.t.Helper()
	var cmds []string
	for _, n := range e.drain() {
		var r chat.Reply
		if err := json.Unmarshal(n.Body, &r); err != nil {
			e.t.Fatal(err)
		}
		for _, b := range r.Buttons {
			cmds = append(cmds, b.Command)
		}
	}
	return cmds
}

// The release countdown offers, beside renew, a switch to pay-per-use at expiry where the
// resource's expire policy allows it: 张三's OBS package in its grace period (policy 0) gets
// both buttons; once it is set to switch, no alert offers the switch again.
func TestReleaseCountdownOffersPayPerUse(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	obs := e.resource("zhangsan-obs-pkg")
	deletion := obs.ExpireTime.AddDate(0, 0, 14)
	e.subscribe("slack:C1", alerts.KindHealth, zs.ID)
	e.drain()

	e.Clock.Set(deletion.Add(-7*24*time.Hour + time.Hour))
	e.scan(alerts.KindHealth)
	got := e.healthButtons()
	if !slices.Contains(got, "/renew "+obs.ResourceID) || !slices.Contains(got, "/to-ondemand "+obs.ResourceID) {
		t.Fatalf("buttons %q, want renew and to-ondemand for %s", got, obs.ResourceID)
	}

	cu := bss.CustomerRef{ID: zs.ID, AccountName: zs.AccountName, XAccountType: zs.XAccountType}
	if res, err := e.Client.UpdatePeriodToOnDemand(context.Background(), cu, bss.ToOnDemandSet, []string{obs.ResourceID}); err != nil || len(res.Failed) > 0 {
		t.Fatalf("setting the policy: %v %+v", err, res)
	}
	e.Clock.Set(deletion.Add(-3*24*time.Hour + time.Hour))
	e.scan(alerts.KindHealth)
	got = e.healthButtons()
	if slices.Contains(got, "/to-ondemand "+obs.ResourceID) {
		t.Errorf("buttons %q once set to switch: the switch is offered again", got)
	}
}
