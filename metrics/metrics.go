// Package metrics measures the bot for Prometheus. Metrics implements the observer interfaces
// the other packages declare (bss.Observer, commands.Observer, alerts.Observer,
// bot.DeliveryObserver), so that only this package knows Prometheus (commands.Observer is
// checked in the tests, so that metrics need not import commands); what is state rather than
// events (the outbox, approvals by state, adapters connected) is read from its source at each
// scrape. Every metric is named partnerbot_*; the README lists them.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/store"
)

var (
	_ bss.Observer         = (*Metrics)(nil)
	_ alerts.Observer      = (*Metrics)(nil)
	_ bot.DeliveryObserver = (*Metrics)(nil)
)

// Latency buckets, in seconds.
var (
	// Commands answer in milliseconds (the store) to a minute (a slow BSS), /scan in minutes.
	commandBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900}
	// One BSS attempt: tens of milliseconds to its 30 s timeout.
	bssBuckets = []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	// A scan: seconds for a few customers, minutes for thousands.
	scanBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 900, 1800}
)

// Metrics holds the bot's instruments in a registry of its own. Its observer methods are safe
// for concurrent use and never block on I/O.
type Metrics struct {
	reg *prometheus.Registry

	commands        *prometheus.CounterVec
	commandDuration *prometheus.HistogramVec

	bssRequests  *prometheus.CounterVec
	bssDuration  *prometheus.HistogramVec
	bssRetries   *prometheus.CounterVec
	bssThrottled *prometheus.CounterVec

	alertsFound  *prometheus.CounterVec
	alertsNew    *prometheus.CounterVec
	alertsSent   *prometheus.CounterVec
	alertsFailed *prometheus.CounterVec
	notices      *prometheus.CounterVec

	scans           *prometheus.CounterVec
	scanDuration    *prometheus.HistogramVec
	scanLastSuccess *prometheus.GaugeVec
	scanFailedCusts *prometheus.CounterVec

	mu      sync.Mutex
	lastBSS bss.Attempt // the last attempt the caller did not cancel
	lastAt  time.Time   // when it ended; zero before the first
}

// New builds the instruments and registers them, with Go runtime, process and build
// information, in a new registry.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
		m.reg.MustRegister(h)
		return h
	}
	m.commands = counter("partnerbot_commands_total",
		"Chat commands handled, by command and outcome (ok, invalid, denied, unknown, not-found, error).", "command", "outcome")
	m.commandDuration = histogram("partnerbot_command_duration_seconds",
		"Time to answer a chat command, BSS calls included.", commandBuckets, "command", "outcome")
	m.bssRequests = counter("partnerbot_bss_requests_total",
		"HTTP attempts to BSS and IAM (retries included), by operation, HTTP status (none: no answer) and outcome.", "op", "status", "outcome")
	m.bssDuration = histogram("partnerbot_bss_request_duration_seconds",
		"Time of one HTTP attempt to BSS or IAM.", bssBuckets, "op")
	m.bssRetries = counter("partnerbot_bss_retries_total", "Attempts to BSS or IAM that were retries.", "op")
	m.bssThrottled = counter("partnerbot_bss_throttled_total",
		"Answers asking the client to slow down (HTTP 429, CBC.0250, APIG.0308).", "op")
	m.alertsFound = counter("partnerbot_alerts_found_total",
		"Items scans found: resources expiring within a subscribed window, or customers in arrears.", "kind")
	m.alertsNew = counter("partnerbot_alerts_new_total", "Items newly alerted by scans, over all channels.", "kind")
	m.alertsSent = counter("partnerbot_alerts_sent_total", "Alert digests delivered to their channel.", "kind")
	m.alertsFailed = counter("partnerbot_alerts_failed_total",
		"Failed deliveries of alert digests (retried later, or parked when they never can be delivered).", "kind")
	m.notices = counter("partnerbot_notices_total",
		"Delivery attempts of outbox notices, by platform, notice kind and outcome (sent, failed, throttled, parked).",
		"platform", "kind", "outcome")
	m.scans = counter("partnerbot_scans_total", "Alert scans run, by kind and outcome (ok, error).", "kind", "outcome")
	m.scanDuration = histogram("partnerbot_scan_duration_seconds", "Time of one alert scan.", scanBuckets, "kind")
	m.scanLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "partnerbot_scan_last_success_timestamp_seconds",
		Help: "When the last scan of each kind finished without error (Unix time)."}, []string{"kind"})
	m.reg.MustRegister(m.scanLastSuccess)
	m.scanFailedCusts = counter("partnerbot_scan_failed_customers_total",
		"Customers whose query failed twice in a scan (named in its summary; the scan went on).", "kind")
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	return m
}

