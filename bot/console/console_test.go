package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

// env is the sandbox over real HTTP, a real client and store, and a router for console:admin.
type env struct {
	srv    *bsstest.Server
	client *bss.Client
	st     *store.Store
	router *commands.Router
	now    func() time.Time // the environment's clock, fixed at bsstest.TestTime
	te     *testenv.Env
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, bsstest.Options{})
}

// newEnvWith is newEnv on a sandbox with other options (its own data set, say).
func newEnvWith(t *testing.T, sandbox bsstest.Options) *env {
	t.Helper()
	te := testenv.New(t, testenv.Options{Sandbox: sandbox, BSS: func(c *bss.Config) { c.Timeout = 30 * time.Second }})
	e := &env{srv: te.Srv, client: te.Client, st: te.Store, now: te.Clock.Now, te: te}
	e.router = e.newRouter()
	return e
}

// newRouter builds a fresh router over the same client and store (a restarted bot).
func (e *env) newRouter() *commands.Router {
	return commands.New(e.client, e.st, commands.Options{
		Roles:       map[string]chat.Role{"console:admin": chat.RoleAdmin},
		DefaultRole: chat.RoleViewer,
		Now:         e.now,
	})
}

// run feeds script to a console as console:admin and returns everything it wrote.
func (e *env) run(t *testing.T, h bot.Router, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var out strings.Builder
	c := console.Console{In: strings.NewReader(script), Out: &out, UserID: "admin"}
	if err := c.Run(ctx, bot.NewHandler(h)); err != nil {
		t.Fatalf("Run(%q) = %v, want nil", script, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("Run(%q) did not finish in time; output so far:\n%s", script, out.String())
	}
	return out.String()
}

// tableRows returns the rows of the first table in out (the lines after the "----" rule, up to
// the first blank or footer line), each split into cells on runs of two or more spaces.
func tableRows(out string) [][]string {
	var rows [][]string
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case !in && strings.HasPrefix(l, "---"):
			in = true
		case !in && strings.HasPrefix(l, "• "): // a table too wide for a phone: one entry per row
			rows = append(rows, []string{strings.TrimPrefix(l, "• ")})
			in = true
		case in && (l == "" || strings.HasPrefix(l, "(") || strings.HasPrefix(l, "[")):
			return rows
		case in && strings.HasPrefix(l, "• "):
			rows = append(rows, []string{strings.TrimPrefix(l, "• ")})
		case in && strings.HasPrefix(l, " ") && len(rows) > 0 && !strings.Contains(out, "\n---"):
			last := rows[len(rows)-1]
			last[0] += " " + strings.TrimSpace(l)
		case in:
			rows = append(rows, cellSep.Split(l, -1))
		}
	}
	return rows
}

var stampRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`)

var cellSep = regexp.MustCompile(`\s{2,}`)

// yuan formats fen as the bot shows money: "CNY 4,026.06".
func yuan(m bsstest.Money) string {
	s := fmt.Sprintf("%d.%02d", int64(m)/100, int64(m)%100)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return "CNY " + b.String() + "." + frac
}

func TestConsoleCommands(t *testing.T) {
	e := newEnv(t)
	zs := e.te.Customer(t, "zhangsan")
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		script  string
		want    []string // substrings of the output
		notWant []string
		check   func(t *testing.T, out string)
	}{
		{
			name:   "help lists every command",
			script: "/help\n",
			want:   []string{"== partnerbot 命令 ==", "/customer (/客户)", "/audit (/审计)"},
			check: func(t *testing.T, out string) {
				for _, c := range e.router.Commands() {
					if !regexp.MustCompile(`(?m)^(• )?/` + regexp.QuoteMeta(c.Name) + `\b`).MatchString(out) {
						t.Errorf("/help does not list /%s", c.Name)
					}
				}
			},
		},
		{
			name:   "help for one command",
			script: "/help resources\n",
			want:   []string{"== /resources ==", "/resources <客户>", "--expiring", "/资源 张三 --expiring 30"},
		},
		{
			name:   "customer by name",
			script: "/customer 张三\n",
			want:   []string{"客户：张三 (zhangsan)", zs.ID, "账号名:", "zhangsan", "可用余额:", yuan(zs.Balance)},
		},
		{
			name:   "customer alias",
			script: "/客户 zhangsan\n",
			want:   []string{"客户：张三 (zhangsan)", zs.ID, yuan(zs.Balance)},
		},
		{
			name:   "customer buttons are commands to type",
			script: "/customer 张三\n",
			want:   []string{"[资源] /resources " + zs.ID + "\n", "[订单] /orders " + zs.ID + "\n"},
		},
		{
			name:   "customer not found",
			script: "/customer 没有这个人\n",
			want:   []string{"没有找到与 “没有这个人” 匹配的客户"},
		},
		{
			name:   "resources grouped with attached ones",
			script: "/resources 张三\n",
			want:   []string{"张三 (zhangsan) 的包年/包月资源", "  - 附属：", "(第 1/1 页，共 5 项 · 时间为北京时间 (UTC+8))"},
			check: func(t *testing.T, out string) {
				checkResourceGroups(t, e.srv.Resources(zs.ID), out)
			},
		},
		{
			name:    "resources alias with expiry window",
			script:  "/资源 张三 --expiring 7\n",
			want:    []string{"张三 (zhangsan) 在 7 天内到期的资源", "zhangsan-web-01", "zhangsan-bw-01"},
			notWant: []string{"zhangsan-mysql-01", "zhangsan-app-02"},
		},
		{
			name:   "missing argument",
			script: "/resources\n",
			want:   []string{"/resources 缺少参数。", "用法：/resources <客户>"},
		},
		{
			name:   "arrears largest first",
			script: "/arrears\n",
			want:   []string{"== 欠费客户 ==", "共 6 个客户欠费"},
			check: func(t *testing.T, out string) {
				var debtors []bsstest.Customer
				for _, c := range e.srv.Customers() {
					if c.AssociationType == "2" && c.Debt > 0 {
						debtors = append(debtors, c)
					}
				}
				sort.Slice(debtors, func(i, j int) bool {
					if debtors[i].Debt != debtors[j].Debt {
						return debtors[i].Debt > debtors[j].Debt
					}
					return debtors[i].ID < debtors[j].ID
				})
				rows := tableRows(out)
				if len(rows) != len(debtors) {
					t.Fatalf("arrears table has %d rows, the sandbox has %d debtors:\n%s", len(rows), len(debtors), out)
				}
				for i, d := range debtors {
					got := rows[i]
					if len(got) != 4 || got[1] != d.AccountName || got[3] != yuan(d.Debt) {
						t.Errorf("row %d = %q, want account %s owing %s", i, got, d.AccountName, yuan(d.Debt))
					}
				}
			},
		},
		{
			name:   "expiring sorted by time with a next-page button",
			script: "/expiring 7\n",
			want:   []string{"== 7 天内到期的包年/包月资源 ==", "(第 1/"},
			check: func(t *testing.T, out string) {
				now := e.now()
				rows := tableRows(out)
				if len(rows) != 10 {
					t.Fatalf("want a full first page of 10 rows, got %d:\n%s", len(rows), out)
				}
				times := expiryTimes(t, rows, shanghai)
				if !slices.IsSortedFunc(times, func(a, b time.Time) int { return a.Compare(b) }) {
					t.Errorf("rows are not sorted by expiry: %v", times)
				}
				for _, tm := range times {
					if tm.Before(now.Add(-time.Minute)) || tm.After(now.Add(7*24*time.Hour)) {
						t.Errorf("expiry %v is outside the next 7 days", tm)
					}
				}
				var total int
				for _, c := range e.srv.Customers() {
					for _, r := range e.srv.Resources(c.ID) {
						if r.IsMain && !r.ExpireTime.Before(now) && !r.ExpireTime.After(now.Add(7*24*time.Hour)) {
							total++
						}
					}
				}
				pages := (total + 9) / 10
				footer := fmt.Sprintf("(第 1/%d 页，共 %d 项 · 时间为北京时间 (UTC+8))", pages, total)
				if !strings.Contains(out, footer) {
					t.Errorf("want footer %q (from the sandbox's data) in:\n%s", footer, out)
				}
				if !regexp.MustCompile(`(?m)^\[下一页\] /expiring 7 --page 2$`).MatchString(out) {
					t.Errorf("no next-page button line in:\n%s", out)
				}
			},
		},
		{
			name:   "unknown command suggests",
			script: "/custmer 张三\n",
			want:   []string{"没有 /custmer 这个命令。", "您是不是想输入：/customer", "输入 /help 查看全部命令。"},
		},
		{
			name:   "a path is no command: the hint",
			script: "/var/log is full\n",
			want:   []string{"（请输入以 / 开头的命令，例如 /帮助）"},
		},
		{
			name:   "a sentence is answered with the command understood",
			script: "张三的余额是多少？\n",
			want:   []string{"我理解为：/balance 张三", "zhangsan"},
		},
		{
			name:   "a sentence not understood gets suggestions",
			script: "今天天气怎么样\n",
			want:   []string{"没有看懂", "/expiring"},
		},
		{
			name:    "quit stops reading",
			script:  "/help\n/quit\n/customer 张三\n",
			want:    []string{"== partnerbot 命令 =="},
			notWant: []string{"zhangsan"},
		},
		{
			name:    "exit and blank lines",
			script:  "\n   \nexit\n/customer 张三\n",
			notWant: []string{"zhangsan", "type a command"},
		},
		{
			name:   "last line without newline",
			script: "/customer 张三",
			want:   []string{zs.ID},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := e.run(t, e.router, tt.script)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

// checkResourceGroups checks that every attached resource of the customer is listed as an
// "附属" line in the section of its main resource.
// unwrap joins the lines a reply wrapped to fit text.MaxColumns (indented four spaces, under a
// list item) back onto the line they continue.
func unwrap(out string) string { return strings.ReplaceAll(out, "\n    ", " ") }

func checkResourceGroups(t *testing.T, rs []bsstest.Resource, out string) {
	t.Helper()
	names := map[string]string{}
	for _, r := range rs {
		names[r.ResourceID] = r.Name
	}
	section := ""
	attachedIn := map[string]string{} // attached resource id → section title
	for _, l := range strings.Split(unwrap(out), "\n") {
		switch {
		case strings.HasPrefix(l, "* "):
			section = strings.TrimPrefix(l, "* ")
		case strings.HasPrefix(l, "  - 附属："):
			for _, r := range rs {
				if strings.Contains(l, "("+r.ResourceID+")") {
					attachedIn[r.ResourceID] = section
				}
			}
		}
	}
	n := 0
	for _, r := range rs {
		if r.IsMain {
			if !strings.Contains(out, "* "+r.Name+" · ") {
				t.Errorf("main resource %s has no section", r.Name)
			}
			continue
		}
		n++
		sec, ok := attachedIn[r.ResourceID]
		if !ok {
			t.Errorf("attached resource %s (%s) is not listed", r.Name, r.ResourceID)
			continue
		}
		if parent := names[r.ParentResourceID]; !strings.HasPrefix(sec, parent+" · ") {
			t.Errorf("attached resource %s is under %q, want under its main resource %s", r.Name, sec, parent)
		}
	}
	if n == 0 {
		t.Fatal("张三 has no attached resources in the sandbox; the test checks nothing")
	}
}

// expiryTimes reads the expiry ("2006-01-02 15:04 (...)") of /expiring rows or entries.
func expiryTimes(t *testing.T, rows [][]string, loc *time.Location) []time.Time {
	t.Helper()
	var out []time.Time
	for _, r := range rows {
		stamp := stampRE.FindString(strings.Join(r, " "))
		if stamp == "" {
			t.Fatalf("row %q has no time", r)
		}
		tm, err := time.ParseInLocation("2006-01-02 15:04", stamp, loc)
		if err != nil {
			t.Fatalf("row %q: %v", r, err)
		}
		// Minutes are truncated: the true expiry is within the minute after.
		out = append(out, tm.Add(59*time.Second))
	}
	return out
}

// TestConsoleFollowsButton types the command of the next-page button, as a click would.
func TestConsoleFollowsButton(t *testing.T) {
	e := newEnv(t)
	first := e.run(t, e.router, "/expiring 7\n")
	m := regexp.MustCompile(`(?m)^\[[^\]]+\] (/expiring 7 --page 2)$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no next-page button in:\n%s", first)
	}
	second := e.run(t, e.router, m[1]+"\n")
	if !strings.Contains(second, "(第 2/") {
		t.Fatalf("the button's command did not show page 2:\n%s", second)
	}
	if !regexp.MustCompile(`(?m)^\[上一页\] /expiring 7 --page 1$`).MatchString(second) {
		t.Errorf("page 2 has no previous-page button:\n%s", second)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	p1, p2 := expiryTimes(t, tableRows(first), loc), expiryTimes(t, tableRows(second), loc)
	if len(p2) == 0 || p2[0].Before(p1[len(p1)-1]) {
		t.Errorf("page 2 starts at %v, before the end of page 1 (%v)", p2, p1[len(p1)-1])
	}
}

