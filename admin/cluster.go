package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Cluster tells this replica's place in its cluster (the service implements it).
type Cluster interface {
	// ClusterStatus reads the status now; what could not be read is named in Errors.
	ClusterStatus(ctx context.Context) ClusterStatus
}

// Modes of ClusterStatus.
const (
	ModeAlone   = "alone"   // one process on a bbolt file: it does the leader work itself
	ModeCluster = "cluster" // one replica of several on etcd
)

// ClusterStatus is what /cluster shows, as JSON.
type ClusterStatus struct {
	Mode    string `json:"mode"`              // ModeAlone or ModeCluster
	Store   string `json:"store"`             // the store backend: bbolt or etcd
	Replica string `json:"replica,omitempty"` // this replica's id (cluster.id)
	// Joined says the replica holds its session with etcd: it is a member and may lead.
	Joined  bool     `json:"joined"`
	Leading bool     `json:"leading"`           // this replica does the leader work (always, alone)
	Term    int64    `json:"term,omitempty"`    // the leader's fencing token, when this replica leads
	Leader  string   `json:"leader,omitempty"`  // the leading replica's id; "" when none leads
	Members []string `json:"members,omitempty"` // the replicas holding a session, sorted
	// Revision is etcd's revision: it advances with every write to the cluster.
	Revision      int64    `json:"store_revision,omitempty"`
	OutboxWaiting int      `json:"outbox_waiting"` // notices waiting for delivery
	OutboxParked  int      `json:"outbox_parked"`  // notices parked until an admin resends them
	Errors        []string `json:"errors,omitempty"`
}

// cluster serves /cluster: the status as indented JSON, readable in a browser or with curl.
func (s *Server) cluster(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second) // an etcd without quorum answers nothing
	defer cancel()
	st := s.opts.Cluster.ClusterStatus(ctx)
	body, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}

// clusterCheck is /readyz's line about the cluster (of a replica: a bot that runs alone has
// none): a replica without its session with etcd
// is not ready (it can neither lead nor be sure of what it reads).
func clusterCheck(st ClusterStatus) check {
	switch {
	case !st.Joined:
		text := "replica " + st.Replica + " holds no session with etcd"
		if len(st.Errors) > 0 {
			text += ": " + st.Errors[len(st.Errors)-1]
		}
		return check{"cluster", false, text}
	case st.Leading:
		return check{"cluster", true, fmt.Sprintf("replica %s leads (term %d), %d members", st.Replica, st.Term, len(st.Members))}
	case st.Leader == "":
		return check{"cluster", true, fmt.Sprintf("replica %s follows; no leader right now, %d members", st.Replica, len(st.Members))}
	default:
		return check{"cluster", true, fmt.Sprintf("replica %s follows %s, %d members", st.Replica, st.Leader, len(st.Members))}
	}
}
