package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// forecastOf is a forecast at at whose record is about size bytes: three chunks for 2.5 MiB.
func forecastOf(at time.Time, tag string, size int) store.StoredForecast {
	return store.StoredForecast{At: at, Customers: 10000,
		Body: json.RawMessage(`{"tag":"` + tag + `","pad":"` + strings.Repeat("x", size) + `"}`)}
}

// openForecastStore opens a store under prefix on a fresh single-member cluster.
func openForecastStore(t *testing.T, prefix string) (*Store, *clientv3.Client, *fakeclock.Clock) {
	t.Helper()
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	s, err := Open(context.Background(), cli, Options{Prefix: prefix, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, cli, clk
}

// countKeys is how many keys etcd holds under prefix.
func countKeys(t *testing.T, cli *clientv3.Client, prefix string) int64 {
	t.Helper()
	resp, err := cli.Get(context.Background(), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Count
}

// wantForecast fails t unless the stored forecast is f, byte for byte.
func wantForecast(t *testing.T, s *Store, f store.StoredForecast) {
	t.Helper()
	got, ok, err := s.Forecast(context.Background())
	if err != nil || !ok || !got.At.Equal(f.At) || got.Customers != f.Customers || string(got.Body) != string(f.Body) {
		t.Fatalf("Forecast: %d bytes at %v, %t, %v; want %d bytes at %v", len(got.Body), got.At, ok, err, len(f.Body), f.At)
	}
}

// TestForecastCrashBetweenChunks: a write that stops after its first chunk (as a crash would)
// leaves the stored forecast as it was, for readers and for the export; its chunk is named by
// nothing, and Prune deletes it. After a second such crash, the next write deletes the
// leftover itself.
func TestForecastCrashBetweenChunks(t *testing.T) {
	s, cli, clk := openForecastStore(t, "/crash/")
	ctx := context.Background()
	a := forecastOf(clk.Now(), "A", 5<<19) // 2.5 MiB: three chunks
	if err := s.PutForecast(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, cli, "/crash/forecast_chunks/"); n != 3 {
		t.Fatalf("%d chunks of a 2.5 MiB forecast, want 3", n)
	}
	errCrash := errors.New("crash")
	s.afterForecastChunk = func(n int) error {
		if n == 0 {
			return errCrash
		}
		return nil
	}
	clk.Advance(24 * time.Hour)
	if err := s.PutForecast(ctx, forecastOf(clk.Now(), "B", 5<<19)); !errors.Is(err, errCrash) {
		t.Fatalf("PutForecast that crashes after its first chunk: %v", err)
	}
	wantForecast(t, s, a)
	if n := countKeys(t, cli, "/crash/forecast_chunks/"); n != 4 {
		t.Errorf("%d chunk keys after the crash, want A's 3 and the leftover", n)
	}
	var exported []store.Record
	if err := s.Export(ctx, func(r store.Record) error {
		if r.Table == "forecast" {
			exported = append(exported, r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(a)
	if len(exported) != 1 || exported[0].Key != "state" || string(exported[0].Value) != string(want) {
		t.Errorf("exported %d forecast records, want forecast/state holding A's record", len(exported))
	}

	if _, err := s.Prune(ctx, store.Retention{}); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, cli, "/crash/forecast_chunks/"); n != 3 {
		t.Errorf("%d chunk keys after Prune, want A's 3", n)
	}
	wantForecast(t, s, a)

	if err := s.PutForecast(ctx, forecastOf(clk.Now(), "B", 5<<19)); !errors.Is(err, errCrash) {
		t.Fatalf("PutForecast that crashes again: %v", err)
	}
	s.afterForecastChunk = nil
	c := forecastOf(clk.Now(), "C", 100)
	if err := s.PutForecast(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantForecast(t, s, c)
	if n := countKeys(t, cli, "/crash/forecast_chunks/"); n != 1 {
		t.Errorf("%d chunk keys after the next write, want C's one", n)
	}
}

// TestForecastReplacedLeavesNoOldChunks: a forecast replaced twice leaves only the last one's
// chunks and its state under the prefix.
func TestForecastReplacedLeavesNoOldChunks(t *testing.T) {
	s, cli, clk := openForecastStore(t, "/replace/")
	ctx := context.Background()
	for i, size := range []int{5 << 19, 3 << 19, 2<<20 + 1} {
		f := forecastOf(clk.Now(), fmt.Sprint(i), size)
		if err := s.PutForecast(ctx, f); err != nil {
			t.Fatal(err)
		}
		wantForecast(t, s, f)
		clk.Advance(24 * time.Hour)
	}
	if n := countKeys(t, cli, "/replace/forecast_chunks/"); n != 3 {
		t.Errorf("%d chunk keys, want the last forecast's 3 (2 MiB and a bit)", n)
	}
	if n := countKeys(t, cli, "/replace/"); n != 4 {
		t.Errorf("%d keys under the prefix, want 3 chunks and forecast/state", n)
	}
}

// TestForecastPruneDuringWrite: a Prune between a write's last chunk and its switch deletes
// the chunks (nothing names them yet); the switch notices and the write starts again, so the
// state never names a generation without its chunks.
func TestForecastPruneDuringWrite(t *testing.T) {
	s, _, clk := openForecastStore(t, "/prunewrite/")
	ctx := context.Background()
	pruned := 0
	s.afterForecastChunk = func(n int) error {
		if n == 1 && pruned == 0 {
			pruned++
			if _, err := s.Prune(ctx, store.Retention{}); err != nil {
				return err
			}
		}
		return nil
	}
	f := forecastOf(clk.Now(), "A", 3<<19) // 1.5 MiB: two chunks
	if err := s.PutForecast(ctx, f); err != nil {
		t.Fatal(err)
	}
	if pruned != 1 {
		t.Fatalf("Prune ran %d times, want once", pruned)
	}
	wantForecast(t, s, f)
}

// TestForecastUnchunkedRecord: a forecast this backend kept whole in forecast/state (before it
// was chunked) is still read and exported, and the next write replaces it.
func TestForecastUnchunkedRecord(t *testing.T) {
	s, cli, clk := openForecastStore(t, "/whole/")
	ctx := context.Background()
	old := store.StoredForecast{At: clk.Now(), Customers: 3, Body: json.RawMessage(`{"total":"1.00"}`)}
	raw, _ := json.Marshal(old)
	if _, err := cli.Put(ctx, "/whole/forecast/state", string(raw)); err != nil {
		t.Fatal(err)
	}
	wantForecast(t, s, old)
	var exported string
	if err := s.Export(ctx, func(r store.Record) error {
		if r.Table == "forecast" {
			exported = string(r.Value)
		}
		return nil
	}); err != nil || exported != string(raw) {
		t.Errorf("export of the whole record: %q, %v", exported, err)
	}
	clk.Advance(time.Hour)
	f := forecastOf(clk.Now(), "new", 10)
	if err := s.PutForecast(ctx, f); err != nil {
		t.Fatal(err)
	}
	wantForecast(t, s, f)
}

// TestForecastUnderFence: the leader's forecast write, chunks and switch, is made within its
// fence: it is stored while the fence holds, and refused with ErrFenced (the stored forecast
// kept) once it does not.
func TestForecastUnderFence(t *testing.T) {
	s, cli, clk := openForecastStore(t, "/fenced/")
	ctx := context.Background()
	if _, err := cli.Put(ctx, "/leader", "me"); err != nil {
		t.Fatal(err)
	}
	held := WithFence(ctx, clientv3.Compare(clientv3.Value("/leader"), "=", "me"))
	a := forecastOf(clk.Now(), "A", 5<<19)
	if err := s.PutForecast(held, a); err != nil {
		t.Fatalf("PutForecast within a fence that holds: %v", err)
	}
	wantForecast(t, s, a)
	if _, err := cli.Put(ctx, "/leader", "another"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if err := s.PutForecast(held, forecastOf(clk.Now(), "B", 5<<19)); !errors.Is(err, ErrFenced) {
		t.Fatalf("PutForecast within a fence that no longer holds: %v, want ErrFenced", err)
	}
	wantForecast(t, s, a)
}