func TestConsoleLanguagePersists(t *testing.T) {
	e := newEnv(t)
	out := e.run(t, e.router, "/lang en\n/customer 张三\n")
	_, after, ok := strings.Cut(out, "OK, I will answer you in English from now on.")
	if !ok {
		t.Fatalf("/lang en was not acknowledged in English:\n%s", out)
	}
	for _, w := range []string{"Customer: 张三 (zhangsan)", "Customer id:", "Account:", "Available balance:"} {
		if !strings.Contains(after, w) {
			t.Errorf("the reply after /lang en lacks %q:\n%s", w, after)
		}
	}
	if strings.Contains(after, "客户 ID") {
		t.Errorf("the reply after /lang en is still in Chinese:\n%s", after)
	}

	// A new console and a new router (a restarted bot) on the same store still answer in English.
	out = e.run(t, e.newRouter(), "/nosuch\n")
	if !strings.Contains(out, "There is no command /nosuch.") {
		t.Errorf("the language preference did not persist:\n%s", out)
	}
	// Another user is unaffected.
	var buf strings.Builder
	c := console.Console{In: strings.NewReader("/nosuch\n"), Out: &buf, UserID: "bob"}
	if err := c.Run(context.Background(), bot.NewHandler(e.router)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "没有 /nosuch 这个命令。") {
		t.Errorf("console:bob should still get Chinese:\n%s", buf.String())
	}

	out = e.run(t, e.router, "/语言 zh\n/nosuch\n")
	if !strings.Contains(out, "好的，以后用中文回复您。") || !strings.Contains(out, "没有 /nosuch 这个命令。") {
		t.Errorf("switching back to Chinese failed:\n%s", out)
	}
}

