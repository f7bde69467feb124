package cli

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// helperArgsEnv carries, as JSON, the arguments TestHelperMain runs the binary's run with.
const helperArgsEnv = "PARTNERBOT_TEST_MAIN_ARGS"

// TestHelperMain is the binary, in a child process of the test: it runs run with the arguments
// in helperArgsEnv and exits with its status, as main does. Without them it does nothing.
func TestHelperMain(t *testing.T) {
	raw := os.Getenv(helperArgsEnv)
	if raw == "" {
		t.Skip("runs only as a child process of TestCorruptedStoreExits")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(99)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	code := Run(ctx, args, strings.NewReader(""), os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// damagedBranchStore writes the store of the configuration at cfg with enough subscriptions
// for a branch page, then gives the branch page's second element a key size of 2 GiB: bbolt's
// own check read it in a goroutine of its own, where the fault killed the process (issue #20).
func damagedBranchStore(t *testing.T, cfg string) string {
	t.Helper()
	path := storePath(cfg)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	subs := make([]store.Subscription, 300)
	for i := range subs {
		subs[i] = store.Subscription{Platform: "wecom", Channel: fmt.Sprintf("robot-%03d", i), Kind: "all", Scope: "*",
			Days: []int{30, 7}, CreatedBy: store.Actor{Platform: "system", UserID: "config"}}
	}
	if err := st.SyncConfigSubscriptions(context.Background(), subs); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Element 1 (16 bytes after the 16-byte header): pos u32, ksize u32, pgid u64.
	damagePage(t, path, "branch", 16+16+4, binary.LittleEndian.AppendUint32(nil, 0x7FFFF000))
	return path
}

// damagePage writes b at offset within the first page of type kind ("branch", "leaf") in use
// in the store at path, which no process holds.
func damagePage(t *testing.T, path, kind string, offset int, b []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	page, pageSize := -1, db.Info().PageSize
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; page < 0; id++ {
			info, err := tx.Page(id)
			if err != nil || info == nil {
				return fmt.Errorf("no %s page in use (%v)", kind, err)
			}
			if info.Type == kind {
				page = id
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt(b, int64(page*pageSize+offset))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestCorruptedStoreExits: a damaged branch page killed the bot with a SIGSEGV (exit 2 and a
// goroutine dump). Every command that opens the store now exits 1 with one short line saying
// what to do. The binary runs in a child process, so that a crash fails the test, not the suite.
func TestCorruptedStoreExits(t *testing.T) {
	if os.Getenv(helperArgsEnv) != "" {
		t.Skip("in the child process")
	}
	cfg := writeConfig(t)
	path := damagedBranchStore(t, cfg)
	out := filepath.Join(t.TempDir(), "copy.db")
	advice := "store " + path + " is corrupted; move it aside and restore a backup"
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"run", []string{"-config", cfg}},
		{"exec", []string{"exec", "-config", cfg, "/help"}},
		{"check-config", []string{"check-config", "-config", cfg}},
		{"backup", []string{"backup", "-config", cfg, out}},
		{"compact", []string{"compact", "-config", cfg, out}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args, err := json.Marshal(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperArgsEnv+"="+string(args))
			output, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitFailed {
				t.Fatalf("%s: %v, want exit status %d; output:\n%.3000s", tt.name, err, exitFailed, output)
			}
			if !strings.Contains(string(output), advice) {
				t.Errorf("output lacks %q:\n%.3000s", advice, output)
			}
			if len(output) > 2000 {
				t.Errorf("output is %d bytes long, want a short message:\n%.3000s", len(output), output)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written from a damaged store", out)
			}
		})
	}
}
