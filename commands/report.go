package commands

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/report"
)

// /report (issue #26): the partner report as one picture with its caption. Its data is what the
// bot already has: the monthly bills (as /spend), the arrears scan's balance cache and the
// forecast the last expiry scan stored.

// consolePlatform is the console chat's and `partnerbot exec`'s platform: the only one that
// may write the picture to a file (--out), on the bot's own host.
const consolePlatform = "console"

func runReport(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpListSubcustomerMonthlyBills); err != nil {
		return chat.Reply{}, err
	}
	out, hasOut := c.Flag("out")
	out = strings.TrimSpace(out)
	if hasOut && c.Req.Platform != consolePlatform {
		return chat.Reply{}, c.fail("err.report_out_platform")
	}
	if hasOut && out == "" {
		return chat.Reply{}, c.fail("err.report_out_empty")
	}
	d, err := c.reportData(ctx, c.Inv.Args)
	if err != nil {
		return chat.Reply{}, err
	}
	img, caption, err := report.Image(d, c.Lang)
	if err != nil {
		return chat.Reply{}, err
	}
	rep := chat.Reply{Text: caption, Images: []chat.Image{img}}
	if c.Req.Platform == consolePlatform {
		if !hasOut {
			rep.Footer = c.Lang.T("report.console_hint")
			return rep, nil
		}
		if err := os.WriteFile(out, img.PNG, 0o644); err != nil {
			return chat.Reply{}, c.fail("err.report_out_write", out, err.Error())
		}
		abs, err := filepath.Abs(out)
		if err != nil {
			abs = out
		}
		rep.Footer = c.Lang.T("report.saved", abs, len(img.PNG)/1024)
	}
	return rep, nil
}

// reportData reads /report's arguments — [week|month] [customer|label:X|*] — and gathers and
// builds the report's data.
func (c *Call) reportData(ctx context.Context, args []string) (report.Data, error) {
	period := report.Week
	if len(args) > 0 {
		if p, ok := report.ParsePeriod(args[0]); ok {
			period, args = p, args[1:]
		}
	}
	q := strings.TrimSpace(strings.Join(args, " "))
	var scope report.Scope
	switch label, byLabel := strings.CutPrefix(q, "label:"); {
	case q == "" || q == "*":
	case byLabel:
		if strings.TrimSpace(label) == "" {
			return report.Data{}, c.fail("err.fc_label")
		}
		scope.Label = strings.TrimSpace(label)
	default:
		cu, err := c.oneCustomer(ctx, q)
		if err != nil {
			return report.Data{}, err
		}
		scope = report.Scope{CustomerID: cu.ID, Name: lang.CustomerName(cu)}
	}
	g := report.Gatherer{BSS: c.r.bss, Zone: c.r.loc}
	if c.r.store != nil {
		g.Balances = c.r.store
	}
	if c.r.opts.Forecaster != nil {
		g.Forecasts = c.r.opts.Forecaster
	}
	in, err := g.Gather(ctx, c.now, scope)
	if err != nil {
		return report.Data{}, c.bssError(err)
	}
	return report.Build(in, scope, period), nil
}

// reportTimeout bounds /report: seven months of bills of every customer, three calls a month.
const reportTimeout = 5 * time.Minute
