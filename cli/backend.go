package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/config"
)

// sandboxRate is the client's rate limit against the sandbox, which has no flow control.
const sandboxRate = 200

// newBSS builds the BSS client of the configuration (see newBSSClient) and looks up the
// partner's account id. The returned stop function shuts the sandbox down. obs, if not nil,
// is told of every attempt.
func newBSS(ctx context.Context, cfg *config.Config, log *slog.Logger, obs bss.Observer) (*bss.Client, func(), error) {
	client, stop, err := newBSSClient(ctx, cfg, log, obs)
	if err != nil {
		return nil, nil, err
	}
	// BSS calls carry the partner's account id (X-Domain-Id): learn it now, so that a key IAM
	// refuses is reported at start. Other failures are retried on the first call.
	rctx, cancel := context.WithTimeout(ctx, domainLookupTimeout)
	defer cancel()
	if _, err := client.ResolveDomainID(rctx); err != nil {
		if errors.Is(err, bss.ErrAuth) || errors.Is(err, bss.ErrForbidden) || errors.Is(err, bss.ErrBadResponse) {
			stop()
			return nil, nil, err
		}
		if ctx.Err() == nil { // a caller that gave up (exec's -timeout, a signal) is no failure of BSS
			log.Warn("looking up the partner's account id failed; the first BSS call tries again", "error", err)
		}
	}
	return client, stop, nil
}

// newBSSClient builds the BSS client of the configuration without calling anything. With
// bss.sandbox it first starts the built-in fake BSS on a loopback port, over the sandbox's file
// (cfg.SandboxPath) that every process of the configuration shares, so the client signs and
// sends real HTTP requests exactly as it would to Huawei Cloud. The returned stop function shuts
// the sandbox down; the end of ctx does not, so that commands still running at a shutdown
// reach it.
func newBSSClient(ctx context.Context, cfg *config.Config, log *slog.Logger, obs bss.Observer) (*bss.Client, func(), error) {
	// Each operation's budget: its documented rate, or bss.operation_rate for all, or its own
	// entry (bss.rate_per_operation); rate_per_second, when set, caps all calls together.
	rates, err := bss.OperationRates(cfg.BSS.OperationRate, cfg.BSS.RatePerOperation)
	if err != nil {
		return nil, nil, err
	}
	if cfg.BSS.InteractiveShare != nil {
		log.Warn("bss.interactive_share is no longer used and can be removed: scans use the whole budget while nobody waits, and a person's call goes first")
	}
	c := bss.Config{
		DomainID:         cfg.BSS.DomainID,
		AgencyName:       cfg.BSS.AgencyName,
		IAMEndpoint:      cfg.BSS.IAMEndpoint,
		Timeout:          cfg.BSS.Timeout,
		MaxWait:          cfg.BSS.MaxWait,
		MaxRetries:       cfg.BSS.MaxRetries,
		RatePerSecond:    cfg.BSS.RatePerSecond,
		RatePerOperation: rates,
		PageSize:         cfg.BSS.PageSize,
		Logger:           log.With("component", "bss"),
		Observer:         obs,
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = -1 // config 0 means none; the client's zero means its default
	}
	stop := func() {}
	if cfg.BSS.Sandbox {
		url, shutdown, err := startSandbox(context.WithoutCancel(ctx), "127.0.0.1:0", sandboxFile{cfg.SandboxPath(), cfg.Store.LockTimeout}, log)
		if err != nil {
			return nil, nil, err
		}
		stop = shutdown
		c.Endpoint, c.IAMEndpoint = url, url
		c.Credentials = bsstest.SandboxCredentials
		c.AgencyName = bsstest.SandboxAgency
		c.DomainID = ""
		// The sandbox has no flow control of its own; the real limit is BSS's.
		c.RatePerSecond, c.Burst = max(c.RatePerSecond, sandboxRate), 10
		c.OperationRate, c.RatePerOperation = sandboxRate, nil
		log.Info("using the built-in BSS sandbox", "url", url, "file", cfg.SandboxPath())
	} else {
		endpoint, err := cfg.BSS.EndpointURL()
		if err != nil {
			return nil, nil, err
		}
		c.Endpoint = endpoint
		if c.Credentials, err = bss.CredentialsFromEnv(); err != nil {
			return nil, nil, err
		}
	}
	client, err := bss.New(c)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return client, stop, nil
}

// domainLookupTimeout bounds the start-up look-up of the partner's account id.
const domainLookupTimeout = 30 * time.Second

// sandboxFile is where the sandbox keeps its data (bsstest.Open): path "" = in memory, for
// this process alone. lockTimeout bounds each wait for another process's turn.
type sandboxFile struct {
	path        string
	lockTimeout time.Duration
}

// startSandbox serves the fake BSS on addr until ctx ends or stop is called: the data of file,
// which a new file gets from the demo data laid out now, or the demo data in memory.
func startSandbox(ctx context.Context, addr string, file sandboxFile, log *slog.Logger) (url string, stop func(), err error) {
	opts := bsstest.Options{Data: sandboxDataset(time.Now())}
	var fake *bsstest.Server
	if file.path == "" {
		fake = bsstest.New(opts)
	} else {
		if err := os.MkdirAll(filepath.Dir(file.path), 0o700); err != nil {
			return "", nil, fmt.Errorf("sandbox: %w", err)
		}
		if fake, err = bsstest.Open(file.path, opts, file.lockTimeout); err != nil {
			return "", nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("sandbox: %w", err)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sandbox stopped", "error", err)
		}
	}()
	stopped := make(chan struct{})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(stopped)
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-stopped:
		}
	}()
	return "http://" + ln.Addr().String(), stop, nil
}

// sandboxDataset is the built-in sandbox's demo data at now. It is laid out around the start of
// now's day (UTC), not the start of this process, so that its expiry times are the same in
// every run of the day: alert dedupe, which compares expiry times, then sees no "renewal" at
// each restart.
func sandboxDataset(now time.Time) *bsstest.Dataset {
	return bsstest.Demo(now.UTC().Truncate(24*time.Hour), 1)
}
