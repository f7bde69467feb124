package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// bssOp is one read-only operation of `partnerbot bss`. Mutations are deliberately absent:
// they go through the bot's four-eyes approval, never through a debug command.
type bssOp struct {
	usage string
	run   func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error)
}

var bssOps = map[string]bssOp{
	"customers": {"customers [-name N] [-account A] [-id ID] [-label L] [-type 1|2]   list sub-customers (all pages)",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			var f bss.CustomerFilter
			fs.StringVar(&f.Name, "name", "", "real-name name (fuzzy)")
			fs.StringVar(&f.AccountName, "account", "", "account name (fuzzy)")
			fs.StringVar(&f.CustomerID, "id", "", "customer id")
			fs.StringVar(&f.Label, "label", "", "label (fuzzy)")
			fs.StringVar(&f.AssociationType, "type", "", "association type: 1 referral, 2 resale")
			if err := parseWant(fs, args, 0, 0); err != nil {
				return nil, err
			}
			return c.AllCustomers(ctx, f)
		}},
	"balances": {"balances CUSTOMER-ID...   balances and arrears of resale customers",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			if err := parseWant(fs, args, 1, -1); err != nil {
				return nil, err
			}
			return c.CustomerBalances(ctx, fs.Args())
		}},
	"partner-balances": {"partner-balances   the partner's own accounts",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			if err := parseWant(fs, args, 0, 0); err != nil {
				return nil, err
			}
			return c.PartnerBalances(ctx, "")
		}},
	"resources": {"resources [-main] [-expiring DAYS] [-status 2,5] CUSTOMER-ID   yearly/monthly resources",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			main := fs.Bool("main", false, "main resources only")
			days := fs.Int("expiring", 0, "only resources expiring within DAYS days")
			status := fs.String("status", "", "comma-separated statuses: 2 in use, 3 closed, 4 frozen, 5 expired")
			if err := parseWant(fs, args, 1, 1); err != nil {
				return nil, err
			}
			f := bss.ResourceFilter{CustomerID: fs.Arg(0), OnlyMain: *main}
			if *days > 0 {
				f.ExpireBegin, f.ExpireEnd = time.Now(), time.Now().Add(time.Duration(*days)*24*time.Hour)
			}
			for _, s := range strings.Split(*status, ",") {
				if s = strings.TrimSpace(s); s != "" {
					n, err := strconv.Atoi(s)
					if err != nil {
						return nil, usageError{fmt.Errorf("flag -status: %q is not a number", s)}
					}
					f.Statuses = append(f.Statuses, n)
				}
			}
			rs, err := c.AllResources(ctx, f)
			if err != nil {
				return nil, err
			}
			return bss.GroupResources(rs), nil
		}},
	"orders": {"orders [-customer ID] [-status N] [-limit N]   customer orders, newest first",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			f := bss.OrderFilter{OrderBy: "-createTime"}
			fs.StringVar(&f.CustomerID, "customer", "", "customer id")
			fs.IntVar(&f.Status, "status", 0, "order status (5 completed, 6 pending payment, ...)")
			limit := fs.Int("limit", 20, "how many orders (1..100)")
			if err := parseWant(fs, args, 0, 0); err != nil {
				return nil, err
			}
			return c.ListOrders(ctx, f, 0, *limit)
		}},
	"order": {"order ORDER-ID   one order with its line items",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			if err := parseWant(fs, args, 1, 1); err != nil {
				return nil, err
			}
			return c.OrderDetail(ctx, fs.Arg(0))
		}},
	"quotas": {"quotas   coupon quotas",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			if err := parseWant(fs, args, 0, 0); err != nil {
				return nil, err
			}
			var out []bss.Quota
			for q, err := range c.Quotas(ctx, bss.QuotaFilter{}) {
				if err != nil {
					return nil, err
				}
				out = append(out, q)
			}
			return out, nil
		}},
	"renew-price": {"renew-price [-months N | -years N] CUSTOMER-ID RESOURCE-ID...   price of a renewal (agency credentials)",
		func(ctx context.Context, c *bss.Client, fs *flag.FlagSet, args []string) (any, error) {
			months := fs.Int("months", 0, "renew for N months (1..11)")
			years := fs.Int("years", 0, "renew for N years (1..3)")
			if err := parseWant(fs, args, 2, -1); err != nil {
				return nil, err
			}
			p := bss.Period{Type: bss.PeriodMonth, Num: *months}
			if *years > 0 {
				p = bss.Period{Type: bss.PeriodYear, Num: *years}
			} else if *months == 0 {
				p.Num = 1
			}
			cust, err := lookupCustomer(ctx, c, fs.Arg(0))
			if err != nil {
				return nil, err
			}
			return c.RenewPrice(ctx, cust.Ref(), bss.RenewPriceRequest{ResourceIDs: fs.Args()[1:], Period: p, IncludeRelatives: true})
		}},
}

