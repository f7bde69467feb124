package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/store"
)

// Results of one check.
const (
	checkOK   = "ok"
	checkFail = "FAIL"
	checkSkip = "skip"
	checkWarn = "WARN" // the bot starts, but probably not as meant; does not fail check-config
)

// checkRow is one line of check-config's table.
type checkRow struct {
	name, result, detail string
}

// runCheckConfig validates the configuration and the environment, then tries each configured
// connection (the store, BSS, IAM, each enabled chat platform) and prints a table of what works.
// When the bot, started here with the same standard input, would refuse to start, it says so in
// the bot's words and exits with the bot's status (2 for a configuration it refuses); otherwise
// exit 0 when nothing failed, 1 when something did; 2 on a usage error.
func runCheckConfig(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := newFlags("partnerbot check-config", "partnerbot check-config [-config FILE] [-customer ID] [-timeout D]", stderr)
	cfgPath := flags.String("config", "", "configuration file (default: the embedded example)")
	customer := flags.String("customer", "", "also obtain agency credentials for this customer id (IAM), as an action would")
	timeout := flags.Duration("timeout", 30*time.Second, "longest wait for each check")
	if !flags.parse(args, 0, 0) {
		return exitUsage
	}
	source := *cfgPath
	if source == "" {
		source = "the embedded example"
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		printChecks(stdout, []checkRow{{"configuration", checkFail, source + ": see below"}})
		printRefusal(stdout, exitUsage, err)
		return exitUsage
	}
	c := &checker{ctx: ctx, timeout: *timeout, cfg: cfg, a: &app{cfg: cfg, log: newLogger(cfg.Log, stderr)}}
	defer func() {
		for _, stop := range c.stops {
			stop()
		}
	}()
	c.add("configuration", checkOK, source+": every key valid, the secrets it needs are in the environment")
	for _, w := range cfg.Warnings() {
		c.add("configuration", checkWarn, w.String())
	}
	c.store()
	c.bss(*customer)
	c.adapters(isTerminal(stdin))
	c.platforms()
	printChecks(stdout, c.rows)
	if c.refusal != nil {
		printRefusal(stdout, c.refusalCode, c.refusal)
		return c.refusalCode
	}
	for _, r := range c.rows {
		if r.result == checkFail {
			return exitFailed
		}
	}
	return exitOK
}

// checker runs check-config's checks and collects their rows.
type checker struct {
	ctx     context.Context
	timeout time.Duration
	cfg     *config.Config
	a       *app // cfg and log only: what the adapters are built from
	rows    []checkRow
	stops   []func() // what to shut down when done (the sandbox)
	// refusal is the first reason, in the order the start meets them, the bot would refuse to
	// start; refusalCode is the status it would exit with.
	refusal     error
	refusalCode int
}

// refuse records that the start would stop at err with exit status code, unless it would
// already have stopped earlier.
func (c *checker) refuse(code int, err error) {
	if c.refusal == nil {
		c.refusal, c.refusalCode = err, code
	}
}

// printRefusal says that the bot would not start, in the words the start prints.
func printRefusal(w io.Writer, code int, err error) {
	fmt.Fprintf(w, "\nThe bot would refuse to start (exit %d), saying:\n", code)
	fmt.Fprintln(w, "partnerbot:", err)
}

func (c *checker) add(name, result, detail string) {
	c.rows = append(c.rows, checkRow{name, result, detail})
}

// try runs one check under the per-check timeout: ok with the detail it returns, or FAIL.
func (c *checker) try(name string, f func(ctx context.Context) (string, error)) bool {
	return c.tryErr(name, f) == nil
}

// tryErr is try, returning the check's error.
func (c *checker) tryErr(name string, f func(ctx context.Context) (string, error)) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	detail, err := f(ctx)
	if err != nil {
		c.add(name, checkFail, oneLine(err.Error()))
		return err
	}
	c.add(name, checkOK, detail)
	return nil
}

