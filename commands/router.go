package commands

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/internal/fuzzy"
	"github.com/partnerbot/partnerbot/internal/logging"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/understand"
)

// BSS is what the commands need of the Huawei Cloud BSS client (*bss.Client implements it).
type BSS interface {
	ListCustomers(ctx context.Context, f bss.CustomerFilter, offset, limit int) (*bss.CustomerPage, error)
	Customers(ctx context.Context, f bss.CustomerFilter) iter.Seq2[bss.Customer, error]
	CustomerBalances(ctx context.Context, customerIDs []string) ([]bss.CustomerBalance, error)
	PartnerBalances(ctx context.Context, indirectPartnerID string) ([]bss.AccountBalance, error)
	ListResources(ctx context.Context, f bss.ResourceFilter, offset, limit int) (*bss.ResourcePage, error)
	AllResources(ctx context.Context, f bss.ResourceFilter) ([]bss.Resource, error)
	ListOrders(ctx context.Context, f bss.OrderFilter, offset, limit int) (*bss.OrderPage, error)
	OrderDetail(ctx context.Context, orderID string) (*bss.OrderDetail, error)
	PeriodPrice(ctx context.Context, customer bss.CustomerRef, req bss.PeriodPriceRequest) (*bss.PeriodPrice, error)
	RenewPrice(ctx context.Context, customer bss.CustomerRef, req bss.RenewPriceRequest) (*bss.RenewPrice, error)
	ListQuotas(ctx context.Context, f bss.QuotaFilter, offset, limit int) (*bss.QuotaPage, error)

	// Mutations: only ever called for an approved request, exactly once.
	Renew(ctx context.Context, customer bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error)
	Unsubscribe(ctx context.Context, customer bss.CustomerRef, req bss.UnsubscribeRequest) (*bss.OrderResult, error)
	EnableAutoRenew(ctx context.Context, customer bss.CustomerRef, resourceID string, times *int) error
	DisableAutoRenew(ctx context.Context, customer bss.CustomerRef, resourceID string) error
	UpdatePeriodToOnDemand(ctx context.Context, customer bss.CustomerRef, operation string, resourceIDs []string) (*bss.ToOnDemandResult, error)
	// The international site's sub-customer budgets (only there: Supports).
	SubCustomerBudget(ctx context.Context, customerID, indirectPartnerID string) (*bss.SubCustomerBudget, error)
	UpdateSubCustomerBudget(ctx context.Context, u bss.BudgetUpdate) error
	ReclaimQuotas(ctx context.Context, quotaIDs []string, remark *string) (*bss.ReclaimResult, error)

	// Money (issue #15): reads, then mutations run only for an approved request, exactly once.
	Supports(op string) bool
	CustomerBalancesFor(ctx context.Context, indirectPartnerID string, customerIDs []string) ([]bss.CustomerBalance, error)
	AllMonthlyBills(ctx context.Context, f bss.MonthlyBillFilter) (*bss.BillSumPage, error)
	ChangeRecords(ctx context.Context, f bss.ChangeRecordFilter) iter.Seq2[bss.ChangeRecord, error]
	AdjustRecords(ctx context.Context, f bss.AdjustFilter) iter.Seq2[bss.AdjustRecord, error]
	ListCoupons(ctx context.Context, f bss.CouponFilter, offset, limit int) (*bss.CouponPage, error)
	Coupons(ctx context.Context, f bss.CouponFilter) iter.Seq2[bss.PartnerCoupon, error]
	ListIssuedQuotas(ctx context.Context, f bss.IssuedQuotaFilter, offset, limit int) (*bss.IssuedQuotaPage, error)
	ListOnDemandResources(ctx context.Context, f bss.OnDemandFilter, offset, limit int) (*bss.OnDemandPage, error)
	Allocate(ctx context.Context, req bss.TransferRequest) (*bss.Transfer, error)
	ReclaimBalance(ctx context.Context, req bss.TransferRequest) (*bss.Transfer, error)
	IssueCoupons(ctx context.Context, req bss.CouponIssue) (*bss.CouponIssueResult, error)
	ReclaimCoupon(ctx context.Context, couponID, indirectPartnerID string) error
}

