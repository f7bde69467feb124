// Package cli is partnerbot's command line: the subcommands and the wiring they share
// (configuration, logging, the BSS client, the store, the chat adapters). main hands it the
// arguments; Run picks the subcommand.
//
//	partnerbot [-config FILE] [-as USER]         run the bot
//	partnerbot exec [-config FILE] [-as P:U] CMD run one chat command, print the reply
//	partnerbot backup [-config FILE] FILE        write a consistent copy of the store
//	partnerbot check-config [-config FILE]       check the configuration and every connection
//	partnerbot compact [-config FILE] NEWFILE    write a compacted copy of the store
//	partnerbot migrate --from A --to B           copy a whole store between bbolt and etcd
//	partnerbot bss [-config FILE] OP [ARGS]      call one read-only BSS operation, print JSON
//	partnerbot sandbox [-listen ADDR] [-config F] serve the sandbox's file over HTTP
//	partnerbot sandbox reset [-config FILE]      start the sandbox's file afresh
//	partnerbot healthcheck [-config F] [-addr A] ask a running bot's /healthz: exit 0 or 1
//	partnerbot version                           print the version, VCS revision and Go version
//
// main only wires: flags, configuration, logging, signals. The logic lives in the packages.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/internal/logging"
)

// Example is the configuration the subcommands load when no -config is given (the sandbox and
// the console): the repository's config.example.yaml, which main embeds and sets before Run.
var Example []byte

// Exit codes shared by every subcommand.
const (
	exitOK     = 0
	exitFailed = 1 // the operation failed (BSS error, bad argument)
	exitUsage  = 2 // usage or configuration error
)

// signalLog holds the logger of the process's configuration once one is built (newApp finds
// it in the context OnSignals returns): the signal handler writes through it, so a bot
// configured for JSON logs says "shutting down" in JSON too. Before that (a subcommand that
// builds none) the handler writes plain text.
type signalLog struct{ atomic.Pointer[slog.Logger] }

type signalLogKey struct{}

// useSignalLog hands log to the signal handler of ctx, if it has one.
func useSignalLog(ctx context.Context, log *slog.Logger) {
	if sl, ok := ctx.Value(signalLogKey{}).(*signalLog); ok {
		sl.Store(log)
	}
}

// OnSignals returns a context the first signal on sigs cancels (the bot then shuts down
// gracefully, within bot.shutdown_timeout); a second signal calls exit at once.
func OnSignals(parent context.Context, sigs <-chan os.Signal, stderr io.Writer, exit func(int)) context.Context {
	sl := &signalLog{}
	ctx, cancel := context.WithCancel(context.WithValue(parent, signalLogKey{}, sl))
	say := func(msg string, sig os.Signal) {
		if log := sl.Load(); log != nil {
			log.Warn(msg, "signal", sig.String())
			return
		}
		fmt.Fprintf(stderr, "partnerbot: %v: %s\n", sig, msg)
	}
	go func() {
		sig := <-sigs
		cancel()
		say("shutting down (a second signal exits at once)", sig)
		sig = <-sigs
		say("signalled again: exiting now", sig)
		exit(exitFailed)
	}()
	return ctx
}

// Run runs the subcommand args name (none: the bot) and returns the process's exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sub := ""
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "bss":
		return runBSS(ctx, args, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, args, stdout, stderr)
	case "exec":
		return runExec(ctx, args, stdout, stderr)
	case "report":
		return runReport(ctx, args, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args, stdout, stderr)
	case "compact":
		return runCompact(ctx, args, stdout, stderr)
	case "check-config":
		return runCheckConfig(ctx, args, stdin, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args, stdout, stderr)
	case "version":
		return runVersion(args, stdout, stderr)
	case "", "run":
		return runBot(ctx, args, stdin, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "partnerbot: unknown subcommand %q\n\n", sub)
		usage(stderr)
		return exitUsage
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  partnerbot [-config FILE] [-as USER]      run the bot (default: built-in sandbox, console chat)
  partnerbot exec [-config FILE] [-as PLATFORM:USER] '/command args'
                                            run one command and print the reply (exit 0 ok,
                                            1 the command failed, 2 usage or config error)
                                            (through the running bot when one holds the store)
  partnerbot report -out FILE [-config FILE] [-period week|month] [customer|label:X|*]
                                            write the partner report's PNG to FILE and print its
                                            caption and path (for cron and e-mail)
  partnerbot backup [-config FILE] FILE     write a consistent copy of the store to FILE, also
                                            while the bot runs (exit 0 written and checked, 1 not)
  partnerbot check-config [-config FILE] [-customer ID]
                                            check the configuration, the environment, the store
                                            and every connection; print a table (exit 0 all ok, 1 not,
                                            2 the bot would refuse to start, as it would exit)
  partnerbot compact [-config FILE] NEWFILE write a compacted copy of the store (bot stopped)
  partnerbot migrate [-config FILE] --from bbolt:PATH|etcd --to etcd|bbolt:PATH
                                            copy a whole store between bbolt and the configuration's
                                            etcd into an empty one, and verify it (bots stopped)
  partnerbot bss [-config FILE] OP [ARGS]   call one read-only BSS operation and print JSON
                                            (partnerbot bss -h lists the operations)
  partnerbot sandbox [-listen ADDR] [-config FILE] [-file PATH|:memory:]
                                            serve the configuration's sandbox file over HTTP for
                                            other tools (the world exec and the bot see)
  partnerbot sandbox reset [-config FILE]   start the configuration's sandbox afresh (demo data)
  partnerbot healthcheck [-config FILE] [-addr HOST:PORT]
                                            ask a running bot's /healthz (admin.listen):
                                            exit 0 healthy, 1 not (the image's HEALTHCHECK)
  partnerbot version                        print the version, VCS revision and time, Go version
`)
}

// loadConfig reads -config, or the embedded example (the sandbox) when no file is given.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		cfg, err := config.Parse(Example)
		if err != nil {
			return nil, fmt.Errorf("embedded config: %w", err)
		}
		return cfg, nil
	}
	return config.Load(path)
}

// newLogger builds the slog logger of the configuration, writing to w. Records carry the
// request id of the command they belong to, and the secrets of the environment never appear.
func newLogger(cfg config.Log, w io.Writer) *slog.Logger { return newLoggerIn(cfg, nil, w) }

// newLoggerIn is newLogger writing every time (the record's and any time attribute) as RFC 3339
// with the offset of loc, bot.timezone, the zone replies name; nil keeps the host's zone.
func newLoggerIn(cfg config.Log, loc *time.Location, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if loc != nil {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindTime {
				a.Value = slog.TimeValue(a.Value.Time().In(loc))
			}
			return a
		}
	}
	w = logging.Escaping(w) // bidi and control characters from BSS never reach the log raw
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(logging.Handler(h, logging.SecretsFromEnv(os.Environ())))
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// isUsage reports whether err is a usage mistake (-h included) rather than a failed operation.
func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue) || errors.Is(err, flag.ErrHelp)
}