// store checks the store file: held by a running bot that answers on its control socket, or
// consistent and of a schema this partnerbot can run.
func (c *checker) store() {
	if c.cfg.Store.Backend == config.BackendEtcd {
		c.storeEtcd()
		return
	}
	path := c.cfg.StorePath()
	err := c.tryErr("store", func(ctx context.Context) (string, error) {
		st, err := control.StatusOf(ctx, socketOf(c.cfg))
		if err == nil {
			return fmt.Sprintf("%s: held by the running bot (pid %d, since %s), which answers on %s",
				path, st.PID, st.Started.Format(time.RFC3339), socketOf(c.cfg)), nil
		}
		if !errors.Is(err, control.ErrNoServer) {
			return "", errors.New(controlFailure(err))
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return path + ": not created yet; the bot creates it at its first start", nil
		}
		info, err := store.Verify(path, store.Options{Timeout: c.cfg.Store.LockTimeout, CheckTimeout: c.cfg.Store.CheckTimeout})
		switch {
		case errors.Is(err, store.ErrLocked):
			return "", fmt.Errorf("%s is held by a partnerbot process that has no control socket (an exec, or an older release)", path)
		case err != nil:
			return "", err
		case info.Schema > store.CurrentSchemaVersion:
			return "", fmt.Errorf("%s has schema version %d, written by a newer partnerbot; this one knows up to %d and will refuse it",
				path, info.Schema, store.CurrentSchemaVersion)
		case info.Schema < store.CurrentSchemaVersion:
			return fmt.Sprintf("%s: consistent, %d bytes, schema version %d (migrated to %d at the next start)",
				path, info.Size, info.Schema, store.CurrentSchemaVersion), nil
		}
		return fmt.Sprintf("%s: consistent, %d bytes, schema version %d", path, info.Size, info.Schema), nil
	})
	if err != nil {
		c.refuse(exitFailed, err) // the start stops at a store it cannot open
	}
}

// storeEtcd checks store.etcd: etcd answers a linearizable read (it has a quorum) as the
// configured user, and says what it holds: its members, the keys under the prefix and the
// revision, the replicas running on the prefix. The password is never shown.
func (c *checker) storeEtcd() {
	e := c.cfg.Store.Etcd
	endpoints := strings.Join(e.Endpoints, ", ")
	err := c.tryErr("store", func(ctx context.Context) (string, error) {
		fail := func(err error) error {
			return &unreachableError{fmt.Errorf("store.etcd (%s): %w", endpoints, etcdHint(err))}
		}
		cli, err := newEtcdClient(c.cfg, c.a.log)
		if err != nil {
			return "", fail(err)
		}
		defer cli.Close()
		prefix := etcdPrefix(c.cfg)
		keys, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			return "", fail(err)
		}
		members, err := cli.MemberList(ctx)
		if err != nil {
			return "", fail(err)
		}
		replicas, err := cli.Get(ctx, prefix+"cluster/members/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			return "", fail(err)
		}
		user := "no user (etcd without auth)"
		if e.Username != "" {
			user = "user " + e.Username + " (password from " + config.EtcdPasswordEnv + ")"
		}
		return fmt.Sprintf("etcd %s, prefix %s: %d etcd member(s), %d keys under the prefix at revision %d, %d replica(s) of the bot running, %s",
			endpoints, prefix, len(members.Members), keys.Count, keys.Header.Revision, replicas.Count, user), nil
	})
	if err != nil {
		c.refuse(exitFailed, err) // the start stops at a store it cannot reach
	}
}

// bss checks the partner's credentials with a signed call and the account-id look-up, and with
// customer set, the agency of that customer.
func (c *checker) bss(customer string) {
	var client *bss.Client
	err := c.tryErr("bss credentials", func(ctx context.Context) (string, error) {
		var stop func()
		var err error
		client, stop, err = newBSSClient(c.ctx, c.cfg, c.a.log, nil)
		if err != nil {
			return "", err
		}
		c.stops = append(c.stops, stop)
		if c.cfg.BSS.Sandbox {
			return "the built-in sandbox (bss.sandbox: true) at " + client.Endpoint(), nil
		}
		return fmt.Sprintf("%s and %s from the environment, for %s", bss.EnvAccessKey, bss.EnvSecretKey, client.Endpoint()), nil
	})
	if err != nil {
		c.refuse(startFailure(err), err)
		for _, name := range []string{"bss account id", "bss signed call", "iam agency"} {
			c.add(name, checkSkip, "needs the credentials")
		}
		return
	}
	err = c.tryErr("bss account id", func(ctx context.Context) (string, error) {
		id, err := client.ResolveDomainID(ctx)
		if err != nil {
			return "", err
		}
		if c.cfg.BSS.DomainID != "" && !c.cfg.BSS.Sandbox {
			return id + " (bss.domain_id), sent as X-Domain-Id", nil
		}
		return id + " (from IAM, GET /v3/auth/domains), sent as X-Domain-Id", nil
	})
	if errors.Is(err, bss.ErrAuth) || errors.Is(err, bss.ErrForbidden) || errors.Is(err, bss.ErrBadResponse) {
		c.refuse(startFailure(err), err) // as newBSS: keys IAM refuses stop the start
	}
	c.try("bss signed call", func(ctx context.Context) (string, error) {
		page, err := client.ListCustomers(ctx, bss.CustomerFilter{}, 0, 1)
		if err != nil {
			return "", errors.New(bss.ExplainFor(err, "en", true))
		}
		return fmt.Sprintf("ListSubCustomers answered: %d customers", page.Count), nil
	})
	if customer == "" {
		c.add("iam agency", checkSkip, "give -customer ID to obtain a customer's agency credentials")
		return
	}
	c.try("iam agency", func(ctx context.Context) (string, error) {
		page, err := client.ListCustomers(ctx, bss.CustomerFilter{CustomerID: customer}, 0, 1)
		if err != nil {
			return "", errors.New(bss.ExplainFor(err, "en", true))
		}
		if len(page.Customers) == 0 {
			return "", fmt.Errorf("no customer %s among the partner's customers", customer)
		}
		cust := page.Customers[0]
		agency := c.cfg.BSS.AgencyName
		switch {
		case c.cfg.BSS.Sandbox:
			agency = bsstest.SandboxAgency
		case agency == "":
			agency = cust.XAccountType + " (the customer's xaccount_type)"
		}
		if err := client.CheckAgency(ctx, cust.Ref()); err != nil {
			return "", errors.New(bss.ExplainFor(err, "en", true))
		}
		return fmt.Sprintf("temporary credentials for %s (%s) through agency %s", cust.AccountName, cust.ID, agency), nil
	})
}