// Store is what the commands need of the bot's state (*store.Store implements it).
type Store interface {
	AppendAudit(ctx context.Context, e store.AuditEntry) (uint64, error)
	FinishAudit(ctx context.Context, aa *store.ActionAudit, result, detail, requestID string, took time.Duration) (uint64, error)
	RecentAudit(ctx context.Context, n int, f store.AuditFilter) ([]store.AuditEntry, error)
	Prefs(ctx context.Context, user string) (store.Prefs, error)
	SetPrefs(ctx context.Context, user string, p store.Prefs) error
	ChannelPrefs(ctx context.Context, platform, channel string) (store.Prefs, error)
	SetChannelPrefs(ctx context.Context, platform, channel string, p store.Prefs) error
	RememberName(ctx context.Context, user, name string) error
	Names(ctx context.Context) (map[string]string, error)

	RememberOwners(ctx context.Context, owners map[string]string) error
	Owner(ctx context.Context, resourceID string) (customerID string, ok bool, err error)

	CreateApproval(ctx context.Context, a store.Approval, notices store.NoticeFunc) (store.Approval, error)
	Approval(ctx context.Context, id uint64) (store.Approval, error)
	Approve(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error)
	Reject(ctx context.Context, id uint64, by store.Actor, reason string, notices store.NoticeFunc) (store.Approval, error)
	Cancel(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error)
	BeginExecution(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error)
	FinishExecution(ctx context.Context, id uint64, res store.ApprovalResult, notices store.NoticeFunc) (store.Approval, error)
	ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.Approval, error)
	ExpireDue(ctx context.Context, notices store.NoticeFunc) ([]store.Approval, error)

	AddSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	Subscriptions(ctx context.Context, platform, channel string) ([]store.Subscription, error)
	RemoveSubscription(ctx context.Context, id uint64, platform, channel string, by store.Actor) (store.Subscription, error)
	Snooze(ctx context.Context, sn store.Snooze) error
	Unsnooze(ctx context.Context, platform, channel, target string, by store.Actor) (bool, error)
	Snoozes(ctx context.Context, platform, channel string) ([]store.Snooze, error)
	SetQuietHours(ctx context.Context, platform, channel string, q *store.QuietHours, by store.Actor) error
	QuietHours(ctx context.Context, platform, channel string) (*store.QuietHours, error)

	ParkedNotices(ctx context.Context) ([]store.Notice, error)
	RequeueNotice(ctx context.Context, id uint64) error

	// The arrears scan's balance cache, read by /arrears.
	BalanceCache(ctx context.Context) (store.BalanceCacheState, []store.CachedBalance, bool, error)

	// The customers' monthly budgets (/budget), which the forecast alerts watch.
	SetBudget(ctx context.Context, b store.Budget) error
	RemoveBudget(ctx context.Context, customerID string) (bool, error)
	Budgets(ctx context.Context) ([]store.Budget, error)
}

