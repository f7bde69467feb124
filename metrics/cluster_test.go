package metrics_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/partnerbot/partnerbot/internal/promtext"
	"github.com/partnerbot/partnerbot/metrics"
)

// replica is a metrics.ClusterState the test sets.
type replica struct {
	leading atomic.Bool
	members atomic.Int64
	err     atomic.Pointer[error]
}

func (r *replica) Leading() bool { return r.leading.Load() }
func (r *replica) Members(context.Context) (int, error) {
	if e := r.err.Load(); e != nil {
		return 0, *e
	}
	return int(r.members.Load()), nil
}

// TestClusterGauges: a replica's gauges follow its state at each scrape; a member count that
// cannot be read leaves that gauge out, not the scrape; a bot that runs alone has neither.
func TestClusterGauges(t *testing.T) {
	if text := scrape(t, metrics.New()); strings.Contains(text, "partnerbot_cluster_") {
		t.Errorf("a bot without a cluster exports cluster gauges:\n%s", text)
	}
	m := metrics.New()
	r := &replica{}
	r.members.Store(3)
	m.WatchCluster(r)
	check := func(name string, want float64) {
		t.Helper()
		text := scrape(t, m)
		if got, ok := promtext.Value(text, name); !ok || got != want {
			t.Errorf("%s = %v (found %v), want %v", name, got, ok, want)
		}
	}
	check("partnerbot_cluster_leader", 0)
	check("partnerbot_cluster_members", 3)
	r.leading.Store(true)
	r.members.Store(2)
	check("partnerbot_cluster_leader", 1)
	check("partnerbot_cluster_members", 2)
	e := errors.New("no session")
	r.err.Store(&e)
	text := scrape(t, m)
	if _, ok := promtext.Value(text, "partnerbot_cluster_members"); ok {
		t.Error("a member count that could not be read is exported")
	}
	check("partnerbot_cluster_leader", 1)
}
