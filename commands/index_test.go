package commands_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// recordingIndex is an expiry index that has seen no scan and records what it is asked to refresh.
type recordingIndex struct {
	mu        sync.Mutex
	refreshed []string
	err       error // what Refresh returns
}

func (x *recordingIndex) ExpiryScanState(context.Context) (store.ExpiryScanState, bool, error) {
	return store.ExpiryScanState{}, false, nil
}

func (x *recordingIndex) ExpiringIndexed(context.Context, time.Time, time.Time) ([]store.TimedResource, error) {
	return nil, errors.New("no scan yet: not to be read")
}

func (x *recordingIndex) IndexedCustomers(context.Context, []string) (map[string]store.IndexedCustomer, error) {
	return nil, errors.New("no scan yet: not to be read")
}

func (x *recordingIndex) Refresh(_ context.Context, customerID string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.refreshed = append(x.refreshed, customerID)
	return x.err
}

func (x *recordingIndex) asked() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.refreshed)
}

// TestActionsAskTheIndexToRefresh: the commands never write the expiry index (package alerts is
// its one writer); an approved action that changed a customer's resources asks the index to
// list that customer again, and a refresh that fails does not fail the action.
func TestActionsAskTheIndexToRefresh(t *testing.T) {
	tests := []struct {
		name    string
		request func(e *actEnv) string
		approve bool
		err     error
		want    func(e *actEnv) []string
	}{
		{"renewed", func(e *actEnv) string {
			return "/renew " + e.zsResource("zhangsan-web-01").ResourceID + " 3m --autopay"
		},
			true, nil, func(e *actEnv) []string { return []string{e.zsResource("zhangsan-web-01").CustomerID} }},
		{"the refresh fails", func(e *actEnv) string {
			return "/renew " + e.zsResource("zhangsan-web-01").ResourceID + " 1m --autopay"
		},
			true, errors.New("bss down"), func(e *actEnv) []string { return []string{e.zsResource("zhangsan-web-01").CustomerID} }},
		{"only requested", func(e *actEnv) string {
			return "/renew " + e.zsResource("zhangsan-web-01").ResourceID + " 3m --autopay"
		},
			false, nil, func(*actEnv) []string { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			index := &recordingIndex{err: tt.err}
			e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.ExpiryIndex = index })
			if rep, text := e.say("console:alice", tt.request(e)); rep.Error {
				t.Fatalf("request refused: %s", text)
			}
			if tt.approve {
				rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", e.lastRequest().ID))
				if rep.Error || !strings.Contains(text, "✅ 已执行") {
					t.Fatalf("approve: %s", text)
				}
			}
			if got, want := index.asked(), tt.want(e); !slices.Equal(got, want) {
				t.Errorf("refreshed %v, want %v", got, want)
			}
		})
	}
}
