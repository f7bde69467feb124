package telegram

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// runCounter is a handler that counts how often each command ran and answers "ran <text> #n".
type runCounter struct {
	mu   sync.Mutex
	runs map[string]int
}

func (c *runCounter) handle(_ context.Context, req chat.Request) (chat.Reply, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[string]int{}
	}
	c.runs[req.Text]++
	return chat.Reply{Text: fmt.Sprintf("ran %s #%d", req.Text, c.runs[req.Text])}, true
}

func (c *runCounter) count(text string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[text]
}

// runUntilStopped runs an adapter with opts and h; stop cancels it and waits for Run to end.
func (e *env) runUntilStopped(opts Options, h *runCounter) (stop func()) {
	e.t.Helper()
	a, err := New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h.handle) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run = %v, want nil after cancel", err)
			}
		case <-time.After(15 * time.Second):
			e.t.Error("Run did not return after cancel")
		}
	}
	e.t.Cleanup(stop)
	return stop
}

// openDeliveries opens the store file at path for the inbound deliveries of one adapter's life.
func openDeliveries(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestRepeatAfterRestartRunsOnce: an update taken and answered before a restart and delivered
// again after it runs once, when the new adapter reads the deliveries from the same store file:
// by long polling when the confirmation was lost (as a kill -9 right after the command ran
// leaves it: Telegram never heard the next offset), and by a webhook Telegram retries.
func TestRepeatAfterRestartRunsOnce(t *testing.T) {
	t.Run("poll", func(t *testing.T) {
		e := newEnv(t)
		path := filepath.Join(t.TempDir(), "state.db")
		runs := &runCounter{}
		opts := e.options()
		opts.Workers = 1 // in order: a repeat that ran would run before the probe after it

		// The first life takes the update, runs it, and is never able to confirm it.
		e.fake.Say(alice.ID, alice, "/renew r-1 1m")
		e.fake.Inject(telegramtest.Fault{Method: "getUpdates", Status: http.StatusBadGateway, Desc: "Bad Gateway", Skip: 1})
		st := openDeliveries(t, path)
		opts.Deliveries = st
		stop := e.runUntilStopped(opts, runs)
		e.waitMsg(alice.ID, "ran /renew r-1 1m #1")
		stop()
		if n := e.fake.Pending(); n != 1 {
			t.Fatalf("%d updates unconfirmed after the first life, want 1 (the test needs Telegram to hand it out again)", n)
		}
		st.Close()

		// The second life, on the same file, is handed the update again.
		e.fake.ClearFaults()
		opts.Deliveries = openDeliveries(t, path)
		stop = e.runUntilStopped(opts, runs)
		e.fake.Say(alice.ID, alice, "/probe") // once answered, the repeat was taken before it
		e.waitMsg(alice.ID, "ran /probe #1")
		stop()
		if n := runs.count("/renew r-1 1m"); n != 1 {
			t.Errorf("the update ran %d times across the restart, want once", n)
		}
		if n := e.fake.Pending(); n != 0 {
			t.Errorf("%d updates unconfirmed after the second life", n)
		}
		if ms := e.fake.Messages(alice.ID); len(ms) != 2 {
			t.Errorf("%d answers in alice's chat, want 2 (the command's, the probe's): %+v", len(ms), ms)
		}
	})

	t.Run("webhook", func(t *testing.T) {
		e := newEnv(t)
		path := filepath.Join(t.TempDir(), "state.db")
		runs := &runCounter{}
		const secret = "restart-hook_secret"
		life := func(st *store.Store) (hook string, stop func()) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			hook = "http://" + ln.Addr().String() + "/tg/hook"
			opts := e.options()
			opts.Mode, opts.WebhookURL, opts.WebhookPath, opts.WebhookSecret, opts.Listener = ModeWebhook, hook, "/tg/hook", secret, ln
			opts.Deliveries = st
			opts.Workers = 1 // in order: a repeat that ran would run before the probe after it
			calls := len(e.fake.CallsOf("setWebhook"))
			stop = e.runUntilStopped(opts, runs)
			e.fake.WaitCalls("setWebhook", calls+1)
			return hook, stop
		}
		update := func(id int, text string) map[string]any {
			return map[string]any{"update_id": id, "message": map[string]any{"message_id": id - 8000, "date": 1764979200,
				"from": map[string]any{"id": bob.ID, "is_bot": false, "first_name": "Bob"},
				"chat": map[string]any{"id": bob.ID, "type": "private", "first_name": "Bob"}, "text": text}}
		}

		st := openDeliveries(t, path)
		hook, stop := life(st)
		if got := e.fake.Deliver(hook, secret, update(9001, "/approve 7")); got != http.StatusOK {
			t.Fatalf("update answered %d", got)
		}
		e.waitMsg(bob.ID, "ran /approve 7 #1")
		stop()
		st.Close()

		// Telegram did not get the 200 in time and retries, reaching the restarted bot.
		hook, stop = life(openDeliveries(t, path))
		if got := e.fake.Deliver(hook, secret, update(9001, "/approve 7")); got != http.StatusOK {
			t.Errorf("the repeated update was answered %d, want 200 (or Telegram retries it again)", got)
		}
		if got := e.fake.Deliver(hook, secret, update(9002, "/probe")); got != http.StatusOK {
			t.Fatalf("update answered %d", got)
		}
		e.waitMsg(bob.ID, "ran /probe #1")
		stop()
		if n := runs.count("/approve 7"); n != 1 {
			t.Errorf("the update ran %d times across the restart, want once", n)
		}
	})
}

