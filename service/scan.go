package service

import (
	"context"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/commands"
)

// ScanCommand is the alert scanner as /scan asks it (commands.Scanner): the running bot
// translates alerts' summary into the command's terms, so neither package imports the other.
func ScanCommand(s *alerts.Scanner) commands.Scanner { return scanCommand{s} }

type scanCommand struct{ s *alerts.Scanner }

// ScanNow runs a scan for /scan and reports it in the command's terms.
func (c scanCommand) ScanNow(ctx context.Context, kind string) (commands.ScanResult, error) {
	sum, err := c.s.Scan(ctx, kind)
	r := sum.Requeried
	return commands.ScanResult{Kind: sum.Kind, Customers: sum.Customers, Found: sum.Found, Alerted: sum.Alerted,
		Notices: sum.Notices, Channels: sum.Channels, Failed: sum.Failed, Took: sum.Took, Skipped: sum.Skipped,
		Calls: sum.Calls, FullCalls: sum.FullCalls, Mode: sum.Mode, AskedOrders: r.Orders, AskedNew: r.New,
		AskedCrossed: r.Thresholds, AskedRefresh: r.Refresh}, err
}
