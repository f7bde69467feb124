package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// runReport writes the partner report (/report, issue #26) to a PNG file for cron and e-mail:
// it runs "/report PERIOD SCOPE --out FILE" as exec does (inside the running bot when one holds
// the store, else here), and prints the caption and the file's path.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("partnerbot report", "partnerbot report -out FILE [-config FILE] [-period week|month] [customer|label:X|*]", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded example: the sandbox)")
	out := fs.String("out", "", "the PNG file to write (required)")
	period := fs.String("period", "week", "week (this month's top spenders) or month (last month's)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if !fs.parse(args, 0, -1) {
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintln(stderr, "partnerbot report: -out FILE is required")
		fs.Usage()
		return exitUsage
	}
	if *period != "week" && *period != "month" {
		fmt.Fprintf(stderr, "partnerbot report: -period %q: want week or month\n", *period)
		return exitUsage
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot report:", err)
		return exitUsage
	}
	text := "/report " + *period
	if scope := strings.TrimSpace(strings.Join(fs.Args(), " ")); scope != "" {
		text += " " + scope
	}
	text += " --out " + abs
	execArgs := []string{"-timeout", timeout.String()}
	if *cfgPath != "" {
		execArgs = append(execArgs, "-config", *cfgPath)
	}
	return runExec(ctx, append(execArgs, text), stdout, stderr)
}

// outFlag is a /report --out FILE in an exec'd command line.
var outFlag = regexp.MustCompile(`(--out[= ]+)([^\s"']+)`)

// absOut makes a relative --out FILE of an exec'd command absolute: the running bot, which
// writes it, has a working directory of its own.
func absOut(text string) string {
	return outFlag.ReplaceAllStringFunc(text, func(m string) string {
		sub := outFlag.FindStringSubmatch(m)
		if filepath.IsAbs(sub[2]) {
			return m
		}
		abs, err := filepath.Abs(sub[2])
		if err != nil {
			return m
		}
		return sub[1] + abs
	})
}
