package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/admin"
)

// replica is an admin.Cluster the test sets.
type replica struct {
	mu sync.Mutex
	st admin.ClusterStatus
}

func (r *replica) ClusterStatus(context.Context) admin.ClusterStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

func (r *replica) set(st admin.ClusterStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st = st
}

// serveCluster serves the admin endpoints with c as the cluster and no other check.
func serveCluster(t *testing.T, c admin.Cluster) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := admin.New(ln, admin.Options{Cluster: c})
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func getBody(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestClusterPage: /cluster shows the status as indented JSON, and /readyz has a line on the
// cluster (a replica's: alone, none) that fails while the replica holds no session with etcd.
func TestClusterPage(t *testing.T) {
	r := &replica{}
	url := serveCluster(t, r)
	for _, tc := range []struct {
		name   string
		st     admin.ClusterStatus
		status int
		line   string
	}{
		{"alone", admin.ClusterStatus{Mode: admin.ModeAlone, Store: "bbolt", Leading: true, OutboxWaiting: 2},
			http.StatusOK, ""},
		{"leader", admin.ClusterStatus{Mode: admin.ModeCluster, Store: "etcd", Replica: "r0", Joined: true, Leading: true, Term: 42,
			Leader: "r0", Members: []string{"r0", "r1", "r2"}, Revision: 1234},
			http.StatusOK, "ok cluster: replica r0 leads (term 42), 3 members"},
		{"follower", admin.ClusterStatus{Mode: admin.ModeCluster, Store: "etcd", Replica: "r1", Joined: true, Leader: "r0",
			Members: []string{"r0", "r1"}}, http.StatusOK, "ok cluster: replica r1 follows r0, 2 members"},
		{"no leader", admin.ClusterStatus{Mode: admin.ModeCluster, Store: "etcd", Replica: "r1", Joined: true, Members: []string{"r1"}},
			http.StatusOK, "ok cluster: replica r1 follows; no leader right now, 1 members"},
		{"no session", admin.ClusterStatus{Mode: admin.ModeCluster, Store: "etcd", Replica: "r2",
			Errors: []string{"etcd unreachable"}}, http.StatusServiceUnavailable,
			"FAIL cluster: replica r2 holds no session with etcd: etcd unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.set(tc.st)
			code, ctype, body := getBody(t, url+admin.PathCluster)
			if code != http.StatusOK || !strings.HasPrefix(ctype, "application/json") {
				t.Fatalf("/cluster %d %s:\n%s", code, ctype, body)
			}
			if !strings.Contains(body, "\n  \"mode\": ") {
				t.Errorf("/cluster is not indented:\n%s", body)
			}
			var got admin.ClusterStatus
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, tc.st); g != w {
				t.Errorf("/cluster = %s, want %s", g, w)
			}
			code, _, body = getBody(t, url+admin.PathReady)
			if tc.line == "" { // alone: the bot's /readyz as before
				if code != tc.status || strings.Contains(body, "cluster") {
					t.Errorf("/readyz %d, want %d without a line on the cluster:\n%s", code, tc.status, body)
				}
				return
			}
			if code != tc.status || !strings.Contains(body, tc.line+"\n") {
				t.Errorf("/readyz %d, want %d with %q:\n%s", code, tc.status, tc.line, body)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNoClusterPageWithoutCluster: without a Cluster, /cluster is not served and /readyz says
// nothing of it.
func TestNoClusterPageWithoutCluster(t *testing.T) {
	e := newEnv(t)
	if code, _ := e.get(admin.PathCluster); code != http.StatusNotFound {
		t.Errorf("/cluster %d without a cluster, want 404", code)
	}
	if _, body := e.get(admin.PathReady); strings.Contains(body, "cluster") {
		t.Errorf("/readyz speaks of a cluster:\n%s", body)
	}
}
