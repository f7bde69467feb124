// Package testenv is the one test environment the packages share, as joetest is for joe: the
// BSS sandbox over real HTTP, a real BSS client of it, a real bbolt store on a settable clock,
// and the command router over both — so that a test of an adapter talks to the same neighbours
// the binary does, and no package keeps its own copy of the wiring.
package testenv

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// Env is one environment; everything in it is closed when the test ends.
type Env struct {
	Srv    *bsstest.Server
	Client *bss.Client
	Store  *store.Store
	Path   string           // the store's file, which Reopen opens again
	Clock  *fakeclock.Clock // the clock of the sandbox, the client, the store, the scanner and the router
	Router *commands.Router
	// Scanner is the alert scanner on Client and Store when Options.Scanner asked for one.
	Scanner *alerts.Scanner
	Logs    *SyncBuffer  // what Log wrote, at debug level
	Log     *slog.Logger // a text logger into Logs, for the code under test
	// WrapBSS, when set, stands between the router and Client from the next Reopen on (a test
	// sets it to make BSS misbehave for a restarted process).
	WrapBSS func(commands.BSS) commands.BSS

	opts Options
}

// Options adjust an environment; the zero value is the demo sandbox, a router with default
// options, and a clock fixed at bsstest.TestTime, so that no test depends on the day it runs.
type Options struct {
	Sandbox bsstest.Options     // its Now, when nil, is the Clock's
	Router  commands.Options    // as given to commands.New; its Now, when nil, is the Clock's, its ExpiryIndex the store's
	BSS     func(c *bss.Config) // adjusts the client's configuration (which signs by the Clock)
	Clock   *fakeclock.Clock    // nil = a clock showing bsstest.TestTime
	// Scanner, when set, builds Env.Scanner on the client and the store; its Now, when nil, is
	// the Clock's.
	Scanner *alerts.Options
	// ScanCommand, when set with Scanner, hands the scanner to the router as /scan's
	// commands.Scanner (cli passes service.ScanCommand, which testenv may not import).
	ScanCommand func(*alerts.Scanner) commands.Scanner
	// Forecast, with Scanner, has its expiry scans compute the renewal and arrears forecast
	// (alerts.Options.Forecaster), on the same forecaster as the router's /forecast.
	Forecast bool
}

// New builds an environment for t.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	if o.Clock == nil {
		o.Clock = fakeclock.New(bsstest.TestTime)
	}
	if o.Sandbox.Now == nil {
		o.Sandbox.Now = o.Clock.Now
	}
	if o.Router.Now == nil {
		o.Router.Now = o.Clock.Now
	}
	srv := bsstest.NewTestServer(t, o.Sandbox)
	cfg := bss.Config{Endpoint: srv.URL, IAMEndpoint: srv.URL, Credentials: bsstest.SandboxCredentials,
		AgencyName: bsstest.SandboxAgency, RatePerSecond: 1000, Burst: 10, MaxRetries: -1, Timeout: 10 * time.Second,
		Now: o.Clock.Now}
	if o.BSS != nil {
		o.BSS(&cfg)
	}
	client, err := bss.New(cfg)
	if err != nil {
		t.Fatalf("bss.New: %v", err)
	}
	logs := &SyncBuffer{}
	e := &Env{Srv: srv, Client: client, Path: filepath.Join(t.TempDir(), "bot.db"), Clock: o.Clock, Logs: logs,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), opts: o}
	e.open(t)
	t.Cleanup(func() {
		if err := e.Store.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return e
}

// Reopen closes the store and opens its file again, with a new scanner and router on it, as
// a restarted process would.
func (e *Env) Reopen(t testing.TB) {
	t.Helper()
	if err := e.Store.Close(); err != nil {
		t.Fatalf("closing the store: %v", err)
	}
	e.open(t)
}

// open opens the store at Path and builds the scanner and the router on it.
func (e *Env) open(t testing.TB) {
	t.Helper()
	st, err := store.Open(e.Path, store.Options{Now: e.Clock.Now})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	e.Store = st
	ro := e.opts.Router
	if ro.ExpiryIndex == nil {
		ro.ExpiryIndex = alerts.NewIndex(e.Client, st, e.Clock.Now) // as cli wires it
	}
	fc := alerts.NewForecaster(e.Client, st, e.Clock.Now, e.Log, 4) // as cli wires it
	if ro.Forecaster == nil {
		ro.Forecaster = fc
	}
	if e.opts.Scanner != nil {
		so := *e.opts.Scanner
		if so.Now == nil {
			so.Now = e.Clock.Now
		}
		if e.opts.Forecast {
			so.Forecaster = fc
		}
		e.Scanner = alerts.New(e.Client, st, so)
		if e.opts.ScanCommand != nil && ro.Scanner == nil {
			ro.Scanner = e.opts.ScanCommand(e.Scanner)
		}
	}
	var b commands.BSS = e.Client
	if e.WrapBSS != nil {
		b = e.WrapBSS(b)
	}
	e.Router = commands.New(b, st, ro)
}

// Customer is the sandbox's customer with the account name, the partner's or else a
// reseller's; the test fails when there is none.
func (e *Env) Customer(t testing.TB, account string) bsstest.Customer {
	t.Helper()
	all := e.Srv.Customers()
	for _, r := range e.Srv.Resellers() {
		all = append(all, e.Srv.ResellerCustomers(r.ID)...)
	}
	for _, c := range all {
		if c.AccountName == account {
			return c
		}
	}
	t.Fatalf("the sandbox has no customer with account %q", account)
	return bsstest.Customer{}
}

// Resource is the sandbox's resource with the name, of the partner's customer with the account
// name ("" = of any of the partner's customers); the test fails when there is none.
func (e *Env) Resource(t testing.TB, account, name string) bsstest.Resource {
	t.Helper()
	for _, c := range e.Srv.Customers() {
		if account != "" && c.AccountName != account {
			continue
		}
		for _, r := range e.Srv.Resources(c.ID) {
			if r.Name == name {
				return r
			}
		}
	}
	t.Fatalf("the sandbox has no resource %q of customer %q", name, account)
	return bsstest.Resource{}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (loggers, output of goroutines).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