// Options configure a Router.
type Options struct {
	BotName     string               // the bot's username, for "/cmd@botname"
	Roles       map[string]chat.Role // "platform:user-id" → role
	DefaultRole chat.Role            // for users not in Roles (RoleNone refuses them)
	Lang        lang.Lang            // default language; zh when empty
	Location    *time.Location       // time zone for display; Asia/Shanghai when nil
	Now         func() time.Time
	Logger      *slog.Logger
	PageSize    int // rows per page of a listing; default 10
	Concurrency int // parallel BSS queries of cross-customer commands; default 4
	// LiveMaxCustomers is the most customers a --live cross-customer answer queries one by
	// one; above it the answer comes from the last scan's index only; default 200.
	LiveMaxCustomers int
	// ProgressAfter is how long a command runs before its progress is shown (where the
	// adapter listens, see chat.WithProgress); default 3s. ProgressEvery is the least time between
	// two progress reports; default 2s. Negative: at once, every time (tests).
	ProgressAfter, ProgressEvery time.Duration

	// Actions and their four-eyes approval.
	Approvals        int           // approvals needed besides the requester; default 1
	ExpireAfter      time.Duration // a request not approved and run by then expires; default 24h
	ApprovalsChannel string        // "platform:channel" told of every new request; empty = none
	// ActionChannels allowlists where actions may be requested, approved, rejected or cancelled,
	// as "platform:channel" or "platform:*". The approvals channel is always allowed. Read-only
	// commands work everywhere.
	ActionChannels []string

	// Scanner runs alert scans for /scan; nil when alerts are not wired.
	Scanner Scanner
	// ExpiryIndex is the alert scanner's expiry index, which cross-customer answers read
	// (index.go); nil: they ask BSS.
	ExpiryIndex ExpiryIndex

	// Forecaster gathers the renewal and arrears forecast /forecast shows (forecast.go); nil:
	// /forecast says it is not enabled.
	Forecaster Forecaster

	// SettleAfter is how long after an action was sent with an unknown outcome (a time-out,
	// a 5xx, a crash) BSS state is read to settle it; default 2 minutes. A request another
	// replica (or an earlier run) began is settled no earlier than ActionTimeout after it began
	// either, since that replica may still be in its call.
	SettleAfter time.Duration

	// DirectMessages reports whether a requester who asked in channel should also hear of the
	// decisions and result in person: the platform's running adapter can message users, and
	// channel is not already their direct conversation. nil: nobody is messaged directly.
	DirectMessages func(platform, channel, user string) bool

	// IsDirect reports whether channel is the direct conversation with user on platform, where
	// /lang sets the person's language rather than the channel's. nil, or false: only a
	// channel named like the user (Telegram's private chats) and the console and exec count.
	IsDirect func(platform, channel, user string) bool

	// CommandTimeout is the overall deadline of one command, BSS calls included; default 60s.
	CommandTimeout time.Duration
	// ActionTimeout bounds an approved action's BSS execution, which the command's deadline
	// does not cut short once the request is executing, and each settling check; default 3m.
	ActionTimeout time.Duration

	// Observer, when set, is told of every command handled (metrics).
	Observer Observer

	// Lexicon lists the customers and labels a sentence may name (see sentence.go); nil: BSS's
	// list of customers, with their labels.
	Lexicon func(ctx context.Context) ([]understand.Entry, error)
}

// Observer is told of each command the router handled, once it is answered. It must not block.
type Observer interface {
	// ObserveCommand: name is the command's registry name, or "" when the text named none
	// (unparsable, unknown); outcome is the audit result ("ok", "invalid", "denied",
	// "unknown", "error") or, for a polite refusal by the command, its reason ("not-found").
	ObserveCommand(ctx context.Context, name, outcome string, took time.Duration)
}

// Router parses chat messages, checks roles, runs commands and audits them.
type Router struct {
	bss   BSS
	store Store
	joins joiner
	opts  Options
	loc   *time.Location
	log   *slog.Logger
	cmds  []*Command
	index map[string]*Command // by name and alias

	inflightMu sync.Mutex
	inflight   map[uint64]bool // requests this process is executing now
	begun      map[uint64]bool // requests this process began executing and has not finished

	names people // display names seen on the platforms' events

	lex lexiconCache // the names sentences are read with
}

// New builds a Router with every command registered.
func New(b BSS, s Store, opts Options) *Router {
	if opts.Lang == "" {
		opts.Lang = lang.Zh
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 10
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.LiveMaxCustomers <= 0 {
		opts.LiveMaxCustomers = 200
	}
	if opts.ProgressAfter == 0 {
		opts.ProgressAfter = 3 * time.Second
	}
	if opts.ProgressEvery == 0 {
		opts.ProgressEvery = 2 * time.Second
	}
	if opts.Approvals <= 0 {
		opts.Approvals = 1
	}
	if opts.ExpireAfter <= 0 {
		opts.ExpireAfter = 24 * time.Hour
	}
	if opts.SettleAfter <= 0 {
		opts.SettleAfter = 2 * time.Minute
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 60 * time.Second
	}
	if opts.ActionTimeout <= 0 {
		opts.ActionTimeout = 3 * time.Minute
	}
	loc := opts.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Asia/Shanghai"); err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
	}
	r := &Router{bss: b, store: s, opts: opts, loc: loc, log: opts.Logger, index: map[string]*Command{}, inflight: map[uint64]bool{}, begun: map[uint64]bool{}}
	for _, c := range builtins() {
		r.Register(c)
	}
	for _, c := range actionCommands() {
		r.Register(c)
	}
	for _, c := range moneyCommands() {
		r.Register(c)
	}
	for _, c := range alertCommands() {
		r.Register(c)
	}
	return r
}

// Register adds a command; its name and aliases must be new.
func (r *Router) Register(c *Command) {
	for _, n := range append([]string{c.Name}, c.Aliases...) {
		if _, dup := r.index[n]; dup {
			panic("commands: duplicate command name " + n)
		}
		r.index[n] = c
	}
	r.cmds = append(r.cmds, c)
}

