package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// ScanResult is what an alert scan found and did (see package alerts).
type ScanResult struct {
	Kind                                         string
	Customers, Found, Alerted, Notices, Channels int
	Failed                                       []string
	Took                                         time.Duration
	Skipped                                      bool
	// Calls is the BSS calls the scan made. Mode is "full" or "delta" for expiry scans with the
	// index; a delta scan also tells the calls a full scan would have made, and how many
	// customers it asked again and why: an order, new, a threshold, the rotating refresh.
	Calls, FullCalls                    int
	Mode                                string
	AskedOrders, AskedNew, AskedCrossed int
	AskedRefresh                        int
}

// Scanner runs an alert scan now; the wiring (cli) hands in the alert scanner.
type Scanner interface {
	ScanNow(ctx context.Context, kind string) (ScanResult, error)
}

// scanTimeout is the deadline of /scan, which queries every customer in scope.
const scanTimeout = 15 * time.Minute

// defaultDays are the expiry thresholds of a subscription that names none.
var defaultDays = []int{30, 15, 7, 3, 1}

func alertCommands() []*Command {
	return []*Command{
		{Name: "subscribe", Aliases: []string{"订阅"}, Args: "expiry|arrears|health|forecast|report|all [customer|label:X|*] [--days 30,15,7,3,1]",
			Summary: "sum.subscribe", Role: chat.RoleOperator, MinArgs: 1, MaxArgs: -1,
			Flags:    []Flag{{Name: "days", Help: "opt.days"}},
			Examples: []string{"/subscribe all", "/subscribe expiry 张三 --days 15,7,1", "/订阅 arrears label:vip", "/subscribe forecast *", "/订阅 报告 label:vip"}, Run: runSubscribe},
		{Name: "budget", Aliases: []string{"预算"}, Args: "[<customer> <amount>|off]", Summary: "sum.budget", Role: chat.RoleOperator,
			MaxArgs: -1, Examples: []string{"/budget 张三 5000", "/预算", "/budget 张三 off"}, Run: runBudget},
		{Name: "subscriptions", Aliases: []string{"订阅列表"}, Summary: "sum.subscriptions", Role: chat.RoleViewer, MaxArgs: 0,
			Examples: []string{"/subscriptions"}, Run: runSubscriptions},
		{Name: "unsubscribe-alerts", Aliases: []string{"取消订阅"}, Args: "<id>", Summary: "sum.unsubscribe_alerts", Role: chat.RoleOperator,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/subscribe all", "/unsubscribe-alerts 1"}, Run: runUnsubscribeAlerts},
		{Name: "snooze", Aliases: []string{"静音"}, Args: "<resource-id|customer> <duration>", Summary: "sum.snooze", Role: chat.RoleOperator,
			MinArgs: 2, MaxArgs: -1, Examples: []string{"/snooze 张三 3d", "/snooze fd6b4382-dee9-fec2-a874-cfc1141a0fc3 12h"}, Run: runSnooze},
		{Name: "unsnooze", Aliases: []string{"取消静音"}, Args: "<resource-id|customer>", Summary: "sum.unsnooze", Role: chat.RoleOperator,
			MinArgs: 1, MaxArgs: -1, JoinArgs: true, Examples: []string{"/snooze 张三 3d", "/unsnooze 张三"}, Run: runUnsnooze},
		{Name: "quiet", Aliases: []string{"免打扰"}, Args: "<HH:MM-HH:MM>|off", Summary: "sum.quiet", Role: chat.RoleOperator,
			MaxArgs: 1, JoinArgs: true, Examples: []string{"/quiet 22:00-08:00", "/quiet off", "/quiet"}, Run: runQuiet},
		{Name: "scan", Aliases: []string{"扫描"}, Args: "expiry|arrears|health", Summary: "sum.scan", Role: chat.RoleAdmin,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/scan expiry", "/扫描 arrears"}, Timeout: scanTimeout, Run: runScan},
	}
}

// ParseDays reads "30,15,7,3,1" into thresholds sorted descending (1–365 days, no repeats).
func ParseDays(s string) ([]int, bool) {
	var out []int
	seen := map[int]bool{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		n, err := parseInt(part)
		if err != nil || n < 1 || n > 365 || seen[n] {
			return nil, false
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 || len(out) > 10 {
		return nil, false
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out, true
}

func runSubscribe(ctx context.Context, c *Call) (chat.Reply, error) {
	kind := strings.ToLower(c.Arg(0))
	switch kind {
	case "expiry", "到期":
		kind = "expiry"
	case "arrears", "欠费":
		kind = "arrears"
	case "health", "健康":
		kind = "health"
	case "forecast", "预测":
		kind = "forecast"
	case "report", "报告":
		kind = "report"
	case "all", "全部":
		kind = "all"
	default:
		return chat.Reply{}, c.fail("err.bad_kind", c.Arg(0))
	}
	days := append([]int(nil), defaultDays...)
	if v, ok := c.Flag("days"); ok {
		if days, ok = ParseDays(v); !ok {
			return chat.Reply{}, c.fail("err.bad_days", v)
		}
	}
	// Only a customer's name is stored with the subscription; "all" and labels are worded
	// in each reader's language when shown.
	scope, scopeName := "*", ""
	if q := strings.Join(c.Inv.Args[1:], " "); q != "" && q != "*" {
		if label, ok := strings.CutPrefix(q, "label:"); ok {
			if label == "" {
				return chat.Reply{}, c.fail("err.bad_scope", q)
			}
			scope = q
		} else {
			cu, err := c.oneCustomer(ctx, q)
			if err != nil {
				return chat.Reply{}, err
			}
			scope, scopeName = cu.ID, lang.CustomerName(cu)
		}
	}
	if kind == "arrears" || kind == "health" || kind == "forecast" || kind == "report" {
		// arrears have no thresholds; health has its own (alerts.HealthOptions); forecast alerts'
		// days are alerts.forecast_days; the report goes by alerts.report
		days = nil
	}
	sub, err := c.r.store.AddSubscription(ctx, store.Subscription{Platform: c.Req.Platform, Channel: c.Req.Channel,
		Kind: kind, Scope: scope, ScopeName: scopeName, Days: days, CreatedBy: c.actor()})
	if errors.Is(err, store.ErrDuplicate) {
		return chat.Reply{}, c.fail("err.sub_duplicate")
	}
	if err != nil {
		return chat.Reply{}, err
	}
	return chat.Reply{Text: c.Lang.T("sub.added", sub.ID, c.subText(sub))}, nil
}

func (c *Call) subText(s store.Subscription) string {
	scope := s.ScopeName
	switch label, isLabel := strings.CutPrefix(s.Scope, "label:"); {
	case s.Scope == "*":
		scope = c.Lang.T("sub.all_customers")
	case isLabel:
		scope = c.Lang.T("sub.label", label)
	case scope == "":
		scope = s.Scope
	}
	text := c.Lang.T("sub.kind."+s.Kind) + " · " + scope
	if len(s.Days) > 0 {
		ds := make([]string, len(s.Days))
		for i, d := range s.Days {
			ds[i] = strconv.Itoa(d)
		}
		text += " · " + c.Lang.T("sub.days", strings.Join(ds, ","))
	}
	if s.FromConfig {
		text += " · " + c.Lang.T("sub.from_config")
	}
	return text
}

func runSubscriptions(ctx context.Context, c *Call) (chat.Reply, error) {
	subs, err := c.r.store.Subscriptions(ctx, c.Req.Platform, c.Req.Channel)
	if err != nil {
		return chat.Reply{}, err
	}
	rep := chat.Reply{Title: c.Lang.T("sub.title", c.Req.Platform+":"+c.Req.Channel)}
	if len(subs) == 0 {
		rep.Text = c.Lang.T("sub.none")
	} else {
		t := &chat.Table{Columns: []string{"#", c.Lang.T("sub.col.what"), c.Lang.T("sub.col.by")}}
		for _, s := range subs {
			t.Rows = append(t.Rows, []string{strconv.FormatUint(s.ID, 10), c.subText(s), orDash(c.r.nameWithID(s.CreatedBy))})
		}
		rep.Table = t
	}
	var extra []string
	if q, err := c.r.store.QuietHours(ctx, c.Req.Platform, c.Req.Channel); err == nil && q != nil {
		extra = append(extra, c.Lang.T("quiet.is", q.Start, q.End))
	}
	if sns, err := c.r.store.Snoozes(ctx, c.Req.Platform, c.Req.Channel); err == nil {
		for _, sn := range sns {
			extra = append(extra, c.Lang.T("snooze.is", sn.Target, c.stamp(sn.Until)))
		}
	}
	if len(extra) > 0 {
		rep.Sections = []chat.Section{{Title: c.Lang.T("sub.settings"), Lines: extra}}
	}
	return rep, nil
}

func runUnsubscribeAlerts(ctx context.Context, c *Call) (chat.Reply, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(c.Arg(0)), "#"), 10, 64)
	if err != nil || id == 0 {
		return chat.Reply{}, c.fail("err.bad_sub_id", c.Arg(0))
	}
	sub, err := c.r.store.RemoveSubscription(ctx, id, c.Req.Platform, c.Req.Channel, c.actor())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return chat.Reply{}, c.fail("err.no_sub", id)
	case errors.Is(err, store.ErrFromConfig):
		return chat.Reply{}, c.fail("err.sub_from_config", id)
	case err != nil:
		return chat.Reply{}, err
	}
	return chat.Reply{Text: c.Lang.T("sub.removed", sub.ID, c.subText(sub))}, nil
}

var durationPattern = regexp.MustCompile(`^(\d{1,4})\s*(m|min|h|hr|小时|d|day|days|天|w|week|周)$`)

// ParseDuration reads "30m", "12h", "3d", "2w", "3天" (at most 90 days).
func ParseDuration(s string) (time.Duration, bool) {
	m := durationPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"m": time.Minute, "min": time.Minute, "h": time.Hour, "hr": time.Hour, "小时": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour, "天": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "周": 7 * 24 * time.Hour}[m[2]]
	d := time.Duration(n) * unit
	if d <= 0 || d > 90*24*time.Hour {
		return 0, false
	}
	return d, true
}

// resourceIDPattern is what an unseen resource id may look like (ASCII, no spaces); a name
// that matches no customer is refused instead of silently snoozing nothing.
var resourceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$`)

// snoozeTarget resolves a resource id (kept as is) or a customer (by name, account or id).
func (c *Call) snoozeTarget(ctx context.Context, q string) (id, label string, err error) {
	if _, ok, err := c.r.store.Owner(ctx, q); err == nil && ok {
		return q, q, nil
	}
	cu, err := c.oneCustomer(ctx, q)
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) && ue.result == "not-found" && resourceIDPattern.MatchString(q) && strings.ContainsAny(q, "0123456789") {
			return q, q, nil // a resource id the bot has not seen yet: snooze it as given
		}
		return "", "", err
	}
	return cu.ID, lang.CustomerName(cu), nil
}

func runSnooze(ctx context.Context, c *Call) (chat.Reply, error) {
	args := c.Inv.Args
	d, ok := ParseDuration(args[len(args)-1])
	if !ok {
		return chat.Reply{}, c.fail("err.bad_duration", args[len(args)-1])
	}
	id, label, err := c.snoozeTarget(ctx, strings.Join(args[:len(args)-1], " "))
	if err != nil {
		return chat.Reply{}, err
	}
	until := c.now.Add(d)
	if err := c.r.store.Snooze(ctx, store.Snooze{Platform: c.Req.Platform, Channel: c.Req.Channel, Target: id, Until: until, By: c.actor(), At: c.now}); err != nil {
		return chat.Reply{}, err
	}
	return chat.Reply{Text: c.Lang.T("snooze.set", label, c.stamp(until))}, nil
}

func runUnsnooze(ctx context.Context, c *Call) (chat.Reply, error) {
	id, label, err := c.snoozeTarget(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	removed, err := c.r.store.Unsnooze(ctx, c.Req.Platform, c.Req.Channel, id, c.actor())
	if err != nil {
		return chat.Reply{}, err
	}
	if !removed {
		return chat.Reply{}, c.fail("snooze.none", label)
	}
	return chat.Reply{Text: c.Lang.T("snooze.removed", label)}, nil
}

var quietPattern = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)\s*[-–~至到]\s*([01]?\d|2[0-3]):([0-5]\d)$`)

