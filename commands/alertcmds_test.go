package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/service"
	"github.com/partnerbot/partnerbot/store"
)

// alertEnv is a router for the alert commands: testenv's sandbox, store and fixed clock, shared
// by the router and (when wired) a real alert scanner, in Beijing's zone.
type alertEnv struct {
	*testenv.Env
	t   *testing.T
	loc *time.Location
}

// newAlertEnv builds the env; withScanner wires a real *alerts.Scanner as Options.Scanner.
func newAlertEnv(t *testing.T, withScanner bool, tweak func(*commands.Options)) *alertEnv {
	t.Helper()
	e := &alertEnv{t: t}
	var err error
	if e.loc, err = time.LoadLocation("Asia/Shanghai"); err != nil {
		e.loc = time.FixedZone("CST", 8*3600)
	}
	o := testenv.Options{Router: commands.Options{
		BotName: "partnerbot",
		Roles: map[string]chat.Role{
			"console:admin": chat.RoleAdmin, "console:alice": chat.RoleOperator,
			"console:bob": chat.RoleApprover, "slack:U1": chat.RoleViewer,
			"console:victor": chat.RoleViewer,
		},
		DefaultRole: chat.RoleNone,
		Location:    e.loc,
	}}
	if withScanner {
		o.Scanner, o.ScanCommand = &alerts.Options{Location: e.loc}, service.ScanCommand
	}
	if tweak != nil {
		tweak(&o.Router)
	}
	e.Env = testenv.New(t, o)
	return e
}

// in sends text as platform:user from channel and returns the reply and its flattened text.
func (e *alertEnv) in(user, channel, text string) (chat.Reply, string) {
	e.t.Helper()
	platform, id, _ := strings.Cut(user, ":")
	rep, ok := e.Router.Handle(context.Background(), chat.Request{Platform: platform, UserID: id, Channel: channel, Text: text})
	if !ok {
		e.t.Fatalf("%q was not handled", text)
	}
	return rep, flatten(rep)
}

func (e *alertEnv) subs(platform, channel string) []store.Subscription {
	e.t.Helper()
	subs, err := e.Store.Subscriptions(context.Background(), platform, channel)
	if err != nil {
		e.t.Fatal(err)
	}
	return subs
}

func (e *alertEnv) snoozes(platform, channel string) []store.Snooze {
	e.t.Helper()
	sns, err := e.Store.Snoozes(context.Background(), platform, channel)
	if err != nil {
		e.t.Fatal(err)
	}
	return sns
}

func (e *alertEnv) quiet(platform, channel string) *store.QuietHours {
	e.t.Helper()
	q, err := e.Store.QuietHours(context.Background(), platform, channel)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// outbox is every queued notice, however far in the future it is due.
func (e *alertEnv) outbox() []store.Notice {
	e.t.Helper()
	ns, err := e.Store.DueNotices(context.Background(), e.Clock.Now().Add(10*365*24*time.Hour), 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func (e *alertEnv) stamp(t time.Time) string { return t.In(e.loc).Format("2006-01-02 15:04") }

// field returns the value of the reply field labelled label.
func field(r chat.Reply, label string) (string, bool) {
	for _, f := range r.Fields {
		if f.Label == label {
			return f.Value, true
		}
	}
	return "", false
}

// subKey is a subscription's what-and-where, for comparing the store with expectations.
func subKey(s store.Subscription) string {
	days := make([]string, len(s.Days))
	for i, d := range s.Days {
		days[i] = fmt.Sprint(d)
	}
	return s.Kind + " " + s.Scope + " [" + strings.Join(days, ",") + "] " + s.ScopeName
}

// alertStep is one message of a scripted conversation and what must follow from it.
type alertStep struct {
	name    string
	user    string
	channel string // "" = c1
	text    string
	want    []string
	notWant []string
	wantErr bool
	check   func(t *testing.T, e *alertEnv) // state of the store afterwards
}

func runSteps(t *testing.T, e *alertEnv, steps []alertStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ch := st.channel
			if ch == "" {
				ch = "c1"
			}
			rep, text := e.in(st.user, ch, st.text)
			if rep.Error != st.wantErr {
				t.Errorf("%s: Error = %v, want %v:\n%s", st.text, rep.Error, st.wantErr, text)
			}
			for _, w := range st.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s: reply lacks %q:\n%s", st.text, w, text)
				}
			}
			for _, w := range st.notWant {
				if strings.Contains(text, w) {
					t.Errorf("%s: reply has %q:\n%s", st.text, w, text)
				}
			}
			if strings.Contains(text, "%!") {
				t.Errorf("%s: badly formatted reply:\n%s", st.text, text)
			}
			if st.check != nil {
				st.check(t, e)
			}
		})
	}
}