func TestConsoleRoles(t *testing.T) {
	e := newEnv(t)
	var buf strings.Builder
	c := console.Console{In: strings.NewReader("/audit\n"), Out: &buf, UserID: "alice"}
	if err := c.Run(context.Background(), bot.NewHandler(e.router)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "/audit 需要 管理员（admin） 角色") {
		t.Errorf("a viewer ran /audit:\n%s", buf.String())
	}
	out := e.run(t, e.router, "/audit\n")
	if !strings.Contains(out, "console:alice") || !strings.Contains(out, "无权限") {
		t.Errorf("the admin's /audit does not show alice's denied attempt:\n%s", out)
	}
}

func TestConsoleAudit(t *testing.T) {
	e := newEnv(t)
	script := []string{"/help", "/customer 张三", "/nosuch", "/resources"}
	e.run(t, e.router, strings.Join(append(script, "今天天气怎么样", "/quit", "/arrears"), "\n")+"\n")

	es, err := e.st.RecentAudit(context.Background(), 100, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	results := map[string]string{}
	for _, en := range slices.Backward(es) { // oldest first
		got = append(got, en.Command)
		results[en.Command] = en.Result
		if en.Platform != "console" || en.UserID != "admin" || en.Channel != "console" {
			t.Errorf("audit entry %+v: want platform console, user admin, channel console", en)
		}
		if en.At.IsZero() {
			t.Errorf("audit entry %q has no time", en.Command)
		}
	}
	if !slices.Equal(got, script) {
		t.Errorf("audited commands = %q, want %q (a sentence not understood and lines after /quit are not audited)", got, script)
	}
	for cmd, want := range map[string]string{"/help": "ok", "/customer 张三": "ok", "/nosuch": "unknown", "/resources": "invalid"} {
		if results[cmd] != want {
			t.Errorf("audit result of %q = %q, want %q", cmd, results[cmd], want)
		}
	}
}

func TestConsoleBSSFailure(t *testing.T) {
	e := newEnv(t)
	e.srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Status: 500, Times: 1})
	out := e.run(t, e.router, "/customer 张三\n/customer 张三\n")
	first, second, ok := strings.Cut(out, "\n\n")
	if !ok {
		t.Fatalf("want two replies:\n%s", out)
	}
	if flat := strings.ReplaceAll(first, "\n", ""); !strings.Contains(flat, "华为云") || !strings.Contains(flat, "请稍后再试") {
		t.Errorf("the failure is not explained in Chinese:\n%s", first)
	}
	for _, bad := range []string{"panic", "goroutine", "error_code", "{"} {
		if strings.Contains(first, bad) {
			t.Errorf("the failure reply shows %q to the user:\n%s", bad, first)
		}
	}
	if !strings.Contains(second, "客户：张三 (zhangsan)") {
		t.Errorf("the console did not recover after the failure:\n%s", second)
	}
	if n := e.srv.CallCount("POST", "/v2/partners/sub-customers/query"); n < 2 {
		t.Errorf("sandbox saw %d customer queries, want the failed one and the retry by the user", n)
	}

	es, err := e.st.RecentAudit(context.Background(), 10, store.AuditFilter{Result: "error"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Command != "/customer 张三" || es[0].Platform != "console" {
		t.Fatalf("audit errors = %+v, want the one failed /customer", es)
	}
	// The reply quotes the request id for Huawei support, and the audit log keeps it.
	// (Only the ids' values are compared: the router currently records the id twice,
	// "id,id", once in the handler and once in errorReply.)
	quoted := regexp.MustCompile(`[0-9a-f]{32}`).FindString(first)
	if quoted == "" {
		t.Errorf("the failure reply quotes no request id:\n%s", first)
	}
	for _, id := range strings.Split(es[0].RequestID, ",") {
		if id != quoted {
			t.Errorf("audit request id %q, want the id quoted in the reply %q", es[0].RequestID, quoted)
		}
	}
}

func TestConsoleBSSFailureEveryCall(t *testing.T) {
	e := newEnv(t)
	e.srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Status: 500})
	for _, cmd := range []string{"/customer 张三", "/arrears", "/expiring", "/resources 张三"} {
		out := e.run(t, e.router, cmd+"\n")
		if !strings.Contains(out, "华为云") {
			t.Errorf("%s: the failure is not explained:\n%s", cmd, out)
		}
	}
}