func runQuiet(ctx context.Context, c *Call) (chat.Reply, error) {
	arg := strings.TrimSpace(c.Arg(0))
	switch strings.ToLower(arg) {
	case "":
		q, err := c.r.store.QuietHours(ctx, c.Req.Platform, c.Req.Channel)
		if err != nil {
			return chat.Reply{}, err
		}
		if q == nil {
			return chat.Reply{Text: c.Lang.T("quiet.none")}, nil
		}
		return chat.Reply{Text: c.Lang.T("quiet.is", q.Start, q.End)}, nil
	case "off", "关闭":
		if err := c.r.store.SetQuietHours(ctx, c.Req.Platform, c.Req.Channel, nil, c.actor()); err != nil {
			return chat.Reply{}, err
		}
		return chat.Reply{Text: c.Lang.T("quiet.cleared")}, nil
	}
	m := quietPattern.FindStringSubmatch(arg)
	if m == nil {
		return chat.Reply{}, c.fail("err.bad_quiet", arg)
	}
	hm := func(h, mi string) string { hh, _ := strconv.Atoi(h); return fmt.Sprintf("%02d:%s", hh, mi) }
	q := &store.QuietHours{Start: hm(m[1], m[2]), End: hm(m[3], m[4])}
	if q.Start == q.End {
		return chat.Reply{}, c.fail("err.bad_quiet", arg)
	}
	if err := c.r.store.SetQuietHours(ctx, c.Req.Platform, c.Req.Channel, q, c.actor()); err != nil {
		return chat.Reply{}, err
	}
	return chat.Reply{Text: c.Lang.T("quiet.set", q.Start, q.End, c.r.loc.String())}, nil
}

