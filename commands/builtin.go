package commands

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// builtins is the registry of read-only commands. Each entry is the single source of its
// usage, aliases, examples and role, from which /help is generated.
func builtins() []*Command {
	return []*Command{
		{Name: "help", Aliases: []string{"帮助", "h"}, Args: "[command]", Summary: "sum.help", Role: chat.RoleViewer,
			MaxArgs: 1, Examples: []string{"/help", "/help resources"}, Run: runHelp},
		{Name: "customer", Aliases: []string{"客户", "cust"}, Args: "<name|account|id> [--live]", Summary: "sum.customer", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: -1, JoinArgs: true, Flags: []Flag{{Name: "live", Bool: true, Help: "opt.live"}}, Examples: []string{"/customer 张三", "/客户 ACME Ltd"}, Run: runCustomer},
		{Name: "balance", Aliases: []string{"余额", "bal"}, Args: "[customer]", Summary: "sum.balance", Role: chat.RoleViewer,
			MaxArgs: -1, JoinArgs: true, Examples: []string{"/balance 张三", "/余额"}, Run: runBalance},
		{Name: "resources", Aliases: []string{"资源", "res"}, Args: "<customer> [--expiring N] [--page N]", Summary: "sum.resources", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: -1, JoinArgs: true,
			Flags:    []Flag{{Name: "expiring", Help: "opt.expiring"}, {Name: "page", Help: "opt.page"}},
			Examples: []string{"/resources 张三", "/资源 张三 --expiring 30"}, Run: runResources},
		{Name: "expiring", Aliases: []string{"到期", "exp"}, Args: "[days] [label:X] [customer:ID] [--live] [--page N]", Summary: "sum.expiring", Role: chat.RoleViewer,
			MaxArgs: 1 + cmdline.MaxExpiringLabels + cmdline.MaxExpiringCustomers, Flags: []Flag{{Name: "live", Bool: true, Help: "opt.live"}, {Name: "page", Help: "opt.page"}},
			Examples: []string{"/expiring", "/到期 7", "/expiring 30 label:vip", "/expiring 30 customer:be91a0883f0024ee34e67de972ccdaab", "/expiring 7 --live"}, Run: runExpiring},
		{Name: "arrears", Aliases: []string{"欠费", "debt"}, Args: "[--page N]", Summary: "sum.arrears", Role: chat.RoleViewer,
			MaxArgs: 0, Flags: []Flag{{Name: "page", Help: "opt.page"}},
			Examples: []string{"/arrears", "/欠费"}, Run: runArrears},
		{Name: "forecast", Aliases: []string{"预测"}, Args: "[customer|label:X|*] [--days N | --month YYYY-MM] [--page N]", Summary: "sum.forecast", Role: chat.RoleViewer,
			MaxArgs: -1, JoinArgs: true,
			Flags:    []Flag{{Name: "days", Help: "opt.fc_days"}, {Name: "month", Help: "opt.fc_month"}, {Name: "page", Help: "opt.page"}},
			Examples: []string{"/forecast", "/预测 张三 --days 30", "/forecast label:vip --days 10"}, Run: runForecast},
		{Name: "report", Aliases: []string{"报告"}, Args: "[week|month] [customer|label:X|*] [--out FILE]", Summary: "sum.report", Role: chat.RoleViewer,
			MaxArgs: -1, Flags: []Flag{{Name: "out", Help: "opt.report_out"}}, Timeout: reportTimeout,
			Examples: []string{"/report", "/报告 month label:vip", "/report week 张三"}, Run: runReport},
		{Name: "orders", Aliases: []string{"订单"}, Args: "<customer> [--status S] [--page N]", Summary: "sum.orders", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: -1, JoinArgs: true,
			Flags:    []Flag{{Name: "status", Help: "opt.status"}, {Name: "page", Help: "opt.page"}},
			Examples: []string{"/orders 张三", "/订单 张三 --status pending"}, Run: runOrders},
		{Name: "order", Aliases: []string{"订单详情"}, Args: "<order-id>", Summary: "sum.order", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/orders 张三", "/order CS2611250000ABCD"}, Run: runOrder},
		{Name: "price", Aliases: []string{"询价"}, Args: "<customer> <service> <spec> [--region R] [--period 1m..11m|1y..3y] [--qty N] [--size N]",
			Summary: "sum.price", Role: chat.RoleViewer, MinArgs: 3, MaxArgs: 3,
			Flags: []Flag{{Name: "region", Help: "opt.region"}, {Name: "period", Help: "opt.period"},
				{Name: "qty", Help: "opt.qty"}, {Name: "size", Help: "opt.size"}},
			Examples: []string{"/price 张三 ecs s6.large.2.linux --period 1y", "/询价 张三 evs SSD --size 100 --period 3m"}, Run: runPrice},
		{Name: "lang", Aliases: []string{"语言", "language"}, Args: "zh|en", Summary: "sum.lang", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/lang en", "/语言 zh"}, Run: runLang},
		{Name: "audit", Aliases: []string{"审计"}, Args: "[n]", Summary: "sum.audit", Role: chat.RoleAdmin,
			MaxArgs: 1, Examples: []string{"/audit", "/audit 50"}, Run: runAudit},
		{Name: "notices", Aliases: []string{"搁置通知"}, Summary: "sum.notices", Role: chat.RoleAdmin,
			Examples: []string{"/notices"}, Run: runNotices},
		{Name: "resend", Aliases: []string{"重发"}, Args: "<notice-id>", Summary: "sum.resend", Role: chat.RoleAdmin,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/notices", "/resend 42"}, Run: runResend},
	}
}

func runHelp(ctx context.Context, c *Call) (chat.Reply, error) {
	if name := strings.TrimPrefix(strings.TrimPrefix(c.Arg(0), "/"), "／"); name != "" {
		cmd := c.r.index[strings.ToLower(name)]
		if cmd == nil {
			text := c.Lang.T("err.unknown_command", name)
			if s := c.r.suggest(strings.ToLower(name)); len(s) > 0 {
				text += "\n" + c.Lang.T("err.did_you_mean", "/"+strings.Join(s, "  /"))
			}
			return chat.Reply{}, &userError{text: text, result: "invalid"}
		}
		return c.helpFor(cmd), nil
	}
	t := &chat.Table{Columns: []string{c.Lang.T("help.col.cmd"), c.Lang.T("help.col.desc"), c.Lang.T("help.col.role")}}
	for _, cmd := range c.r.cmds {
		if !c.Role.Allows(cmd.Role) {
			continue
		}
		name := "/" + cmd.Name
		if len(cmd.Aliases) > 0 {
			name += " (/" + cmd.Aliases[0] + ")"
		}
		t.Rows = append(t.Rows, []string{name, c.Lang.T(cmd.Summary), c.Lang.T("role." + cmd.Role.String())})
	}
	t.Head = []int{0, 1} // a compact entry: the command and what it does, then who may run it
	return chat.Reply{Title: c.Lang.T("help.title"), Text: c.Lang.T("help.intro"), Table: t}, nil
}

func (c *Call) helpFor(cmd *Command) chat.Reply {
	fields := []chat.Field{{Label: c.Lang.T("help.usage"), Value: cmd.usageIn(c.Lang)}}
	if len(cmd.Aliases) > 0 {
		fields = append(fields, chat.Field{Label: c.Lang.T("help.aliases"), Value: "/" + strings.Join(cmd.Aliases, "  /")})
	}
	fields = append(fields, chat.Field{Label: c.Lang.T("help.role"), Value: c.Lang.T("role." + cmd.Role.String())})
	var lines []string
	for _, f := range cmd.Flags {
		lines = append(lines, "--"+f.Name+"  "+c.Lang.T(f.Help))
	}
	secs := []chat.Section{}
	if len(lines) > 0 {
		secs = append(secs, chat.Section{Title: c.Lang.T("help.options"), Lines: lines})
	}
	if len(cmd.Examples) > 0 {
		secs = append(secs, chat.Section{Title: c.Lang.T("help.examples"), Lines: cmd.Examples})
	}
	return chat.Reply{Title: "/" + cmd.Name, Text: c.Lang.T(cmd.Summary), Fields: fields, Sections: secs}
}

func runLang(ctx context.Context, c *Call) (chat.Reply, error) {
	l, ok := lang.ParseLang(c.Arg(0))
	if !ok {
		return chat.Reply{}, c.fail("err.bad_lang", c.Arg(0))
	}
	if !c.r.isDirect(c.Req) && c.Role >= chat.RoleOperator {
		// In a channel, an operator or admin sets the channel's language: its alerts and the
		// replies to those who chose none.
		p, err := c.r.store.ChannelPrefs(ctx, c.Req.Platform, c.Req.Channel)
		if err != nil {
			return chat.Reply{}, err
		}
		p.Lang = string(l)
		if err := c.r.store.SetChannelPrefs(ctx, c.Req.Platform, c.Req.Channel, p); err != nil {
			return chat.Reply{}, err
		}
		return chat.Reply{Text: l.T("lang.set_channel"), Lang: string(l)}, nil
	}
	p, err := c.r.store.Prefs(ctx, c.Req.User())
	if err != nil {
		return chat.Reply{}, err
	}
	p.Lang = string(l)
	if err := c.r.store.SetPrefs(ctx, c.Req.User(), p); err != nil {
		return chat.Reply{}, err
	}
	if c.Req.Channel != "" && c.Req.Channel != "exec" && c.Req.Platform != "console" && c.r.isDirect(c.Req) {
		// A direct conversation is this person's own: the alerts it subscribed to follow the
		// person's language.
		cp, err := c.r.store.ChannelPrefs(ctx, c.Req.Platform, c.Req.Channel)
		if err != nil {
			return chat.Reply{}, err
		}
		cp.Lang = string(l)
		if err := c.r.store.SetChannelPrefs(ctx, c.Req.Platform, c.Req.Channel, cp); err != nil {
			return chat.Reply{}, err
		}
	}
	c.Lang = l
	return chat.Reply{Text: l.T("lang.set"), Lang: string(l)}, nil
}

func runAudit(ctx context.Context, c *Call) (chat.Reply, error) {
	n := 20
	if a := c.Arg(0); a != "" {
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 || v > 200 {
			return chat.Reply{}, c.fail("err.arg_int", "n", 1, 200, a)
		}
		n = v
	}
	es, err := c.r.store.RecentAudit(ctx, n, store.AuditFilter{})
	if err != nil {
		return chat.Reply{}, err
	}
	if len(es) == 0 {
		return chat.Reply{Text: c.Lang.T("audit.none")}, nil
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].ID > es[j].ID })
	t := &chat.Table{Columns: []string{c.Lang.T("audit.col.when"), c.Lang.T("audit.col.who"), c.Lang.T("audit.col.cmd"), c.Lang.T("audit.col.res")}}
	for _, e := range es {
		cmd := e.Command
		if r := []rune(cmd); len(r) > 60 {
			cmd = string(r[:60]) + "…"
		}
		res := e.Result
		if k := "audit.res." + res; c.Lang.Has(k) {
			res = c.Lang.T(k)
		}
		t.Rows = append(t.Rows, []string{c.stamp(e.At), c.r.nameWithID(store.Actor{Platform: e.Platform, UserID: e.UserID, UserName: e.UserName}), cmd, res})
	}
	t.Head = []int{0, 1} // a compact entry: when and who, then the command and its result
	return chat.Reply{Title: c.Lang.T("audit.title", len(es)), Table: t}, nil
}