func TestConsoleBanner(t *testing.T) {
	e := newEnv(t)
	var buf strings.Builder
	c := console.Console{In: strings.NewReader("/help\n"), Out: &buf, UserID: "admin", Banner: "hello banner", Prompt: "> "}
	if err := c.Run(context.Background(), bot.NewHandler(e.router)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "hello banner\n> ") {
		t.Errorf("want the banner then a prompt first:\n%s", out)
	}
	// One prompt before each read: before /help and before EOF.
	if n := strings.Count(out, "\n> "); n != 2 {
		t.Errorf("%d prompts, want 2:\n%s", n, out)
	}
}

// fakeHandler answers every command with its text, records calls, and can block.
type fakeHandler struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeHandler) Handle(ctx context.Context, req chat.Request) (chat.Reply, bool) {
	f.mu.Lock()
	f.calls = append(f.calls, req.Platform+":"+req.UserID+"#"+req.Channel+" "+req.Text)
	f.mu.Unlock()
	if !strings.HasPrefix(req.Text, "/") {
		return chat.Reply{}, false
	}
	return chat.Reply{Text: "echo " + req.Text}, true
}

func TestConsoleEOF(t *testing.T) {
	h := &fakeHandler{}
	var buf strings.Builder
	c := console.Console{In: strings.NewReader("  /one  \n/two"), Out: &buf, UserID: "u1"}
	if err := c.Run(context.Background(), bot.NewHandler(h)); err != nil {
		t.Fatalf("Run at EOF = %v, want nil", err)
	}
	want := []string{"console:u1#console /one", "console:u1#console /two"}
	if !slices.Equal(h.calls, want) {
		t.Errorf("calls = %q, want %q (lines trimmed)", h.calls, want)
	}
	if buf.String() != "echo /one\n\necho /two\n\n" {
		t.Errorf("output = %q", buf.String())
	}
}

func TestConsoleReadError(t *testing.T) {
	h := &fakeHandler{}
	boom := errors.New("boom")
	c := console.Console{In: io.MultiReader(strings.NewReader("/one\n"), errReader{boom}), Out: io.Discard}
	if err := c.Run(context.Background(), bot.NewHandler(h)); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the read error", err)
	}
	// A line longer than 64 KiB is answered with an error and skipped, not truncated, and the
	// console goes on.
	var out bytes.Buffer
	h2 := &fakeHandler{}
	c = console.Console{In: strings.NewReader("/" + strings.Repeat("x", 70*1024) + "\n/after\n"), Out: &out}
	if err := c.Run(context.Background(), bot.NewHandler(h2)); err != nil {
		t.Fatalf("Run with a 70 KiB line = %v", err)
	}
	if !strings.Contains(out.String(), "（输入过长，最多 65536 字节）") {
		t.Errorf("no error for the long line: %q", out.String()[:min(200, out.Len())])
	}
	if len(h2.calls) != 1 || !strings.HasSuffix(h2.calls[0], " /after") {
		t.Errorf("handled %q, want only /after", h2.calls)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestConsoleContextCancel(t *testing.T) {
	h := &fakeHandler{}
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() }) // releases the reader goroutine blocked in Read
	var out testenv.SyncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		c := console.Console{In: pr, Out: &out, UserID: "admin"}
		done <- c.Run(ctx, bot.NewHandler(h))
	}()
	// The write returns once the console's reader has the line.
	if _, err := io.WriteString(pw, "/one\n"); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled (input still open)")
	}
}

