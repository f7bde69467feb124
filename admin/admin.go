// Package admin is the bot's HTTP endpoint for operators and their tools: /healthz (the
// process answers), /readyz (the store is open, every adapter connected, BSS answering, the
// replica holds its session with etcd), /metrics (Prometheus) and /cluster (this replica, the
// members, the leader, the store's revision and the outbox depth, as JSON). It listens on admin.listen, loopback by default: it carries no
// secrets, but nothing on it is meant for the internet.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
)

// Paths served.
const (
	PathHealth  = "/healthz"
	PathReady   = "/readyz"
	PathMetrics = "/metrics"
	PathCluster = "/cluster"
)

// Store is what readiness asks of the store (*store.Store implements it).
type Store interface {
	Ping(ctx context.Context) error
}

// BSSStatus tells the last BSS call's outcome (*metrics.Metrics implements it).
type BSSStatus interface {
	// LastBSS is the last attempt the caller did not cancel and when it ended; ok is false
	// before the first.
	LastBSS() (a bss.Attempt, at time.Time, ok bool)
}

// Options configure a Server.
type Options struct {
	Store    Store
	Adapters []bot.Adapter // those implementing bot.Ready are checked
	BSS      BSSStatus     // nil: not checked
	Metrics  http.Handler  // nil: /metrics is not served
	Cluster  Cluster       // nil: /cluster is not served
	Version  string        // the binary's version, first line of /readyz; empty: not shown
	Logger   *slog.Logger
	Now      func() time.Time
}

// Server serves the admin endpoints.
type Server struct {
	opts     Options
	srv      *http.Server
	ln       net.Listener
	draining atomic.Bool
	done     chan error
}

// DefaultPort is admin.listen's default port. The Prometheus project's list of default port
// allocations gives 9090-9099 to its own servers (9090 is Prometheus itself, and Cockpit's
// too) and 9100 upward to exporters; 8079 lies below that list and is no other program's
// well-known port.
const DefaultPort = "8079"

// Listen binds addr (host:port) and returns a Server ready to Serve; a bind failure (port in
// use) is returned now, so that it stops the start, naming the port and the key to change.
func Listen(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		port := addr
		if _, p, serr := net.SplitHostPort(addr); serr == nil {
			port = p
		}
		return nil, fmt.Errorf("admin.listen %q: cannot listen on port %s (another program holds it? set admin.listen to a free host:port, or to \"\" to turn the admin endpoint off): %w", addr, port, err)
	}
	return New(ln, opts), nil
}

// New serves on ln once Serve is called.
func New(ln net.Listener, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, ln: ln, done: make(chan error, 1)}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)}
	return s
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Start serves in the background until Shutdown.
func (s *Server) Start() {
	s.opts.Logger.Info("admin endpoints listening", "addr", s.ln.Addr().String(),
		"paths", strings.Join(s.paths(), ","))
	go func() {
		err := s.srv.Serve(s.ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
}

// Drain marks the bot as stopping: /readyz answers 503 from now on, /healthz still 200.
func (s *Server) Drain() { s.draining.Store(true) }

// Shutdown stops the server, letting requests under way finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	if serr := <-s.done; serr != nil && err == nil {
		err = serr
	}
	return err
}

// Handler routes the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathHealth, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET "+PathReady, s.ready)
	if s.opts.Metrics != nil {
		mux.Handle("GET "+PathMetrics, s.opts.Metrics)
	}
	if s.opts.Cluster != nil {
		mux.HandleFunc("GET "+PathCluster, s.cluster)
	}
	return mux
}

// paths are the paths served.
func (s *Server) paths() []string {
	ps := []string{PathHealth, PathReady}
	if s.opts.Metrics != nil {
		ps = append(ps, PathMetrics)
	}
	if s.opts.Cluster != nil {
		ps = append(ps, PathCluster)
	}
	return ps
}

// check is one line of /readyz.
type check struct {
	name string
	ok   bool
	text string
}

// ready answers 200 when every check passes, 503 naming those that fail; each check is one
// line: "ok store: open" or "FAIL adapter telegram: not connected".
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	cs := s.checks(r.Context())
	status := http.StatusOK
	for _, c := range cs {
		if !c.ok {
			status = http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	for _, c := range cs {
		mark := "ok"
		if !c.ok {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.name, c.text)
	}
}

// checks runs the readiness checks: shutting down, the store, each adapter, BSS.
func (s *Server) checks(ctx context.Context) []check {
	var cs []check
	if s.opts.Version != "" {
		cs = append(cs, check{"version", true, s.opts.Version})
	}
	if s.draining.Load() {
		cs = append(cs, check{"bot", false, "shutting down: taking no new messages"})
	}
	if s.opts.Store != nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.opts.Store.Ping(ctx)
		cancel()
		if err != nil {
			cs = append(cs, check{"store", false, err.Error()})
		} else {
			cs = append(cs, check{"store", true, "open"})
		}
	}
	for _, a := range s.opts.Adapters {
		name := "adapter " + a.Platform()
		r, ok := a.(bot.Ready)
		switch {
		case !ok:
			cs = append(cs, check{name, true, "running (no connection to check)"})
		case r.Connected():
			cs = append(cs, check{name, true, "connected"})
		default:
			cs = append(cs, check{name, false, "not connected"})
		}
	}
	if s.opts.BSS != nil {
		cs = append(cs, s.bssCheck())
	}
	if s.opts.Cluster != nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if st := s.opts.Cluster.ClusterStatus(ctx); st.Mode == ModeCluster { // alone: nothing to check
			cs = append(cs, clusterCheck(st))
		}
		cancel()
	}
	return cs
}

// bssCheck fails when the last BSS call says BSS is failing us (no answer, a 5xx, an
// unreadable answer, credentials refused); it passes before the first call.
func (s *Server) bssCheck() check {
	a, at, ok := s.opts.BSS.LastBSS()
	if !ok {
		return check{"bss", true, "no call yet"}
	}
	age := s.opts.Now().Sub(at).Round(time.Second)
	status := "no answer"
	if a.Status != 0 {
		status = fmt.Sprintf("HTTP %d", a.Status)
	}
	text := fmt.Sprintf("last call %s %s, %s, %s ago", a.Op, status, a.Outcome(), age)
	if a.Failed() {
		if a.Err != nil && a.Err.Code != "" {
			text += " (" + a.Err.Code + ")"
		}
		return check{"bss", false, text}
	}
	return check{"bss", true, text}
}