// Commands lists the registered commands in registration order.
func (r *Router) Commands() []*Command { return r.cmds }

// Lang is the bot's default language, of those who chose none with /lang.
func (r *Router) Lang() lang.Lang { return r.opts.Lang }

// Command is one chat command in the registry; /help is generated from these fields.
type Command struct {
	Name     string
	Aliases  []string // e.g. Chinese names
	Args     string   // usage after the name, e.g. "<customer> [--expiring N]"
	Summary  string   // catalogue key
	Examples []string
	Role     chat.Role
	Flags    []Flag
	MinArgs  int
	MaxArgs  int  // -1 = any
	JoinArgs bool // positional arguments form one value (a name with spaces needs no quotes)
	Action   bool // changes state: only from ActionChannels
	// Timeout is the command's overall deadline when it needs another than
	// Options.CommandTimeout (a scan of every customer, say).
	Timeout time.Duration
	Run     func(ctx context.Context, c *Call) (chat.Reply, error)
}

// timeout is the command's overall deadline.
func (c *Call) timeout() time.Duration {
	if c.cmd.Timeout > 0 {
		return c.cmd.Timeout
	}
	return c.r.opts.CommandTimeout
}

// Flag is an option a command accepts.
type Flag struct {
	Name string
	Bool bool
	Help string // catalogue key
}

func (c *Command) usage() string {
	u := "/" + c.Name
	if c.Args != "" {
		u += " " + c.Args
	}
	return u
}

// usageIn is the usage line in l: in Chinese, the placeholders of the arguments (<customer>,
// [reason]) are named in Chinese (catalogue "arg.NAME"); what is typed as is stays.
func (c *Command) usageIn(l lang.Lang) string {
	if l != lang.Zh {
		return c.usage()
	}
	args := placeholder.ReplaceAllStringFunc(c.Args, func(p string) string {
		if strings.Contains(p, "--") {
			return p // an option, typed as is
		}
		return placeholderWord.ReplaceAllStringFunc(p, func(w string) string {
			if k := "arg." + w; l.Has(k) {
				return l.T(k)
			}
			return w
		})
	})
	if args == "" {
		return "/" + c.Name
	}
	return "/" + c.Name + " " + args
}

var (
	// placeholder is an argument's placeholder: <resource-id>, [reason].
	placeholder = regexp.MustCompile(`<[^>]*>|\[[^\]]*\]`)
	// placeholderWord is a word of one, such as "resource-id" or "n".
	placeholderWord = regexp.MustCompile(`[a-z][a-z-]*`)
)

// Call is one running command: the request, the parsed line and the caller's language and role.
type Call struct {
	Req  chat.Request
	Inv  cmdline.Invocation
	Lang lang.Lang
	Role chat.Role

	r          *Router
	cmd        *Command
	now        time.Time
	requestIDs []string
	timesShown atomic.Bool        // the reply shows a time: it names the zone (zoned)
	action     *store.ActionAudit // the command's audit entry, its request transitions recorded in it
}

// Arg is the i-th positional argument, or "" (with JoinArgs, Arg(0) is all of them).
func (c *Call) Arg(i int) string {
	if c.cmd.JoinArgs {
		if i == 0 {
			return strings.Join(c.Inv.Args, " ")
		}
		return ""
	}
	if i < len(c.Inv.Args) {
		return c.Inv.Args[i]
	}
	return ""
}

// Flag returns a flag's value and whether it was given.
func (c *Call) Flag(name string) (string, bool) {
	v, ok := c.Inv.Flags[name]
	return v, ok
}

// IntFlag reads an integer flag within [lo, hi], or def when absent.
func (c *Call) IntFlag(name string, def, lo, hi int) (int, error) {
	v, ok := c.Inv.Flags[name]
	if !ok {
		return def, nil
	}
	n, err := parseInt(v)
	if err != nil || n < lo || n > hi {
		return 0, c.fail("err.flag_int", name, lo, hi, v)
	}
	return n, nil
}

// userError is a polite, expected failure: bad input, nothing found. It is shown as is.
type userError struct {
	text   string
	result string      // audit result: "invalid", "denied", "not-found"
	extra  *chat.Reply // optional richer reply (e.g. the list of ambiguous matches)
}

