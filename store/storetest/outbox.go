package storetest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testOutboxDeliveredOnce: a queued notice is due until acknowledged; of dispatchers racing
// to acknowledge it exactly one succeeds (the others get ErrNotFound), and it is gone.
func testOutboxDeliveredOnce(t *testing.T, e *env) {
	e.enqueue(t, slackNotice("C1", "alert", "one"), slackNotice("C2", "alert", "two"),
		store.Notice{Platform: "telegram", UserID: "42", Kind: "approval", Body: []byte(`"three"`)})
	due := e.due(t)
	if len(due) != 3 || !slices.IsSorted(ids(due)) || due[0].Channel != "C1" || due[2].UserID != "42" {
		t.Fatalf("due notices %+v, want the three, oldest first", due)
	}
	for _, n := range due {
		if n.ID == 0 || !n.CreatedAt.Equal(e.now()) || !n.NextAttempt.Equal(e.now()) || n.Attempts != 0 {
			t.Errorf("queued notice %+v", n)
		}
	}
	if limited, err := e.b.DueNotices(e.ctx, e.now(), 2); err != nil || len(limited) != 2 || limited[0].ID != due[0].ID {
		t.Errorf("DueNotices(limit 2) = %+v, %v", limited, err)
	}
	won := race(t, 8, store.ErrNotFound, func(int) error { return e.b.AckNotice(e.ctx, due[0].ID) })
	if won != 1 {
		t.Errorf("%d of 8 acknowledgements of notice %d succeeded, want 1", won, due[0].ID)
	}
	if left := e.due(t); !slices.Equal(ids(left), ids(due[1:])) {
		t.Errorf("due after the ack: %v, want %v", ids(left), ids(due[1:]))
	}
	if st, err := e.b.OutboxStats(e.ctx); err != nil || st.Waiting != 2 || st.Parked != 0 || !st.Oldest.Equal(e.now()) {
		t.Errorf("OutboxStats = %+v, %v", st, err)
	}
	wantErr(t, "AckNotice(unknown)", e.b.AckNotice(e.ctx, 999), store.ErrNotFound)
}

// testOutboxDedupe: a DedupeKey keeps an equal notice out while it is queued and for the
// delivered-notice retention after its delivery (NoticeDedupeWindow by default), also within
// one call; after that it is queued again.
func testOutboxDedupe(t *testing.T, e *env) {
	keyed := func(text string) store.Notice {
		n := slackNotice("C1", "alert", text)
		n.DedupeKey = "exp|slack:C1|r-42|7"
		return n
	}
	e.enqueue(t, keyed("first"), keyed("same call"))
	e.enqueue(t, keyed("while queued"))
	due := e.due(t)
	if len(due) != 1 || string(due[0].Body) != `"first"` {
		t.Fatalf("due %+v, want only the first", due)
	}
	must(t, "AckNotice", e.b.AckNotice(e.ctx, due[0].ID))
	e.clk.Advance(store.NoticeDedupeWindow - time.Minute)
	e.enqueue(t, keyed("within the window"))
	if n := e.outbox(t); n != 0 {
		t.Errorf("a notice delivered %s ago was queued again", store.NoticeDedupeWindow-time.Minute)
	}
	e.clk.Advance(time.Minute)
	e.enqueue(t, keyed("after the window"))
	if due := e.due(t); len(due) != 1 || string(due[0].Body) != `"after the window"` {
		t.Errorf("due after the window %+v", due)
	}
}