// cancelHandler cancels the console's context while handling "/cancel".
type cancelHandler struct {
	fakeHandler
	cancel context.CancelFunc
}

func (h *cancelHandler) Handle(ctx context.Context, req chat.Request) (chat.Reply, bool) {
	if req.Text == "/cancel" {
		h.cancel()
	}
	return h.fakeHandler.Handle(ctx, req)
}

func TestConsoleCancelledDuringCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &cancelHandler{cancel: cancel}
	c := console.Console{In: strings.NewReader("/cancel\n/two\n/three\n/four\n"), Out: io.Discard, UserID: "admin"}
	if err := c.Run(ctx, bot.NewHandler(h)); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if len(h.calls) != 1 {
		t.Errorf("after its context was cancelled the console still handled %q", h.calls[1:])
	}
}

func TestConsoleCancelledBeforeStart(t *testing.T) {
	h := &fakeHandler{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := console.Console{In: strings.NewReader("/one\n/two\n/three\n"), Out: io.Discard, UserID: "admin"}
	if err := c.Run(ctx, bot.NewHandler(h)); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if len(h.calls) != 0 {
		t.Errorf("a cancelled console handled %q", h.calls)
	}
}

// consoleGoroutines counts goroutines started by Console.Run that are still alive.
func consoleGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "console.(*Console).Run.func")
}

// TestConsoleNoLeakAfterQuit checks that Run leaves no reader goroutine behind when it stops
// on /quit with input left unread (the context is never cancelled).
func TestConsoleNoLeakAfterQuit(t *testing.T) {
	h := &fakeHandler{}
	for range 5 {
		c := console.Console{In: strings.NewReader("/one\n/quit\n/two\n/three\n"), Out: io.Discard, UserID: "admin"}
		if err := c.Run(context.Background(), bot.NewHandler(h)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for consoleGoroutines() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d console reader goroutines still running after Run returned on /quit", consoleGoroutines())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestConsoleStaysAfterEOFBesideOtherAdapters: with other adapters serving, the end of piped
// input ends only the console's reading; it returns when the bot stops. /quit still returns.
func TestConsoleStaysAfterEOFBesideOtherAdapters(t *testing.T) {
	h := bot.NewHandler(&fakeHandler{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out strings.Builder
	c := &console.Console{In: strings.NewReader("/help\n"), Out: &out, UserID: "admin", StayAfterEOF: true}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, h) }()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v at the end of input", err)
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v after the bot stopped", err)
	}
	if !strings.Contains(out.String(), "（输入结束：控制台已关闭，机器人继续为其他平台服务，直到被停止）") {
		t.Errorf("the end of input is not explained:\n%s", out.String())
	}
	c = &console.Console{In: strings.NewReader("/quit\n"), Out: &out, UserID: "admin", StayAfterEOF: true}
	if err := c.Run(context.Background(), h); err != nil {
		t.Fatalf("/quit: %v", err)
	}
}

// The console cannot edit: a long command's progress is a line per report, then the answer.
func TestProgressLines(t *testing.T) {
	e := newEnv(t)
	router := commands.New(e.client, e.st, commands.Options{Now: e.now, ProgressAfter: -1, ProgressEvery: -1,
		Roles: map[string]chat.Role{"console:admin": chat.RoleAdmin}})
	out := e.run(t, router, "/expiring 60 --live\n")
	n := len(e.srv.Customers())
	if got := strings.Count(out, "… 处理中："); got != n {
		t.Errorf("%d progress lines, want one per customer (%d):\n%s", got, n, out)
	}
	last := fmt.Sprintf("… 处理中：%d / %d 个客户", n, n)
	if i, j := strings.Index(out, last), strings.Index(out, "天内到期"); i < 0 || j < i {
		t.Errorf("want the last progress line %q before the answer:\n%s", last, out)
	}
}