func TestSubscribeCommands(t *testing.T) {
	e := newAlertEnv(t, false, nil)
	ctx := context.Background()
	zs := e.Customer(e.t, "zhangsan")
	// What c1 should hold after each successful /subscribe, in order.
	allSub := "all * [30,15,7,3,1] " // "all" and labels are worded when shown, not stored
	zsSub := "expiry " + zs.ID + " [15,7,1] 张三 (zhangsan)"
	vipSub := "arrears label:vip [] "
	has := func(want ...string) func(t *testing.T, e *alertEnv) {
		return func(t *testing.T, e *alertEnv) {
			t.Helper()
			var got []string
			for _, s := range e.subs("console", "c1") {
				got = append(got, subKey(s))
			}
			if !slices.Equal(got, want) {
				t.Errorf("subscriptions of console:c1:\n got %q\nwant %q", got, want)
			}
		}
	}
	runSteps(t, e, []alertStep{
		{name: "nothing yet", user: "console:victor", text: "/subscriptions", want: []string{"console:c1 的提醒订阅", "本频道还没有订阅", "/subscribe all"}},
		{name: "subscribe all", user: "console:alice", text: "/subscribe all",
			want: []string{"已订阅 #1：到期、欠费和健康提醒 · 全部客户 · 提前 30,15,7,3,1 天。"}, check: has(allSub)},
		{name: "subscribe one customer, days sorted", user: "console:alice", text: "/subscribe expiry 张三 --days 1,15,7",
			want: []string{"已订阅 #2：到期提醒 · 张三 (zhangsan) · 提前 15,7,1 天。"}, check: has(allSub, zsSub)},
		{name: "Chinese alias, a label, no days for arrears", user: "console:admin", text: "/订阅 arrears label:vip",
			want: []string{"已订阅 #3：欠费提醒 · 标签 vip。"}, notWant: []string{"提前"}, check: has(allSub, zsSub, vipSub)},
		{name: "duplicate refused politely", user: "console:alice", text: "/subscribe all", wantErr: true,
			want: []string{"本频道已经有相同的订阅"}, check: has(allSub, zsSub, vipSub)},
		{name: "duplicate by customer id is the same subscription", user: "console:alice", text: "/subscribe expiry " + zs.ID + " --days 30",
			wantErr: true, want: []string{"本频道已经有相同的订阅"}, check: has(allSub, zsSub, vipSub)},
		{name: "duplicate by Chinese kind", user: "console:alice", text: "/订阅 全部 *", wantErr: true,
			want: []string{"本频道已经有相同的订阅"}, check: has(allSub, zsSub, vipSub)},
		{name: "bad kind", user: "console:alice", text: "/subscribe weather", wantErr: true,
			want: []string{"订阅类型 “weather” 无效", "expiry", "arrears", "all"}, check: has(allSub, zsSub, vipSub)},
		{name: "days zero", user: "console:alice", text: "/subscribe expiry lisi --days 0", wantErr: true,
			want: []string{"阈值 “0” 无效", "1–365"}, check: has(allSub, zsSub, vipSub)},
		{name: "days not a number", user: "console:alice", text: "/subscribe expiry lisi --days abc", wantErr: true,
			want: []string{"阈值 “abc” 无效"}, check: has(allSub, zsSub, vipSub)},
		{name: "days too large", user: "console:alice", text: "/subscribe expiry lisi --days 400", wantErr: true,
			want: []string{"阈值 “400” 无效"}, check: has(allSub, zsSub, vipSub)},
		{name: "eleven days", user: "console:alice", text: "/subscribe expiry lisi --days 1,2,3,4,5,6,7,8,9,10,11", wantErr: true,
			want: []string{"阈值 “1,2,3,4,5,6,7,8,9,10,11” 无效"}, check: has(allSub, zsSub, vipSub)},
		{name: "repeated day", user: "console:alice", text: "/subscribe expiry lisi --days 7,7", wantErr: true,
			want: []string{"阈值 “7,7” 无效"}, check: has(allSub, zsSub, vipSub)},
		{name: "days flag without a value", user: "console:alice", text: "/subscribe expiry lisi --days", wantErr: true,
			check: has(allSub, zsSub, vipSub)},
		{name: "unknown customer", user: "console:alice", text: "/subscribe expiry nobody-at-all", wantErr: true,
			want: []string{"没有找到与 “nobody-at-all” 匹配的客户"}, check: has(allSub, zsSub, vipSub)},
		{name: "ambiguous customer", user: "console:alice", text: "/subscribe expiry 科技", wantErr: true,
			want: []string{"匹配到"}, check: has(allSub, zsSub, vipSub)},
		{name: "empty label", user: "console:alice", text: "/subscribe expiry label:", wantErr: true,
			want: []string{"范围 “label:” 无效"}, check: has(allSub, zsSub, vipSub)},
		{name: "no kind at all", user: "console:alice", text: "/subscribe", wantErr: true,
			want: []string{"/subscribe 缺少参数"}, check: has(allSub, zsSub, vipSub)},
		{name: "viewer cannot subscribe", user: "slack:U1", text: "/subscribe all", wantErr: true,
			want: []string{"/subscribe 需要 操作员（operator） 角色"}, check: has(allSub, zsSub, vipSub)},
		{name: "approver is not an operator", user: "console:bob", text: "/subscribe all", channel: "c9", wantErr: true,
			want: []string{"/subscribe 需要 操作员（operator） 角色"},
			check: func(t *testing.T, e *alertEnv) {
				if s := e.subs("console", "c9"); len(s) != 0 {
					t.Errorf("stored %+v", s)
				}
			}},
		{name: "unknown user refused", user: "telegram:999", text: "/subscribe all", wantErr: true, want: []string{"telegram:999"},
			check: has(allSub, zsSub, vipSub)},
		{name: "another channel subscribes", user: "console:alice", channel: "c2", text: "/subscribe arrears lisi",
			want: []string{"已订阅 #4：欠费提醒 · 李四 (lisi)。"},
			check: func(t *testing.T, e *alertEnv) {
				if s := e.subs("console", "c2"); len(s) != 1 || s[0].ID != 4 || s[0].Scope != e.Customer(e.t, "lisi").ID {
					t.Errorf("console:c2 subscriptions %+v", s)
				}
			}},
	})

	// The subscription is stored with its author and channel.
	subs := e.subs("console", "c1")
	if len(subs) != 3 || subs[0].CreatedBy.Key() != "console:alice" || subs[0].Platform != "console" || subs[0].Channel != "c1" ||
		subs[0].FromConfig || !subs[0].CreatedAt.Equal(e.Clock.Now()) {
		t.Errorf("stored subscription %+v", subs)
	}
	// A configured subscription of c1, from the configuration file.
	if err := e.Store.SyncConfigSubscriptions(ctx, []store.Subscription{{Platform: "console", Channel: "c1", Kind: "expiry",
		Scope: "*", ScopeName: "全部客户", Days: []int{7}}}); err != nil {
		t.Fatal(err)
	}
	var cfgID uint64
	for _, s := range e.subs("console", "c1") {
		if s.FromConfig {
			cfgID = s.ID
		}
	}
	if cfgID == 0 {
		t.Fatal("configured subscription not stored")
	}
	otherID := e.subs("console", "c2")[0].ID

	runSteps(t, e, []alertStep{
		{name: "listing shows this channel's only", user: "console:victor", text: "/subscriptions",
			want: []string{"console:c1 的提醒订阅", "# | 订阅 | 订阅人",
				"1 | 到期、欠费和健康提醒 · 全部客户 · 提前 30,15,7,3,1 天 | console:alice",
				"2 | 到期提醒 · 张三 (zhangsan) · 提前 15,7,1 天 | console:alice",
				"3 | 欠费提醒 · 标签 vip | console:admin",
				fmt.Sprintf("%d | 到期提醒 · 全部客户 · 提前 7 天 · 来自配置", cfgID)},
			notWant: []string{"李四", "lisi", "设置"}},
		{name: "listing by alias", user: "console:alice", text: "/订阅列表", want: []string{"张三 (zhangsan)"}},
		{name: "listing of the other channel", user: "console:alice", channel: "c2", text: "/subscriptions",
			want: []string{"console:c2 的提醒订阅", "4 | 欠费提醒 · 李四 (lisi)"}, notWant: []string{"张三", "标签 vip", "来自配置"}},
		{name: "listing takes no argument", user: "console:alice", text: "/subscriptions c2", wantErr: true, want: []string{"参数太多"}},
		{name: "unsubscribe another channel's subscription", user: "console:admin", text: fmt.Sprintf("/unsubscribe-alerts %d", otherID),
			wantErr: true, want: []string{fmt.Sprintf("本频道没有编号为 %d 的订阅", otherID)},
			check: func(t *testing.T, e *alertEnv) {
				if len(e.subs("console", "c2")) != 1 {
					t.Error("another channel's subscription was removed")
				}
			}},
		{name: "unsubscribe a missing id", user: "console:alice", text: "/unsubscribe-alerts 999", wantErr: true,
			want: []string{"本频道没有编号为 999 的订阅"}},
		{name: "unsubscribe a configured subscription", user: "console:alice", text: fmt.Sprintf("/unsubscribe-alerts %d", cfgID),
			wantErr: true, want: []string{fmt.Sprintf("订阅 %d 来自配置文件", cfgID)},
			check: func(t *testing.T, e *alertEnv) {
				if len(e.subs("console", "c1")) != 4 {
					t.Error("a configured subscription was removed")
				}
			}},
		{name: "unsubscribe a bad id", user: "console:alice", text: "/unsubscribe-alerts abc", wantErr: true, want: []string{"“abc”"}},
		{name: "viewer cannot unsubscribe", user: "slack:U1", text: "/unsubscribe-alerts 1", wantErr: true,
			want: []string{"/unsubscribe-alerts 需要 操作员（operator） 角色"},
			check: func(t *testing.T, e *alertEnv) {
				if len(e.subs("console", "c1")) != 4 {
					t.Error("a viewer removed a subscription")
				}
			}},
		{name: "unsubscribe one's own", user: "console:alice", text: "/取消订阅 #2",
			want: []string{"已取消订阅 #2：到期提醒 · 张三 (zhangsan) · 提前 15,7,1 天。"},
			check: func(t *testing.T, e *alertEnv) {
				for _, s := range e.subs("console", "c1") {
					if s.ID == 2 {
						t.Error("subscription 2 still stored")
					}
				}
				if len(e.subs("console", "c1")) != 3 {
					t.Errorf("c1 has %d subscriptions, want 3", len(e.subs("console", "c1")))
				}
			}},
		{name: "unsubscribe twice", user: "console:alice", text: "/unsubscribe-alerts 2", wantErr: true,
			want: []string{"本频道没有编号为 2 的订阅"}},
		{name: "subscribe again after removal", user: "console:alice", text: "/subscribe expiry zhangsan --days 15,7,1",
			want: []string{"张三 (zhangsan)", "提前 15,7,1 天"}, notWant: []string{"#2："}},
	})

	// Quiet hours and snoozes are listed apart, under the settings, for this channel only.
	for _, text := range []string{"/quiet 22:00-08:00", "/snooze 张三 3d"} {
		if rep, out := e.in("console:alice", "c1", text); rep.Error {
			t.Fatalf("%s: %s", text, out)
		}
	}
	rep, text := e.in("console:victor", "c1", "/subscriptions")
	wantLines := []string{"免打扰 22:00–08:00", zs.ID + " 静音至 " + e.stamp(e.Clock.Now().Add(72*time.Hour))}
	if rep.Error || rep.Table == nil || len(rep.Table.Rows) != 4 || len(rep.Sections) != 1 || rep.Sections[0].Title != "设置" ||
		!slices.Equal(rep.Sections[0].Lines, wantLines) {
		t.Errorf("listing with settings, want the lines %q under 设置:\n%s", wantLines, text)
	}
	if _, text := e.in("console:victor", "c2", "/subscriptions"); strings.Contains(text, "设置") || strings.Contains(text, "静音") {
		t.Errorf("another channel's settings listed:\n%s", text)
	}

	// Subscribing and unsubscribing are audited by the store, with the channel.
	recs, err := e.Store.RecentAudit(ctx, 100, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range recs {
		if strings.HasPrefix(r.Command, "subscribe #") || strings.HasPrefix(r.Command, "unsubscribe #") {
			seen = append(seen, r.Platform+":"+r.UserID+" "+r.Command)
		}
	}
	for _, w := range []string{"console:alice subscribe #1 all *", "console:alice subscribe #2 expiry " + zs.ID,
		"console:admin subscribe #3 arrears label:vip", "console:alice unsubscribe #2 expiry " + zs.ID} {
		if !slices.Contains(seen, w) {
			t.Errorf("no audit entry %q in %q", w, seen)
		}
	}
}

func TestSnoozeCommands(t *testing.T) {
	e := newAlertEnv(t, false, nil)
	now := e.Clock.Now()
	zs := e.Customer(e.t, "zhangsan")
	rid := e.Srv.Resources(zs.ID)[0].ResourceID
	snoozed := func(want map[string]time.Time) func(t *testing.T, e *alertEnv) {
		return func(t *testing.T, e *alertEnv) {
			t.Helper()
			got := map[string]time.Time{}
			for _, sn := range e.snoozes("console", "c1") {
				got[sn.Target] = sn.Until
				if sn.By.Key() == "" || sn.Platform != "console" || sn.Channel != "c1" || !sn.At.Equal(now) {
					t.Errorf("snooze %+v", sn)
				}
			}
			if len(got) != len(want) {
				t.Errorf("snoozes %v, want %v", got, want)
			}
			for k, v := range want {
				if !got[k].Equal(v) {
					t.Errorf("snooze of %s until %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
		}
	}
	zs3d, rid12h := now.Add(72*time.Hour), now.Add(12*time.Hour)
	runSteps(t, e, []alertStep{
		{name: "snooze a customer for 3 days", user: "console:alice", text: "/snooze 张三 3d",
			want: []string{"已静音 张三 (zhangsan) 的提醒，直到 " + e.stamp(zs3d)}, check: snoozed(map[string]time.Time{zs.ID: zs3d})},
		{name: "snooze a resource id for 12 hours", user: "console:alice", text: "/静音 " + rid + " 12h",
			want:  []string{"已静音 " + rid + " 的提醒，直到 " + e.stamp(rid12h)},
			check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "duration forever", user: "console:alice", text: "/snooze lisi forever", wantErr: true,
			want: []string{"时长 “forever” 无效", "90"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "duration over 90 days", user: "console:alice", text: "/snooze lisi 100d", wantErr: true,
			want: []string{"时长 “100d” 无效"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "duration zero", user: "console:alice", text: "/snooze lisi 0h", wantErr: true,
			want: []string{"时长 “0h” 无效"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "no duration", user: "console:alice", text: "/snooze 张三", wantErr: true,
			want: []string{"/snooze 缺少参数"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "short unknown customer", user: "console:alice", text: "/snooze nobody 3d", wantErr: true,
			want: []string{"没有找到与 “nobody” 匹配的客户"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "mistyped Chinese name is not taken for an id", user: "console:alice", text: "/snooze 张三丰 3d", wantErr: true,
			want: []string{"没有找到与 “张三丰” 匹配的客户"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "long name without digits is not taken for an id", user: "console:alice", text: "/snooze nobody-at-all 3d", wantErr: true,
			want: []string{"没有找到与 “nobody-at-all” 匹配的客户"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "viewer cannot snooze", user: "slack:U1", text: "/snooze 张三 1d", wantErr: true,
			want: []string{"/snooze 需要 操作员（operator） 角色"}, check: snoozed(map[string]time.Time{zs.ID: zs3d, rid: rid12h})},
		{name: "settings show quiet hours and snoozes", user: "console:victor", text: "/subscriptions",
			want: []string{"本频道还没有订阅", "设置", zs.ID + " 静音至 " + e.stamp(zs3d), rid + " 静音至 " + e.stamp(rid12h)}},
		{name: "snoozes are per channel", user: "console:victor", channel: "c2", text: "/subscriptions", notWant: []string{"静音至", "设置"}},
		{name: "snooze again replaces", user: "console:alice", text: "/snooze zhangsan 2w",
			want:  []string{"直到 " + e.stamp(now.Add(14*24*time.Hour))},
			check: snoozed(map[string]time.Time{zs.ID: now.Add(14 * 24 * time.Hour), rid: rid12h})},
		{name: "unsnooze the customer", user: "console:alice", text: "/unsnooze 张三", want: []string{"已恢复 张三 (zhangsan) 的提醒。"},
			check: snoozed(map[string]time.Time{rid: rid12h})},
		{name: "unsnooze again", user: "console:alice", text: "/unsnooze 张三", wantErr: true, want: []string{"张三 (zhangsan) 没有被静音。"},
			check: snoozed(map[string]time.Time{rid: rid12h})},
		{name: "unsnooze the resource by alias", user: "console:alice", text: "/取消静音 " + rid, want: []string{"已恢复 " + rid + " 的提醒。"},
			check: snoozed(map[string]time.Time{})},
		{name: "unsnooze something never snoozed", user: "console:alice", text: "/unsnooze lisi", wantErr: true,
			want: []string{"李四 (lisi) 没有被静音。"}},
	})

	// A snooze is over when its time is: listed no more, and unsnooze says it is not silenced.
	if _, text := e.in("console:alice", "c1", "/snooze lisi 30m"); !strings.Contains(text, "已静音") {
		t.Fatalf("snooze lisi: %s", text)
	}
	e.Clock.Advance(31 * time.Minute)
	if sns := e.snoozes("console", "c1"); len(sns) != 0 {
		t.Errorf("expired snooze still listed: %+v", sns)
	}
	if rep, text := e.in("console:alice", "c1", "/unsnooze lisi"); !rep.Error || !strings.Contains(text, "没有被静音") {
		t.Errorf("unsnooze of an expired snooze: %s", text)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"30m", 30 * time.Minute}, {"12h", 12 * time.Hour}, {"3d", 72 * time.Hour}, {"2w", 14 * 24 * time.Hour},
		{"3天", 72 * time.Hour}, {"5小时", 5 * time.Hour}, {"1周", 7 * 24 * time.Hour}, {"90d", 90 * 24 * time.Hour},
		{"12H", 12 * time.Hour}, {"2 days", 48 * time.Hour},
		{"forever", 0}, {"100d", 0}, {"91d", 0}, {"0m", 0}, {"", 0}, {"3", 0}, {"-3d", 0}, {"1.5h", 0}, {"13w", 0},
	}
	for _, tc := range tests {
		got, ok := commands.ParseDuration(tc.in)
		if ok != (tc.want > 0) || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v %v, want %v", tc.in, got, ok, tc.want)
		}
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"30,15,7,3,1", []int{30, 15, 7, 3, 1}},
		{"1,15,7", []int{15, 7, 1}},
		{"7，3", []int{7, 3}},
		{"365", []int{365}},
		{"1,2,3,4,5,6,7,8,9,10", []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"0", nil}, {"abc", nil}, {"400", nil}, {"366", nil}, {"7,7", nil}, {"", nil}, {",", nil}, {"-1", nil},
		{"1,2,3,4,5,6,7,8,9,10,11", nil},
	}
	for _, tc := range tests {
		got, ok := commands.ParseDays(tc.in)
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("ParseDays(%q) = %v %v, want %v", tc.in, got, ok, tc.want)
		}
	}
}

func TestQuietCommand(t *testing.T) {
	e := newAlertEnv(t, false, nil)
	quietIs := func(want *store.QuietHours) func(t *testing.T, e *alertEnv) {
		return func(t *testing.T, e *alertEnv) {
			t.Helper()
			got := e.quiet("console", "c1")
			if (got == nil) != (want == nil) || got != nil && *got != *want {
				t.Errorf("quiet hours %+v, want %+v", got, want)
			}
		}
	}
	night := &store.QuietHours{Start: "22:00", End: "08:00"}
	runSteps(t, e, []alertStep{
		{name: "none yet", user: "slack:U1", text: "/quiet", wantErr: true,
			want: []string{"/quiet 需要 操作员（operator） 角色"}},
		{name: "none yet, operator", user: "console:alice", text: "/quiet", want: []string{"本频道没有免打扰时段。"}, check: quietIs(nil)},
		{name: "set over midnight", user: "console:alice", text: "/quiet 22:00-08:00",
			want: []string{"免打扰时段已设为 22:00–08:00（Asia/Shanghai）"}, check: quietIs(night)},
		{name: "show", user: "console:alice", text: "/quiet", want: []string{"免打扰 22:00–08:00"}, check: quietIs(night)},
		{name: "settings list it", user: "console:victor", text: "/subscriptions", want: []string{"设置", "免打扰 22:00–08:00"}},
		{name: "another channel has none", user: "console:alice", channel: "c2", text: "/quiet", want: []string{"本频道没有免打扰时段。"}},
		{name: "hour out of range", user: "console:alice", text: "/quiet 25:00-08:00", wantErr: true,
			want: []string{"免打扰时段 “25:00-08:00” 无效"}, check: quietIs(night)},
		{name: "empty window", user: "console:alice", text: "/quiet 22:00-22:00", wantErr: true,
			want: []string{"免打扰时段 “22:00-22:00” 无效"}, check: quietIs(night)},
		{name: "not a window", user: "console:alice", text: "/quiet soon", wantErr: true,
			want: []string{"免打扰时段 “soon” 无效"}, check: quietIs(night)},
		{name: "minutes out of range", user: "console:alice", text: "/quiet 22:60-08:00", wantErr: true, check: quietIs(night)},
		{name: "single-digit hours are padded", user: "console:alice", text: "/免打扰 8:30至9:00",
			want: []string{"08:30–09:00"}, check: quietIs(&store.QuietHours{Start: "08:30", End: "09:00"})},
		{name: "spaces around the dash", user: "console:alice", text: "/quiet 12:00 - 14:00",
			want: []string{"12:00–14:00"}, check: quietIs(&store.QuietHours{Start: "12:00", End: "14:00"})},
		{name: "quoted window", user: "console:alice", text: `/quiet "22:00 ~ 08:00"`,
			want: []string{"22:00–08:00"}, check: quietIs(night)},
		{name: "off", user: "console:alice", text: "/quiet off", want: []string{"已取消免打扰时段。"}, check: quietIs(nil)},
		{name: "off again", user: "console:alice", text: "/免打扰 关闭", want: []string{"已取消免打扰时段。"}, check: quietIs(nil)},
		{name: "shown as none", user: "console:alice", text: "/quiet", want: []string{"本频道没有免打扰时段。"}},
		{name: "settings gone", user: "console:victor", text: "/subscriptions", notWant: []string{"设置", "免打扰"}},
	})
}

func TestScanCommandWithoutScanner(t *testing.T) {
	e := newAlertEnv(t, false, nil)
	runSteps(t, e, []alertStep{
		{name: "not enabled", user: "console:admin", text: "/scan expiry", wantErr: true, want: []string{"本进程没有启用提醒扫描。"}},
		{name: "not enabled, alias", user: "console:admin", text: "/扫描 欠费", wantErr: true, want: []string{"本进程没有启用提醒扫描。"}},
		{name: "bad kind", user: "console:admin", text: "/scan weather", wantErr: true, want: []string{"扫描类型 “weather” 无效"}},
		{name: "no kind", user: "console:admin", text: "/scan", wantErr: true, want: []string{"/scan 缺少参数"}},
	})
}

func TestScanCommand(t *testing.T) {
	e := newAlertEnv(t, true, nil)
	var expiryNotices int
	runSteps(t, e, []alertStep{
		{name: "viewer cannot scan", user: "slack:U1", text: "/scan expiry", wantErr: true,
			want: []string{"/scan 需要 管理员（admin） 角色"}},
		{name: "operator cannot scan", user: "console:alice", text: "/scan expiry", wantErr: true,
			want: []string{"/scan 需要 管理员（admin） 角色，您的角色是 操作员（operator）"}},
		{name: "approver cannot scan", user: "console:bob", text: "/scan arrears", wantErr: true, want: []string{"管理员（admin）"}},
		{name: "bad kind", user: "console:admin", text: "/scan weather", wantErr: true, want: []string{"扫描类型 “weather” 无效"}},
		{name: "all is not a scan kind", user: "console:admin", text: "/scan all", wantErr: true, want: []string{"扫描类型 “all” 无效"}},
		{name: "nothing subscribed", user: "console:admin", text: "/scan expiry",
			want: []string{"扫描结果：到期提醒", "范围内客户: 0", "新提醒: 0", "消息 → 频道: 0 → 0"},
			check: func(t *testing.T, e *alertEnv) {
				if ns := e.outbox(); len(ns) != 0 {
					t.Errorf("outbox %+v", ns)
				}
			}},
		{name: "subscribe all", user: "console:alice", text: "/subscribe all", want: []string{"已订阅 #1"}},
	})

	rep, text := e.in("console:admin", "c1", "/scan expiry")
	if rep.Error {
		t.Fatalf("/scan expiry:\n%s", text)
	}
	if rep.Title != "扫描结果：到期提醒" {
		t.Errorf("title %q", rep.Title)
	}
	num := func(label string) int {
		t.Helper()
		v, ok := field(rep, label)
		if !ok {
			t.Fatalf("no field %q:\n%s", label, text)
		}
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil {
			t.Fatalf("field %q = %q", label, v)
		}
		return n
	}
	if c, f, a := num("范围内客户"), num("窗口内到期资源"), num("新提醒"); c == 0 || f == 0 || a == 0 || a > f {
		t.Errorf("customers %d, found %d, alerted %d:\n%s", c, f, a, text)
	}
	ns := e.outbox()
	expiryNotices = len(ns)
	if v, _ := field(rep, "消息 → 频道"); v != fmt.Sprintf("%d → 1", expiryNotices) {
		t.Errorf("messages → channels %q, outbox holds %d", v, expiryNotices)
	}
	if expiryNotices == 0 {
		t.Fatal("no digest queued")
	}
	for i, n := range ns {
		if n.Platform != "console" || n.Channel != "c1" || n.Kind != "alert:expiry" {
			t.Errorf("notice %d: %+v", i, n)
		}
		var r chat.Reply
		if err := json.Unmarshal(n.Body, &r); err != nil || !strings.Contains(r.Title, "到期") {
			t.Errorf("notice %d body %s (%v)", i, n.Body, err)
		}
	}
	// The scan remembered who owns the resources it saw: /snooze takes one of their ids.
	zs := e.Customer(e.t, "zhangsan")
	var rid string
	for _, r := range e.Srv.Resources(zs.ID) {
		if r.IsMain && r.ExpireTime.Before(e.Clock.Now().Add(7*24*time.Hour)) && r.ExpireTime.After(e.Clock.Now()) {
			rid = r.ResourceID
		}
	}
	if rid == "" {
		t.Fatal("张三 has no resource expiring within 7 days")
	}
	if _, ok, err := e.Store.Owner(context.Background(), rid); err != nil || !ok {
		t.Errorf("owner of %s not remembered: %v %v", rid, ok, err)
	}

	runSteps(t, e, []alertStep{
		{name: "the same scan again alerts nothing", user: "console:admin", text: "/scan expiry",
			want: []string{"新提醒: 0", "消息 → 频道: 0 → 0"},
			check: func(t *testing.T, e *alertEnv) {
				if n := len(e.outbox()); n != expiryNotices {
					t.Errorf("outbox holds %d notices, want %d", n, expiryNotices)
				}
			}},
		{name: "arrears", user: "console:admin", text: "/扫描 arrears",
			want: []string{"扫描结果：欠费提醒", "欠费客户: 6", "新提醒: 6", "消息 → 频道: 1 → 1"},
			check: func(t *testing.T, e *alertEnv) {
				ns := e.outbox()
				if len(ns) != expiryNotices+1 {
					t.Fatalf("outbox holds %d notices, want %d", len(ns), expiryNotices+1)
				}
				last := ns[len(ns)-1]
				if last.Kind != "alert:arrears" || last.Platform != "console" || last.Channel != "c1" {
					t.Errorf("arrears notice %+v", last)
				}
			}},
		{name: "arrears again alerts nothing", user: "console:admin", text: "/scan arrears", want: []string{"新提醒: 0"}},
	})

	// A BSS failure while listing customers is explained, not an internal error.
	e.Srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Status: 500, Times: 1})
	if rep, text := e.in("console:admin", "c1", "/scan arrears"); !rep.Error || !strings.Contains(text, "查询华为云失败") {
		t.Errorf("scan with BSS down:\n%s", text)
	}
}

func TestScanCommandSnoozedAndQuiet(t *testing.T) {
	e := newAlertEnv(t, true, nil)
	zs := e.Customer(e.t, "zhangsan")
	for _, text := range []string{"/subscribe expiry 张三", "/snooze 张三 1d"} {
		if rep, out := e.in("console:alice", "c1", text); rep.Error {
			t.Fatalf("%s: %s", text, out)
		}
	}
	if rep, text := e.in("console:admin", "c1", "/scan expiry"); rep.Error || !strings.Contains(text, "新提醒: 0") {
		t.Errorf("a snoozed customer was alerted:\n%s", text)
	}
	if ns := e.outbox(); len(ns) != 0 {
		t.Errorf("outbox %+v", ns)
	}
	if rep, text := e.in("console:alice", "c1", "/unsnooze 张三"); rep.Error {
		t.Fatal(text)
	}
	// Quiet hours around now: the digest waits for their end.
	local := e.Clock.Now().In(e.loc)
	start, end := local.Add(-time.Hour).Format("15:04"), local.Add(2*time.Hour).Format("15:04")
	if rep, text := e.in("console:alice", "c1", "/quiet "+start+"-"+end); rep.Error {
		t.Fatal(text)
	}
	rep, text := e.in("console:admin", "c1", "/scan expiry")
	if rep.Error || strings.Contains(text, "新提醒: 0") {
		t.Fatalf("after unsnooze:\n%s", text)
	}
	ns := e.outbox()
	if len(ns) == 0 {
		t.Fatal("nothing queued")
	}
	for _, n := range ns {
		if !n.NextAttempt.Equal(e.Clock.Now().Add(2*time.Hour)) || !strings.Contains(string(n.Body), zs.ID) {
			t.Errorf("notice due %v, want the end of the quiet hours %v", n.NextAttempt, e.Clock.Now().Add(2*time.Hour))
		}
	}
}

func TestAlertCommandsInEnglish(t *testing.T) {
	e := newAlertEnv(t, false, nil)
	zs := e.Customer(e.t, "zhangsan")
	now := e.Clock.Now()
	runSteps(t, e, []alertStep{
		{name: "switch", user: "console:alice", text: "/lang en", want: []string{"English"}},
		{name: "subscribe", user: "console:alice", text: "/subscribe expiry 张三 --days 7,30",
			want: []string{"Subscribed #1: expiry alerts · 张三 (zhangsan) · 30,7 days ahead."}},
		{name: "subscribe all", user: "console:alice", text: "/subscribe all",
			want: []string{"Subscribed #2: expiry, arrears and health alerts · all customers · 30,15,7,3,1 days ahead."}},
		{name: "label", user: "console:alice", text: "/subscribe arrears label:vip", want: []string{"arrears alerts · label vip"}},
		{name: "duplicate", user: "console:alice", text: "/subscribe all", wantErr: true, want: []string{"This channel already has that subscription."}},
		{name: "bad kind", user: "console:alice", text: "/subscribe weather", wantErr: true, want: []string{`Invalid alert kind "weather"`}},
		{name: "bad days", user: "console:alice", text: "/subscribe all --days 0", wantErr: true, want: []string{`Invalid thresholds "0"`}},
		{name: "snooze", user: "console:alice", text: "/snooze 张三 3d",
			want: []string{"Alerts about 张三 (zhangsan) are silenced until " + e.stamp(now.Add(72*time.Hour))}},
		{name: "bad duration", user: "console:alice", text: "/snooze 张三 forever", wantErr: true, want: []string{`Invalid duration "forever"`}},
		{name: "quiet", user: "console:alice", text: "/quiet 22:00-08:00", want: []string{"Quiet hours set to 22:00–08:00 (Asia/Shanghai)"}},
		{name: "bad quiet", user: "console:alice", text: "/quiet soon", wantErr: true, want: []string{`Invalid quiet hours "soon"`}},
		{name: "listing", user: "console:alice", text: "/subscriptions",
			want: []string{"Alert subscriptions of console:c1", "# | Subscription | By", "Settings", "quiet hours 22:00–08:00",
				zs.ID + " silenced until"},
			notWant: []string{"订阅", "免打扰", "静音"}},
		{name: "unsubscribe missing", user: "console:alice", text: "/unsubscribe-alerts 9", wantErr: true,
			want: []string{"This channel has no subscription 9."}},
		{name: "unsubscribe", user: "console:alice", text: "/unsubscribe-alerts 1", want: []string{"Removed subscription #1: expiry alerts"}},
		{name: "unsnooze", user: "console:alice", text: "/unsnooze 张三", want: []string{"Alerts about 张三 (zhangsan) are back on."}},
		{name: "unsnooze again", user: "console:alice", text: "/unsnooze 张三", wantErr: true, want: []string{"张三 (zhangsan) is not silenced."}},
		{name: "quiet off", user: "console:alice", text: "/quiet off", want: []string{"Quiet hours removed."}},
		{name: "quiet none", user: "console:alice", text: "/quiet", want: []string{"This channel has no quiet hours."}},
		{name: "scan refused", user: "console:alice", text: "/scan expiry", wantErr: true, want: []string{"/scan needs the admin role; yours is operator."}},
		{name: "another user still Chinese", user: "console:admin", text: "/scan expiry", wantErr: true, want: []string{"本进程没有启用提醒扫描。"}},
		{name: "admin in English", user: "console:admin", text: "/lang en", want: []string{"English"}},
		{name: "scan not enabled", user: "console:admin", text: "/scan expiry", wantErr: true,
			want: []string{"Alert scans are not enabled in this process."}},
		{name: "scan bad kind", user: "console:admin", text: "/scan weather", wantErr: true, want: []string{`Invalid scan "weather"`}},
	})
}

func TestScanCommandInEnglish(t *testing.T) {
	e := newAlertEnv(t, true, func(o *commands.Options) { o.Lang = lang.En })
	if rep, text := e.in("console:alice", "c1", "/subscribe arrears"); rep.Error {
		t.Fatal(text)
	}
	rep, text := e.in("console:admin", "c1", "/scan arrears")
	for _, w := range []string{"Scan: arrears alerts", "Customers in scope:", "Customers in arrears: 6", "New alerts: 6", "Messages → channels: 1 → 1", "Took:"} {
		if rep.Error || !strings.Contains(text, w) {
			t.Errorf("reply lacks %q:\n%s", w, text)
		}
	}
}

// TestScanCommandDelta: /scan says whether the scan was full or delta, and what a delta scan
// saved, in both languages.
func TestScanCommandDelta(t *testing.T) {
	scanner := &laterScanner{}
	e := newAlertEnv(t, false, func(o *commands.Options) { o.Scanner = scanner })
	scanner.Scanner = alerts.New(e.Client, e.Store, alerts.Options{Now: e.Clock.Now, Location: e.loc, Delta: true})
	runSteps(t, e, []alertStep{
		{name: "subscribe all", user: "console:alice", text: "/subscribe expiry", want: []string{"已订阅 #1"}},
		{name: "the first scan is full", user: "console:admin", text: "/scan expiry",
			want: []string{"扫描方式: 全量", "BSS 调用: "}, notWant: []string{"节省"}},
	})
	e.Clock.Advance(24 * time.Hour)
	runSteps(t, e, []alertStep{
		{name: "the next is a delta", user: "console:admin", text: "/scan expiry",
			want: []string{"扫描方式: 增量", "重新查询的客户: ", "（有新订单 ", "全量扫描需 ", "节省 "}},
		{name: "in English", user: "console:admin", text: "/lang en"},
		{name: "the next in English", user: "console:admin", text: "/scan expiry",
			want: []string{"Mode: delta", "Customers asked again: ", "(orders ", "a full scan: ", "; saved "}},
		{name: "arrears scans say their calls", user: "console:admin", text: "/scan arrears", want: []string{"BSS calls: "},
			notWant: []string{"Mode"}},
	})
}

// laterScanner is a scanner wired into the router before it is built.
type laterScanner struct{ *alerts.Scanner }

func (l *laterScanner) ScanNow(ctx context.Context, kind string) (commands.ScanResult, error) {
	return service.ScanCommand(l.Scanner).ScanNow(ctx, kind)
}
