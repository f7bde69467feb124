package bot_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// What TestDispatchKillHelper, run as a child process, is told.
const (
	killEnvStore = "PARTNERBOT_DISPATCH_KILL_STORE" // the store file
	killEnvDir   = "PARTNERBOT_DISPATCH_KILL_DIR"   // where the stand-in platforms write what they got
	killEnvHang  = "PARTNERBOT_DISPATCH_KILL_HANG"  // the send (1, 2…) on each platform that never returns
)

// crashPlatforms are the platforms delivering side by side in the crash tests.
var crashPlatforms = []string{"slack", "telegram", "wecom"}

// recordingPlatform stands in for a chat platform: what it accepts is appended to
// <dir>/<platform>.log and synced before Send returns, so that a kill at any moment leaves what
// the platform got. Its hang-th send is accepted and never answered (it marks
// <dir>/<platform>.hung and blocks), as a platform that took the message while the bot died
// waiting for its answer.
type recordingPlatform struct {
	name, dir string
	hang      int
	sends     int
}

func (p *recordingPlatform) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	f, err := os.OpenFile(filepath.Join(p.dir, p.name+".log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, r.Text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	p.sends++
	if p.sends == p.hang {
		if err := os.WriteFile(filepath.Join(p.dir, p.name+".hung"), nil, 0o600); err != nil {
			return err
		}
		select {} // the answer never comes; the process is killed here
	}
	return nil
}

func platformSenders(dir string, hang int) map[string]bot.Sender {
	out := map[string]bot.Sender{}
	for _, p := range crashPlatforms {
		out[p] = &recordingPlatform{name: p, dir: dir, hang: hang}
	}
	return out
}

// TestDispatchKillHelper is not a test: TestKillDuringDeliveryRepeatsAtMostOnePerPlatform runs
// it in a child process, which delivers the outbox until it is killed.
func TestDispatchKillHelper(t *testing.T) {
	path, dir := os.Getenv(killEnvStore), os.Getenv(killEnvDir)
	if path == "" {
		return
	}
	hang, _ := strconv.Atoi(os.Getenv(killEnvHang))
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := &bot.Dispatcher{Outbox: st, Senders: platformSenders(dir, hang), Interval: 5 * time.Millisecond}
	d.Run(context.Background())
}

// TestKillDuringDeliveryRepeatsAtMostOnePerPlatform kills (SIGKILL) a process delivering notices
// to three platforms side by side, then delivers the rest as the restarted bot does, and counts
// what each platform got: no notice is lost, and at most one is repeated per platform — the one
// it was sending, accepted by the platform but not yet recorded as sent. Killed while every
// platform is in that window, each repeats exactly one: the bound README states is reached.
func TestKillDuringDeliveryRepeatsAtMostOnePerPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const perPlatform = 8
	tests := []struct {
		name       string
		hang       int // the send on each platform the kill interrupts; 0: none
		killAfter  int // else: kill once the platforms got this many messages in all
		wantRepeat int // -1: anything within the bound
	}{
		{"every platform mid-send", 4, 0, len(crashPlatforms)},
		{"after 1 delivery", 0, 1, -1},
		{"after 7 deliveries", 0, 7, -1},
		{"after 13 deliveries", 0, 13, -1},
		{"after 20 deliveries", 0, 20, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "bot.db")
			st, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var ns []store.Notice
			var want []string
			for _, p := range crashPlatforms {
				for i := range perPlatform {
					text := fmt.Sprintf("%s notice %d", p, i+1)
					ns = append(ns, store.Notice{Platform: p, Channel: "C1", Kind: "alert", Body: body(text)})
					want = append(want, text)
				}
			}
			if err := st.EnqueueNotices(ctx, ns...); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(os.Args[0], "-test.run=^TestDispatchKillHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), killEnvStore+"="+path, killEnvDir+"="+dir, killEnvHang+"="+strconv.Itoa(tt.hang))
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := func() bool {
				if tt.hang > 0 {
					for _, p := range crashPlatforms {
						if _, err := os.Stat(filepath.Join(dir, p+".hung")); err != nil {
							return false
						}
					}
					return true
				}
				n := 0
				for _, p := range crashPlatforms {
					n += len(received(t, dir, p))
				}
				return n >= tt.killAfter
			}
			deadline := time.Now().Add(30 * time.Second)
			for !ready() {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the child did not get there; output:\n%s", out.String())
				}
				time.Sleep(time.Millisecond)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			// The restarted bot delivers what is left.
			st, err = store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			d := &bot.Dispatcher{Outbox: st, Senders: platformSenders(dir, 0)}
			for round := 0; ; round++ {
				if _, _, err := d.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				n, err := st.PendingNotices(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				if round == 10 {
					t.Fatalf("%d notices still queued", n)
				}
			}

			total := 0
			for _, p := range crashPlatforms {
				got := received(t, dir, p)
				count := map[string]int{}
				repeats := 0
				for _, s := range got {
					if count[s]++; count[s] > 1 {
						repeats++
					}
				}
				for _, s := range want {
					if strings.HasPrefix(s, p+" ") && count[s] == 0 {
						t.Errorf("%s never got %q: lost", p, s)
					}
				}
				if repeats > 1 {
					t.Errorf("%s got %d repeated notices, want at most 1: %q", p, repeats, got)
				}
				total += repeats
			}
			if total > len(crashPlatforms) {
				t.Errorf("%d notices repeated in all, want at most %d", total, len(crashPlatforms))
			}
			if tt.wantRepeat >= 0 && total != tt.wantRepeat {
				t.Errorf("%d notices repeated, want %d", total, tt.wantRepeat)
			}
			t.Logf("killed %s: %d notices repeated (bound: 1 per platform, %d)", tt.name, total, len(crashPlatforms))
		})
	}
}

// received is what platform p got, in order: whole lines.
func received(t *testing.T, dir, p string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, p+".log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	return lines[:len(lines)-1] // the last is empty, or a line the kill cut short: not delivered
}