func runScan(ctx context.Context, c *Call) (chat.Reply, error) {
	kind := strings.ToLower(c.Arg(0))
	switch kind {
	case "expiry", "到期":
		kind = "expiry"
	case "arrears", "欠费":
		kind = "arrears"
	case "health", "健康":
		kind = "health"
	default:
		return chat.Reply{}, c.fail("err.bad_scan", c.Arg(0))
	}
	if c.r.opts.Scanner == nil {
		return chat.Reply{}, c.fail("err.no_scanner")
	}
	res, err := c.r.opts.Scanner.ScanNow(ctx, kind)
	if err != nil {
		var be *bss.Error
		if errors.As(err, &be) {
			return chat.Reply{}, c.bssError(err)
		}
		return chat.Reply{}, err
	}
	rep := chat.Reply{Title: c.Lang.T("scan.title", c.Lang.T("sub.kind."+kind))}
	if res.Skipped {
		rep.Text = c.Lang.T("scan.skipped")
		return rep, nil
	}
	rep.Fields = []chat.Field{
		{Label: c.Lang.T("scan.customers"), Value: strconv.Itoa(res.Customers)},
		{Label: c.Lang.T("scan.found." + kind), Value: strconv.Itoa(res.Found)},
		{Label: c.Lang.T("scan.alerted"), Value: strconv.Itoa(res.Alerted)},
		{Label: c.Lang.T("scan.notices"), Value: fmt.Sprintf("%d → %d", res.Notices, res.Channels)},
		{Label: c.Lang.T("scan.took"), Value: res.Took.Round(time.Millisecond).String()},
	}
	switch res.Mode {
	case "delta":
		asked := res.AskedOrders + res.AskedNew + res.AskedCrossed + res.AskedRefresh
		rep.Fields = append(rep.Fields,
			chat.Field{Label: c.Lang.T("scan.mode"), Value: c.Lang.T("scan.mode.delta")},
			chat.Field{Label: c.Lang.T("scan.asked"), Value: c.Lang.T("scan.asked.why", asked, res.AskedOrders, res.AskedNew, res.AskedCrossed, res.AskedRefresh)},
			chat.Field{Label: c.Lang.T("scan.calls"), Value: c.Lang.T("scan.calls.saved", res.Calls, res.FullCalls, max(0, res.FullCalls-res.Calls))})
	case "full":
		rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("scan.mode"), Value: c.Lang.T("scan.mode.full")},
			chat.Field{Label: c.Lang.T("scan.calls"), Value: strconv.Itoa(res.Calls)})
	default:
		rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("scan.calls"), Value: strconv.Itoa(res.Calls)})
	}
	if len(res.Failed) > 0 {
		rep.Text = "⚠ " + c.Lang.T("scan.failed", len(res.Failed), strings.Join(res.Failed, ", "))
		rep.Error = len(res.Failed) == res.Customers && res.Customers > 0
	}
	return rep, nil
}