// Registry is the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format. A source that cannot be read at
// scrape time (a closed store) leaves its metrics out and is logged; the others are served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slogPrinter{log},
		Timeout:       10 * time.Second,
	})
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.log.Warn("metrics: a source could not be read", "error", strings.TrimSpace(fmt.Sprintln(v...)))
}

// ObserveCommand counts a command and its latency (commands.Observer).
func (m *Metrics) ObserveCommand(_ context.Context, name, outcome string, took time.Duration) {
	if name == "" {
		name = "none"
	}
	m.commands.WithLabelValues(name, outcome).Inc()
	m.commandDuration.WithLabelValues(name, outcome).Observe(took.Seconds())
}

// ObserveAttempt counts one HTTP attempt to BSS, its latency, retries and throttling, and
// remembers it for the readiness check (bss.Observer).
func (m *Metrics) ObserveAttempt(_ context.Context, a bss.Attempt) {
	status := "none"
	if a.Status != 0 {
		status = strconv.Itoa(a.Status)
	}
	m.bssRequests.WithLabelValues(a.Op, status, a.Outcome()).Inc()
	m.bssDuration.WithLabelValues(a.Op).Observe(a.Took.Seconds())
	if a.Retry > 0 {
		m.bssRetries.WithLabelValues(a.Op).Inc()
	}
	if a.Throttled() {
		m.bssThrottled.WithLabelValues(a.Op).Inc()
	}
	if a.Cancelled {
		return // says nothing about BSS
	}
	m.mu.Lock()
	m.lastBSS, m.lastAt = a, time.Now()
	m.mu.Unlock()
}

// LastBSS is the last BSS attempt the caller did not cancel and when it ended; ok is false
// before the first.
func (m *Metrics) LastBSS() (a bss.Attempt, at time.Time, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastBSS, m.lastAt, !m.lastAt.IsZero()
}

// ObserveScan counts a scan, what it found and alerted, and its duration (alerts.Observer).
func (m *Metrics) ObserveScan(_ context.Context, sum alerts.Summary, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.scans.WithLabelValues(sum.Kind, outcome).Inc()
	m.scanDuration.WithLabelValues(sum.Kind).Observe(sum.Took.Seconds())
	m.alertsFound.WithLabelValues(sum.Kind).Add(float64(sum.Found))
	m.alertsNew.WithLabelValues(sum.Kind).Add(float64(sum.Alerted))
	m.scanFailedCusts.WithLabelValues(sum.Kind).Add(float64(len(sum.Failed)))
	if err == nil {
		m.scanLastSuccess.WithLabelValues(sum.Kind).Set(float64(sum.Started.Add(sum.Took).Unix()))
	}
}

// ObserveDelivery counts a delivery attempt of a notice, and of an alert digest apart
// (bot.DeliveryObserver).
func (m *Metrics) ObserveDelivery(n store.Notice, outcome string) {
	kind := n.Kind
	if kind == "" {
		kind = "none"
	}
	m.notices.WithLabelValues(n.Platform, kind, outcome).Inc()
	alert, ok := strings.CutPrefix(n.Kind, "alert:")
	if !ok {
		return
	}
	switch outcome {
	case "sent":
		m.alertsSent.WithLabelValues(alert).Inc()
	case "failed", "parked":
		m.alertsFailed.WithLabelValues(alert).Inc()
	}
}

