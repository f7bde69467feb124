package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when scans run: cron specs (five fields, or @hourly and friends) in a zone.
type Schedule struct {
	Expiry  string // default "0 9 * * *": daily at 09:00
	Arrears string // default "0 * * * *": hourly
	Health  string // default Options.Health.Schedule ("30 9 * * *": daily at 09:30)
	// NoArrears leaves the arrears scan out (the international site has no balance API).
	NoArrears bool
	Location  *time.Location
	// Report is when Reporter queues the partner report to the channels subscribed to it;
	// default DefaultReportSchedule. No Reporter: no report.
	Report   string
	Reporter *Reporter
}

// DefaultReportSchedule is the partner report's default schedule: Mondays at 09:00.
const DefaultReportSchedule = "0 9 * * 1"

// Start runs the scans on their schedule until ctx ends; it returns once the schedule is set.
// A scan still running when the next is due is skipped, not queued.
func (s *Scanner) Start(ctx context.Context, sch Schedule) (*cron.Cron, error) {
	if sch.Expiry == "" {
		sch.Expiry = "0 9 * * *"
	}
	if sch.Arrears == "" {
		sch.Arrears = "0 * * * *"
	}
	if sch.Location == nil {
		sch.Location = s.opts.Location
	}
	c := cron.New(cron.WithLocation(sch.Location), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if sch.Health == "" {
		sch.Health = s.opts.Health.Schedule
	}
	specs := map[string]string{KindExpiry: sch.Expiry, KindArrears: sch.Arrears, KindHealth: sch.Health}
	if sch.NoArrears {
		delete(specs, KindArrears)
	}
	for kind, spec := range specs {
		if _, err := c.AddFunc(spec, func() {
			if _, err := s.Scan(ctx, kind); err != nil && ctx.Err() == nil {
				s.opts.Logger.Error("scheduled scan failed", "kind", kind, "error", err)
			}
		}); err != nil {
			return nil, fmt.Errorf("alerts: %s schedule %q: %w", kind, spec, err)
		}
	}
	if sch.Reporter != nil {
		if sch.Report == "" {
			sch.Report = DefaultReportSchedule
		}
		if _, err := c.AddFunc(sch.Report, func() {
			if _, err := sch.Reporter.Send(ctx); err != nil && ctx.Err() == nil {
				s.opts.Logger.Error("scheduled report failed", "error", err)
			}
		}); err != nil {
			return nil, fmt.Errorf("alerts: report schedule %q: %w", sch.Report, err)
		}
	}
	c.Start()
	go func() {
		<-ctx.Done()
		<-c.Stop().Done()
	}()
	return c, nil
}

// CheckSpec reports whether spec is a valid schedule, for configuration checks.
func CheckSpec(spec string) error {
	_, err := cron.ParseStandard(spec)
	return err
}