// testOutboxRetry: a failed delivery counts an attempt and waits; a postponement waits without
// counting; a parked notice is set aside (its admin notice queued with it) until requeued; an
// unknown id is ErrNotFound everywhere.
func testOutboxRetry(t *testing.T, e *env) {
	e.enqueue(t, slackNotice("C1", "alert", "a"), slackNotice("C2", "alert", "b"))
	due := e.due(t)
	a, b := due[0].ID, due[1].ID
	next := e.now().Add(time.Minute)
	long := strings.Repeat("é", store.MaxNoticeError) // 2 bytes each: cut on a rune boundary
	must(t, "RetryNotice", e.b.RetryNotice(e.ctx, a, next, long))
	if due := e.due(t); !slices.Equal(ids(due), []uint64{b}) {
		t.Errorf("due after a retry: %v, want [%d]", ids(due), b)
	}
	later, err := e.b.DueNotices(e.ctx, next, 0)
	must(t, "DueNotices(next)", err)
	if len(later) != 2 || later[0].ID != a || later[0].Attempts != 1 || !later[0].NextAttempt.Equal(next) ||
		len(later[0].LastError) > store.MaxNoticeError || !strings.HasPrefix(long, later[0].LastError) {
		t.Errorf("the retried notice %+v", later[0])
	}
	must(t, "PostponeNotice", e.b.PostponeNotice(e.ctx, b, next))
	if due := e.due(t); len(due) != 0 {
		t.Errorf("due after a postponement: %v", ids(due))
	}
	later, _ = e.b.DueNotices(e.ctx, next, 0)
	if len(later) != 2 || later[1].Attempts != 0 {
		t.Errorf("a postponement counted an attempt: %+v", later)
	}

	admins := store.Notice{Platform: "slack", UserID: "UADMIN", Kind: "parked", Body: []byte(`"C1 is gone"`)}
	must(t, "ParkNotice", e.b.ParkNotice(e.ctx, a, "channel_not_found", admins))
	parked, err := e.b.ParkedNotices(e.ctx)
	must(t, "ParkedNotices", err)
	if len(parked) != 1 || parked[0].ID != a || !parked[0].ParkedAt.Equal(e.now()) || parked[0].LastError != "channel_not_found" || parked[0].Attempts != 2 {
		t.Errorf("parked %+v", parked)
	}
	later, _ = e.b.DueNotices(e.ctx, next.Add(time.Hour), 0)
	if len(later) != 2 || later[0].ID != b || later[1].UserID != "UADMIN" {
		t.Errorf("due beside a parked notice: %+v, want %d and the admins' notice", later, b)
	}
	if st, _ := e.b.OutboxStats(e.ctx); st.Waiting != 2 || st.Parked != 1 {
		t.Errorf("OutboxStats %+v, want 2 waiting and 1 parked", st)
	}
	must(t, "RequeueNotice", e.b.RequeueNotice(e.ctx, a))
	if due := e.due(t); len(due) != 2 || due[0].ID != a || !due[0].ParkedAt.IsZero() {
		t.Errorf("due after the requeue: %+v", due)
	}

	for name, err := range map[string]error{
		"RetryNotice":    e.b.RetryNotice(e.ctx, 999, next, "x"),
		"PostponeNotice": e.b.PostponeNotice(e.ctx, 999, next),
		"ParkNotice":     e.b.ParkNotice(e.ctx, 999, "x"),
		"RequeueNotice":  e.b.RequeueNotice(e.ctx, 999),
	} {
		wantErr(t, name+"(999)", err, store.ErrNotFound)
	}
}

// testOutboxValidation: a notice needs a platform and a channel or a user; one bad notice
// refuses its whole batch.
func testOutboxValidation(t *testing.T, e *env) {
	for _, bad := range []store.Notice{
		{Channel: "C1"},
		{Platform: "slack"},
		{Platform: "slack", Channel: "C1", DedupeKey: strings.Repeat("k", 40000)},
	} {
		if err := e.b.EnqueueNotices(e.ctx, slackNotice("C1", "alert", "good"), bad); err == nil {
			t.Errorf("EnqueueNotices accepted %+v", bad)
		}
	}
	if n := e.outbox(t); n != 0 {
		t.Errorf("refused batches left %d notices", n)
	}
	must(t, "EnqueueNotices()", e.b.EnqueueNotices(e.ctx))
}

// testOutboxLargeBody: a notice's body is opaque bytes kept exactly, also when it is large: a
// reply carrying a picture (chat.Image's PNG, base64 in the body's JSON) of several hundred KB,
// in two languages, comes back byte for byte.
func testOutboxLargeBody(t *testing.T, e *env) {
	png := make([]byte, 256<<10)
	for i := range png {
		png[i] = byte(i*7 + i>>8)
	}
	body := func(text string) json.RawMessage {
		b, err := json.Marshal(map[string]any{"text": text, "images": []map[string]any{{"name": "report.png", "alt": text, "png": png}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	n := store.Notice{Platform: "telegram", Channel: "-100", Kind: "alert:report", Body: body("周报"),
		Bodies: map[string]json.RawMessage{"en": body("Weekly report")}}
	e.enqueue(t, n)
	due := e.due(t)
	if len(due) != 1 {
		t.Fatalf("%d notices due, want 1", len(due))
	}
	if !bytes.Equal(due[0].Body, n.Body) || !bytes.Equal(due[0].Bodies["en"], n.Bodies["en"]) {
		t.Errorf("the bodies came back changed: %d and %d bytes, want %d and %d", len(due[0].Body), len(due[0].Bodies["en"]), len(n.Body), len(n.Bodies["en"]))
	}
	if err := e.b.AckNotice(e.ctx, due[0].ID); err != nil {
		t.Fatalf("AckNotice: %v", err)
	}
}
