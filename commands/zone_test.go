package commands_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// shownTime is a time as replies show them: a date, or a month-day and a clock time.
var shownTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{2}-\d{2} \d{2}:\d{2}`)

// TestEveryTimeShownNamesItsZone: each reply and notice that shows a time names the zone of its
// times exactly once, in the reader's language; one without a time says nothing about zones.
func TestEveryTimeShownNamesItsZone(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	if _, text := e.say("console:carol", "/lang en"); strings.Contains(text, "⚠") {
		t.Fatalf("/lang en: %s", text)
	}
	zh, en := "时间为北京时间 (UTC+8)", "Times in Beijing time (UTC+8)"
	withTimes := 0
	check := func(what, text, note string) {
		t.Helper()
		times := shownTime.FindAllString(text, -1)
		if len(times) > 0 {
			withTimes++
		}
		n := strings.Count(text, note) + strings.Count(text, zh) + strings.Count(text, en) - strings.Count(text, note)
		switch {
		case len(times) > 0 && (strings.Count(text, note) != 1 || n != 1):
			t.Errorf("%s shows %d times (%v) and names the zone %d times, want once as %q:\n%s", what, len(times), times[:1], n, note, text)
		case len(times) == 0 && n != 0:
			t.Errorf("%s shows no time but names a zone:\n%s", what, text)
		}
	}
	steps := []struct{ user, cmd string }{
		{"console:alice", "/help"},
		{"console:alice", "/expiring"},
		{"console:alice", "/resources 张三"},
		{"console:alice", "/customer 张三"},
		{"console:alice", "/renew " + web.ResourceID},
		{"console:alice", "/pending"},
		{"console:carol", "/pending"},
		{"console:carol", "/request 1"},
		{"console:bob", "/request 1"},
		{"console:carol", "/approve 1"},
		{"console:admin", "/audit"},
		{"console:alice", "/balance 张三"},
	}
	for _, s := range steps {
		rep, text := e.say(s.user, s.cmd)
		note := zh
		if s.user == "console:carol" {
			note = en
		}
		check(fmt.Sprintf("%s's %s", s.user, s.cmd), text, note)
		_ = rep
	}
	ns := e.notices()
	if len(ns) == 0 {
		t.Fatal("no notices")
	}
	for _, n := range ns {
		check("notice "+n.DedupeKey, noticeText(n), zh)
	}
	if withTimes < 10 {
		t.Errorf("only %d samples show a time; the commands did not run as meant", withTimes)
	}
}