func lookupCustomer(ctx context.Context, c *bss.Client, id string) (bss.Customer, error) {
	page, err := c.ListCustomers(ctx, bss.CustomerFilter{CustomerID: id}, 0, 1)
	if err != nil {
		return bss.Customer{}, err
	}
	if len(page.Customers) == 0 {
		return bss.Customer{}, fmt.Errorf("no customer with id %q", id)
	}
	return page.Customers[0], nil
}

// usageError is a mistake in how a subcommand was called (exit 2), as opposed to a failed
// operation (exit 1).
type usageError struct{ error }

// parseWant parses flags and checks the number of positional arguments (max -1 = any).
func parseWant(fs *flag.FlagSet, args []string, lo, hi int) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	n := fs.NArg()
	if n < lo || (hi >= 0 && n > hi) {
		return usageError{fmt.Errorf("wrong number of arguments (%d)", n)}
	}
	return nil
}

func runBSS(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("partnerbot bss", "", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded example, i.e. the sandbox)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: partnerbot bss [-config FILE] OP [ARGS]\noperations:")
		for _, name := range sortedKeys(bssOps) {
			fmt.Fprintln(stderr, "  "+bssOps[name].usage)
		}
	}
	if !fs.parse(args, 1, -1) {
		return exitUsage
	}
	op, ok := bssOps[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "partnerbot bss: unknown operation %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	log := newLoggerIn(cfg.Log, cfg.Location(), stderr)
	client, stop, err := newBSS(ctx, cfg, log, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	defer stop()
	opFlags := flag.NewFlagSet("partnerbot bss "+fs.Arg(0), flag.ContinueOnError)
	opFlags.SetOutput(stderr)
	opFlags.Usage = func() { fmt.Fprintln(stderr, "usage: partnerbot bss "+op.usage); opFlags.PrintDefaults() }
	res, err := op.run(ctx, client, opFlags, fs.Args()[1:])
	if err != nil {
		if isUsage(err) {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stderr, err)
				opFlags.Usage()
			}
			return exitUsage
		}
		fmt.Fprintln(stderr, bss.Explain(err, "en"))
		log.Debug("bss operation failed", "error", err)
		return exitFailed
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	return exitOK
}

// memorySandbox is the -file of `partnerbot sandbox` that keeps the data in memory.
const memorySandbox = ":memory:"

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "reset" {
		return runSandboxReset(args[1:], stdout, stderr)
	}
	fs := newFlags("partnerbot sandbox", "partnerbot sandbox [-listen ADDR] [-config FILE] [-file PATH|:memory:]", stderr)
	addr := fs.String("listen", "127.0.0.1:8780", "address to serve the BSS sandbox on")
	cfgPath := fs.String("config", "", "configuration whose sandbox file to serve (default: the built-in sandbox configuration)")
	path := fs.String("file", "", "sandbox file to serve (default: the configuration's bss.sandbox_file, which exec and the bot use); "+memorySandbox+": the demo in this process's memory")
	if !fs.parse(args, 0, 0) {
		return exitUsage
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	// The same file as exec and the bot by default, so that a bot pointed at this sandbox
	// sees the world they see.
	file := sandboxFile{cmp.Or(*path, cfg.SandboxPath()), cfg.Store.LockTimeout}
	if *path == memorySandbox {
		file = sandboxFile{}
	}
	log := newLoggerIn(cfg.Log, cfg.Location(), stderr)
	url, stop, err := startSandbox(ctx, *addr, file, log)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	defer stop()
	fmt.Fprintf(stdout, "BSS sandbox on %s (AK %s, SK %s, agency %s), data in %s; Ctrl-C stops it\n",
		url, bsstest.SandboxCredentials.AccessKey, bsstest.SandboxCredentials.SecretKey, bsstest.SandboxAgency, cmp.Or(file.path, "memory"))
	<-ctx.Done()
	return exitOK
}