// TestStopDuringOutageConfirmsWhatWasTaken is what TestAdaptersTogether's rare failure (issue
// #20) looked like: the bot stopped while backing off from a Telegram outage, with a message
// sent during the outage not yet taken. The stop confirms everything taken and nothing else: the
// message waits at Telegram, and the restarted bot answers it, once, and nothing it answered before.
func TestStopDuringOutageConfirmsWhatWasTaken(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "state.db")
	runs := &runCounter{}
	opts := e.options()
	opts.Workers = 1

	st := openDeliveries(t, path)
	opts.Deliveries = st
	stop := e.runUntilStopped(opts, runs)
	e.fake.Say(alice.ID, alice, "/one")
	e.waitMsg(alice.ID, "ran /one #1")
	e.fake.Inject(telegramtest.Fault{Method: "getUpdates", Status: http.StatusBadGateway, Desc: "Bad Gateway"})
	refused := func() bool {
		for _, c := range e.fake.CallsOf("getUpdates") {
			if c.Status == http.StatusBadGateway {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(15 * time.Second); !refused(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("getUpdates was never refused:%s", e.fake.DescribeCalls())
		}
	}
	e.fake.Say(alice.ID, alice, "/two") // sent while down: not taken
	e.fake.ClearFaults()                // back, while the bot waits a second before polling again
	stop()
	// Unless the machine stalled past the backoff's second (the bot then polled and took it),
	// /two is the one update left at Telegram.
	want := 1 - runs.count("/two")
	if n := e.fake.Pending(); n != want {
		t.Errorf("%d updates unconfirmed after the stop, want %d (what was never taken)", n, want)
	}
	st.Close()

	opts.Deliveries = openDeliveries(t, path)
	stop = e.runUntilStopped(opts, runs)
	e.fake.Say(alice.ID, alice, "/probe")
	e.waitMsg(alice.ID, "ran /probe #1")
	stop()
	if n := e.fake.Pending(); n != 0 {
		t.Errorf("%d updates unconfirmed after the second stop", n)
	}
	for _, cmd := range []string{"/one", "/two", "/probe"} {
		if n := runs.count(cmd); n != 1 {
			t.Errorf("%s ran %d times, want once", cmd, n)
		}
	}
}