func (e *userError) Error() string { return e.text }

func (c *Call) fail(key string, args ...any) error {
	if namesArg[key] && len(args) > 0 {
		if name, ok := args[0].(string); ok && c.Lang.Has("arg."+name) {
			args = append([]any{c.Lang.T("arg." + name)}, args[1:]...)
		}
	}
	return &userError{text: c.Lang.T(key, args...), result: "invalid"}
}

// namesArg are the refusals whose first argument is the name of the command argument at fault
// ("amount", "resource-id"): fail shows it in the reader's language (catalogue key "arg.NAME").
var namesArg = map[string]bool{"err.arg_int": true, "err.bad_id": true, "err.too_long": true,
	"err.invisible": true, "err.bad_amount": true, "err.amount_comma": true}

// bssError records the request id of a BSS failure for the audit log and passes it on.
func (c *Call) bssError(err error) error {
	var be *bss.Error
	if errors.As(err, &be) && be.RequestID != "" && !slices.Contains(c.requestIDs, be.RequestID) {
		c.requestIDs = append(c.requestIDs, be.RequestID)
	}
	return err
}

// Handle runs one message addressed to the bot. A command line runs as typed; a sentence (no
// leading "/") is read as one (sentence.go): a read-only command runs and its answer starts
// with the line understood, an action only offers that line on a button. ok is false when the
// text is not for this bot ("/cmd@otherbot", a path such as "/var/log", nothing at all); the
// adapter then says nothing.
//
// Each command gets a request id (logging.RequestID) in its context, unless the caller gave it
// one: the router's log records and those of every BSS call the command makes carry it.
func (r *Router) Handle(ctx context.Context, req chat.Request) (reply chat.Reply, ok bool) {
	if isSentence(req.Text) {
		if req.Platform == "exec" || req.Channel == "exec" {
			return chat.Reply{}, false // partnerbot exec runs command lines only: a script gets no guess
		}
		return r.handleSentence(ctx, req)
	}
	return r.handle(ctx, req)
}

