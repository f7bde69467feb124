package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
)

// execGrace is how much longer than its -timeout exec waits for a running bot's answer, which
// comes when the command ends or runs out of time.
const execGrace = 10 * time.Second

// startKey carries a start's appOptions in its context (see withStart).
type startKey struct{}

// appOptions are what a subcommand asks of newApp beyond the configuration.
type appOptions struct {
	// QuietLog keeps stderr empty unless something is wrong, so that a cron job's mail stays
	// empty: exec's log level is at least warn (see execLevel).
	QuietLog bool
	// LockTimeout, when set, replaces store.lock_timeout: a console alone says at once that the
	// store is in use rather than waiting for a service's restart to release it.
	LockTimeout time.Duration
}

// withStart returns ctx carrying o for newApp.
func withStart(ctx context.Context, o appOptions) context.Context {
	return context.WithValue(ctx, startKey{}, o)
}

// startOptions are the appOptions of ctx (zero when none).
func startOptions(ctx context.Context) appOptions {
	o, _ := ctx.Value(startKey{}).(appOptions)
	return o
}

// execLevel is exec's log level for a configured level: info becomes warn, so the schema
// migrations, the sandbox's address and the command record stay out of stderr; an explicit
// debug is honoured (someone is looking).
func execLevel(level string) string {
	if level == "debug" || level == "warn" || level == "error" {
		return level
	}
	return "warn"
}

// socketOf is the control socket of the configuration's store.
func socketOf(cfg *config.Config) string { return cfg.ControlSocket() }

// viaBot runs op against the bot serving the configuration's store, if one does: done is false
// when none does (nothing was sent). Any other failure to reach the bot is an error.
func viaBot(ctx context.Context, cfg *config.Config, op func(ctx context.Context, sock string) error) (done bool, err error) {
	err = op(ctx, socketOf(cfg))
	if errors.Is(err, control.ErrNoServer) {
		return false, nil
	}
	return true, err
}

// controlFailure words an error of the control socket for the person at the shell.
func controlFailure(err error) string {
	var re *control.RefusedError
	if errors.As(err, &re) {
		return fmt.Sprintf("the running bot refused: %s", re.Msg)
	}
	return err.Error()
}

// runSandboxReset is `partnerbot sandbox reset [-config FILE]`: the configuration's sandbox file
// holds the demo data again, laid out around today, in one transaction. It waits for the turn
// of another process as each request does; a running bot serves the new data from its next
// BSS call on.
func runSandboxReset(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("partnerbot sandbox reset", "partnerbot sandbox reset [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the built-in sandbox configuration)")
	if !fs.parse(args, 0, 0) {
		return exitUsage
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if !cfg.BSS.Sandbox {
		fmt.Fprintln(stderr, "partnerbot sandbox reset: bss.sandbox is false in this configuration: there is no sandbox to reset")
		return exitUsage
	}
	path := cfg.SandboxPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		fmt.Fprintf(stderr, "partnerbot sandbox reset: %v\n", err)
		return exitFailed
	}
	now := time.Now()
	if err := bsstest.ResetFileAt(path, sandboxDataset(now), now, cfg.Store.LockTimeout); err != nil {
		fmt.Fprintf(stderr, "partnerbot sandbox reset: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "sandbox reset: %s holds the demo data again, laid out around %s (UTC)\n", path, now.UTC().Format(time.DateOnly))
	return exitOK
}

// consoleLockTimeout is how long a console that is the bot's only adapter waits for the store:
// a person at a terminal is told at once that another process has it, rather than after
// store.lock_timeout (which covers a service's restart).
const consoleLockTimeout = 300 * time.Millisecond

// consoleAlone reports whether a start with the configuration at cfgPath runs the console and
// nothing else, as which console user and on which store. A configuration that does not load
// answers false: the start reports it.
func consoleAlone(cfgPath string, stdin io.Reader, as string) (user, storePath string, alone bool) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return "", "", false
	}
	names, err := chatAdapters(cfg, isTerminal(stdin))
	if err != nil || len(names) != 1 || names[0] != "console" {
		return "", "", false
	}
	user = cfg.Console.User
	if as != "" {
		if platform, id, ok := strings.Cut(as, ":"); !ok {
			user = as
		} else if platform == "console" && id != "" {
			user = id
		}
	}
	return user, cfg.StorePath(), true
}

// storeInUse tells the person at a second console that the store is taken and how to run a
// command beside the process that has it.
func storeInUse(storePath, cfgPath, user string) string {
	cfg := ""
	if cfgPath != "" {
		cfg = " -config " + shellQuote(cfgPath)
	}
	return fmt.Sprintf("partnerbot: the store %s is in use by another partnerbot (a running bot or another console).\n"+
		"To run a command beside it, use exec (it goes through the running bot):\n"+
		"  partnerbot exec%s -as console:%s '/help'", storePath, cfg, user)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