// State is what is read of the store at each scrape (*store.Store implements it).
type State interface {
	OutboxStats(ctx context.Context) (store.OutboxStats, error)
	ApprovalCounts(ctx context.Context) (map[store.ApprovalState]int, error)
}

// approvalStates are exported at every scrape, 0 included, so that a state's series exists
// before its first request.
var approvalStates = []store.ApprovalState{store.StatePending, store.StateApproved, store.StateExecuting,
	store.StateSucceeded, store.StateFailed, store.StateRejected, store.StateExpired, store.StateCancelled}

// Watch adds the metrics read at scrape time: the outbox and approvals of st, and whether each
// adapter that can tell (bot.Ready) is connected. Call it once.
func (m *Metrics) Watch(st State, adapters []bot.Adapter) {
	m.reg.MustRegister(&stateCollector{st: st, adapters: adapters})
}

var (
	descOutbox = prometheus.NewDesc("partnerbot_outbox_notices",
		"Notices not yet delivered: waiting (due now or later) or parked (until an admin resends them).", []string{"state"}, nil)
	descOutboxAge = prometheus.NewDesc("partnerbot_outbox_oldest_notice_age_seconds",
		"Age of the oldest notice waiting for delivery; 0 when none waits.", nil, nil)
	descApprovals = prometheus.NewDesc("partnerbot_approvals",
		"Approval requests in the store, by state.", []string{"state"}, nil)
	descConnected = prometheus.NewDesc("partnerbot_adapter_connected",
		"Whether a chat adapter is connected to its platform (1) or not (0).", []string{"platform"}, nil)
)

type stateCollector struct {
	st       State
	adapters []bot.Adapter
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutbox
	ch <- descOutboxAge
	ch <- descApprovals
	ch <- descConnected
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if ob, err := c.st.OutboxStats(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(descOutbox, err)
	} else {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(ob.Waiting), "waiting")
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(ob.Parked), "parked")
		age := 0.0
		if !ob.Oldest.IsZero() {
			age = max(0, time.Since(ob.Oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age)
	}
	if counts, err := c.st.ApprovalCounts(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(descApprovals, err)
	} else {
		for _, s := range approvalStates {
			ch <- prometheus.MustNewConstMetric(descApprovals, prometheus.GaugeValue, float64(counts[s]), string(s))
		}
	}
	for _, a := range c.adapters {
		r, ok := a.(bot.Ready)
		if !ok {
			continue
		}
		v := 0.0
		if r.Connected() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, v, a.Platform())
	}
}

// ClusterState is this replica's place in its cluster, read at each scrape (the service
// implements it).
type ClusterState interface {
	// Leading reports whether this replica does the leader work now.
	Leading() bool
	// Members counts the replicas holding a session (the member keys).
	Members(ctx context.Context) (int, error)
}

// WatchCluster adds partnerbot_cluster_leader and partnerbot_cluster_members, read from c at
// each scrape. Call it once, and only for a replica of a cluster: a bot that runs alone has
// neither gauge.
func (m *Metrics) WatchCluster(c ClusterState) {
	m.reg.MustRegister(&clusterCollector{c: c})
}

var (
	descLeader = prometheus.NewDesc("partnerbot_cluster_leader",
		"Whether this replica is the cluster's leader (1), which scans, delivers the outbox and polls Telegram, or not (0).", nil, nil)
	descMembers = prometheus.NewDesc("partnerbot_cluster_members",
		"Replicas holding a session with etcd (member keys), as this replica reads them.", nil, nil)
)

type clusterCollector struct{ c ClusterState }

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descLeader
	ch <- descMembers
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	v := 0.0
	if c.c.Leading() {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(descLeader, prometheus.GaugeValue, v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := c.c.Members(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(descMembers, err)
	} else {
		ch <- prometheus.MustNewConstMetric(descMembers, prometheus.GaugeValue, float64(n))
	}
}