// connectionChecker is an adapter that can check its platform credentials without running.
type connectionChecker interface {
	Check(ctx context.Context) error
}

// adapters says which chat adapters a start here would run, with standard input a terminal or
// not, as the start decides it (chatAdapters); none is a refusal.
func (c *checker) adapters(stdinIsTerminal bool) {
	names, err := chatAdapters(c.cfg, stdinIsTerminal)
	if err != nil {
		c.add("chat adapters", checkFail, oneLine(err.Error()))
		c.refuse(exitUsage, err)
		return
	}
	detail := strings.Join(names, ", ")
	switch {
	case c.cfg.Console.Enabled != nil:
	case stdinIsTerminal && len(names) == 1:
		detail = "console alone, as standard input is a terminal here; started without one (systemd, Kubernetes, " +
			"docker run -d) the bot refuses to start: enable slack, telegram or wecom"
	case stdinIsTerminal:
		detail += " (the console as standard input is a terminal here; a service runs without it)"
	default:
		detail += " (no console: standard input is not a terminal and console.enabled is unset)"
	}
	c.add("chat adapters", checkOK, detail)
}

// platforms builds each enabled chat adapter as the bot would (which checks its environment),
// in the bot's order, and makes its platform's authentication call. One that cannot be built
// stops the start.
func (c *checker) platforms() {
	if w := c.cfg.WeCom; w.Enabled {
		if w.CorpID != "" {
			c.platform("wecom", "gettoken (corp id and secret)", func() (connectionChecker, error) { return c.a.wecomAdapter() })
		} else if _, err := c.a.wecomAdapter(); err != nil {
			c.add("wecom", checkFail, oneLine(err.Error()))
			c.refuse(exitUsage, err)
		}
		if n := len(w.Robots); n > 0 {
			c.add("wecom robots", checkSkip, fmt.Sprintf("%d robot(s), keys in the environment; a robot key is only tested by posting to its group", n))
		}
	}
	if c.cfg.Telegram.Enabled {
		c.platform("telegram", "getMe (bot token)", func() (connectionChecker, error) {
			t := c.cfg.Telegram
			return telegram.New(telegram.Options{
				Token: os.Getenv(telegram.EnvToken), APIEndpoint: t.APIEndpoint, Mode: t.Mode, PollTimeout: t.PollTimeout,
				WebhookURL: t.Webhook.URL, WebhookListen: t.Webhook.Listen, WebhookPath: t.Webhook.Path,
				WebhookSecret: os.Getenv(telegram.EnvWebhookSecret), Buttons: noButtons{}, Logger: c.a.log.With("component", "telegram"),
			})
		})
	}
	if c.cfg.Slack.Enabled {
		what := "auth.test (bot token)"
		if c.cfg.Slack.Mode == "socket" || c.cfg.Slack.Mode == "" {
			what += " and apps.connections.open (app-level token)"
		}
		c.platform("slack", what, func() (connectionChecker, error) { return c.a.slackAdapter() })
	}
}

// platform builds one adapter and checks it.
func (c *checker) platform(name, what string, build func() (connectionChecker, error)) {
	c.try(name, func(ctx context.Context) (string, error) {
		ad, err := build()
		if err != nil {
			c.refuse(exitUsage, err) // the start stops at an adapter it cannot build
			return "", err
		}
		if err := ad.Check(ctx); err != nil {
			return "", err
		}
		return what + " accepted", nil
	})
}

// noButtons is the button store of a Telegram adapter built only to check its token: Check
// neither makes nor reads buttons.
type noButtons struct{}

func (noButtons) SaveButtons(context.Context, []store.Button, time.Duration) ([]string, error) {
	return nil, errors.New("check-config keeps no buttons")
}

func (noButtons) Button(context.Context, string) (store.Button, error) {
	return store.Button{}, store.ErrNotFound
}

// printChecks writes the table.
func printChecks(w io.Writer, rows []checkRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.name, r.result, r.detail)
	}
	tw.Flush()
}

// oneLine keeps a table cell on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