// handle answers a command line.
func (r *Router) handle(ctx context.Context, req chat.Request) (reply chat.Reply, ok bool) {
	start := time.Now()
	ctx, _ = logging.EnsureRequestID(ctx)
	lang := r.langOf(ctx, req)
	call := &Call{Req: req, Lang: lang, Role: r.roleOf(req.User()), r: r, now: r.opts.Now()}
	r.learnName(ctx, req)
	if r.store != nil {
		// One audit row per command: the request transitions it makes are recorded in it.
		ctx, call.action = store.WithActionAudit(ctx, store.AuditEntry{At: call.now, Platform: req.Platform,
			UserID: req.UserID, UserName: req.UserName, Channel: req.Channel, Command: cutRunes(req.Text, 500)})
	}
	result, detail := "ok", ""
	var runErr error
	defer func() {
		if p := recover(); p != nil {
			r.log.ErrorContext(ctx, "command panicked", "user", req.User(), "command", req.Text, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			reply, ok = chat.Reply{Text: lang.T("err.internal"), Error: true}, true
			result, detail = "error", "panic"
		}
		if ok && reply.Lang == "" {
			reply.Lang = string(lang) // what the reply was rendered in (/lang sets its own)
		}
		if ok {
			took := time.Since(start)
			r.audit(ctx, call, result, detail, took)
			r.observe(ctx, call, result, runErr, took)
		}
	}()

	var bools map[string]bool
	if inv, isCmd, err := cmdline.ParseWith(req.Text, r.opts.BotName, nil); isCmd && err == nil {
		if cmd := r.index[inv.Name]; cmd != nil {
			bools = map[string]bool{}
			for _, f := range cmd.Flags {
				if f.Bool {
					bools[f.Name] = true
				}
			}
		}
	}
	inv, isCmd, err := cmdline.ParseWith(req.Text, r.opts.BotName, bools)
	if !isCmd && err == nil {
		return chat.Reply{}, false
	}
	call.Inv = inv
	if err != nil {
		var pe *cmdline.ParseError
		reason := err.Error()
		if errors.As(err, &pe) {
			reason = lang.T("err.parse." + pe.Reason)
		}
		result, detail = "invalid", err.Error()
		return chat.Reply{Text: lang.T("err.parse", reason) + "\n" + lang.T("err.see_help"), Error: true}, true
	}
	if call.Role == chat.RoleNone {
		result = "denied"
		return chat.Reply{Text: lang.T("err.no_role", req.User()), Error: true, Ephemeral: true}, true
	}
	cmd := r.index[inv.Name]
	if cmd == nil {
		result = "unknown"
		text := lang.T("err.unknown_command", inv.Name)
		if s := r.suggest(inv.Name); len(s) > 0 {
			text += "\n" + lang.T("err.did_you_mean", "/"+strings.Join(s, "  /"))
		}
		return chat.Reply{Text: text + "\n" + lang.T("err.see_help"), Error: true}, true
	}
	call.cmd = cmd
	if !call.Role.Allows(cmd.Role) {
		result = "denied"
		return chat.Reply{Text: lang.T("err.denied", cmd.Name, lang.T("role."+cmd.Role.String()), lang.T("role."+call.Role.String())), Error: true, Ephemeral: true}, true
	}
	if cmd.Action && !r.actionAllowed(req) {
		result = "denied"
		return chat.Reply{Text: lang.T("err.channel_not_allowed", cmd.Name, req.Platform+":"+req.Channel), Error: true, Ephemeral: true}, true
	}
	if err := call.checkShape(); err != nil {
		result, detail = "invalid", err.Error()
		return chat.Reply{Text: err.Error(), Error: true}, true
	}
	cctx, cancel := context.WithTimeout(ctx, call.timeout())
	defer cancel()
	// BSS answers in the caller's language where it can (order details' X-Language).
	cctx = bss.WithLanguage(cctx, string(lang))
	cctx = r.withReporter(cctx, lang)
	run := func() (chat.Reply, error) {
		rep, err := cmd.Run(cctx, call)
		call.zoned(&rep)
		return rep, err
	}
	if cmd.Action {
		reply, err = run()
	} else {
		// A read-only request identical to one running (same person, channel and text)
		// joins it rather than asking BSS again.
		reply, err, _ = r.joins.do(cctx, req.User()+"\x00"+req.Channel+"\x00"+strings.TrimSpace(req.Text), run)
	}
	if err != nil {
		runErr = err
		result, detail = "error", err.Error()
		// Only the command's own deadline is worded as such; a caller's (partnerbot exec
		// -timeout, a shutdown) ends the command like any failure to reach BSS.
		ownDeadline := ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded)
		return call.errorReply(err, ownDeadline), true
	}
	return reply, true
}

// checkShape checks flags and the number of arguments against the command's declaration.
func (c *Call) checkShape() error {
	usage := "\n" + c.Lang.T("err.usage", c.cmd.usageIn(c.Lang))
	for name, v := range c.Inv.Flags {
		var spec *Flag
		for i := range c.cmd.Flags {
			if c.cmd.Flags[i].Name == name {
				spec = &c.cmd.Flags[i]
			}
		}
		if spec == nil {
			return errors.New(c.Lang.T("err.unknown_flag", c.cmd.Name, name) + usage)
		}
		if !spec.Bool && v == "" {
			return errors.New(c.Lang.T("err.flag_value", name) + usage)
		}
		if spec.Bool && v != "" {
			return errors.New(c.Lang.T("err.flag_bool", name, v) + usage)
		}
	}
	n := len(c.Inv.Args)
	if n < c.cmd.MinArgs {
		return errors.New(c.Lang.T("err.too_few_args", c.cmd.Name) + usage)
	}
	if c.cmd.MaxArgs >= 0 && n > c.cmd.MaxArgs && !c.cmd.JoinArgs {
		return errors.New(c.Lang.T("err.too_many_args", c.cmd.Name) + usage)
	}
	return nil
}

// errorReply turns a handler error into a polite reply in the caller's language. When the
// command ran past its deadline, whatever failed is reported as BSS not answering in time.
func (c *Call) errorReply(err error, pastDeadline bool) chat.Reply {
	var ue *userError
	if errors.As(err, &ue) {
		if ue.extra != nil {
			rep := *ue.extra
			rep.Error = true
			return rep
		}
		return chat.Reply{Text: ue.text, Error: true}
	}
	if pastDeadline {
		c.bssError(err)
		return chat.Reply{Text: c.Lang.T("err.deadline", ceilSeconds(c.timeout())), Error: true}
	}
	if errors.Is(err, bss.ErrThrottled) {
		c.bssError(err)
		return chat.Reply{Text: c.Lang.T("err.throttled", retryMinutes(err)), Error: true}
	}
	var be *bss.Error
	var ae *bss.ArgumentError
	if errors.As(err, &be) || errors.As(err, &ae) {
		c.bssError(err)
		// Admins also see which permission BSS said was missing (encoded_authorization_message).
		return chat.Reply{Text: c.Lang.T("err.bss", bss.ExplainFor(err, string(c.Lang), c.Role == chat.RoleAdmin)), Error: true}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return chat.Reply{Text: c.Lang.T("err.bss", bss.Explain(&bss.Error{Kind: bss.KindNetwork}, string(c.Lang))), Error: true}
	}
	c.r.log.Error("command failed", "command", c.Req.Text, "user", c.Req.User(), "error", err)
	return chat.Reply{Text: c.Lang.T("err.internal"), Error: true}
}

// actionAllowed reports whether req's channel is on the actions allowlist.
func (r *Router) actionAllowed(req chat.Request) bool {
	here := req.Platform + ":" + req.Channel
	if here == r.opts.ApprovalsChannel {
		return true
	}
	for _, c := range r.opts.ActionChannels {
		if c == here || c == req.Platform+":*" {
			return true
		}
	}
	return false
}

// langOf is the language of a reply to req: its sender's /lang, else the channel's, else the
// default.
func (r *Router) langOf(ctx context.Context, req chat.Request) lang.Lang {
	if r.store != nil {
		if p, err := r.store.Prefs(ctx, req.User()); err == nil {
			if l, ok := lang.ParseLang(p.Lang); ok {
				return l
			}
		}
		if req.Channel != "" && !r.isDirect(req) {
			if p, err := r.store.ChannelPrefs(ctx, req.Platform, req.Channel); err == nil {
				if l, ok := lang.ParseLang(p.Lang); ok {
					return l
				}
			}
		}
	}
	return r.opts.Lang
}

// isDirect reports whether req came from a direct conversation with its sender rather than a
// channel others read.
func (r *Router) isDirect(req chat.Request) bool {
	switch {
	case req.Channel == "" || req.Channel == req.UserID || req.Platform == "console" || req.Platform == "exec" || req.Channel == "exec":
		return true
	case r.opts.IsDirect != nil:
		return r.opts.IsDirect(req.Platform, req.Channel, req.UserID)
	}
	return false
}

func (r *Router) roleOf(user string) chat.Role {
	if role, ok := r.opts.Roles[user]; ok {
		return role
	}
	return r.opts.DefaultRole
}

// observe logs the command handled and tells the Observer.
func (r *Router) observe(ctx context.Context, c *Call, result string, runErr error, took time.Duration) {
	name := ""
	if c.cmd != nil {
		name = c.cmd.Name
	}
	outcome := result
	var ue *userError
	if errors.As(runErr, &ue) && ue.result != "" {
		outcome = ue.result
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "command", slog.String("command", name), slog.String("user", c.Req.User()),
		slog.String("channel", c.Req.Channel), slog.String("outcome", outcome), slog.Duration("took", took))
	if r.opts.Observer != nil {
		r.opts.Observer.ObserveCommand(ctx, name, outcome, took)
	}
}

func (r *Router) audit(ctx context.Context, c *Call, result, detail string, took time.Duration) {
	if r.store == nil {
		return
	}
	detail = cutRunes(detail, 300)
	// The audit record is written even when the request's context was cancelled.
	if _, err := r.store.FinishAudit(context.WithoutCancel(ctx), c.action, result, detail, strings.Join(c.requestIDs, ","), took); err != nil {
		r.log.ErrorContext(ctx, "audit record lost", "user", c.Req.User(), "error", err)
	}
}

// cutRunes shortens s to at most n bytes without splitting a character.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// suggest returns up to three command names close to name.
func (r *Router) suggest(name string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	seen := map[string]bool{}
	for n, c := range r.index {
		d := fuzzy.Distance(name, n)
		if strings.HasPrefix(n, name) && len(name) >= 2 {
			d = 0
		}
		limit := 2
		if len([]rune(n)) <= 3 {
			limit = 1
		}
		if d <= limit && !seen[c.Name] {
			seen[c.Name] = true
			cs = append(cs, cand{c.Name, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].name < cs[j].name })
	out := make([]string, 0, 3)
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}
