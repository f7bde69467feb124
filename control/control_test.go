package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// serve starts a server for a store at dir/bot.db with h, after applying each of set to it, and
// stops it when the test ends.
func serve(t *testing.T, h Handler, set ...func(*Server)) *Server {
	t.Helper()
	dir := t.TempDir()
	st := filepath.Join(dir, "bot.db")
	s, err := Listen(SocketPath(st), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range set {
		f(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Serve(ctx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// echo is a handler whose exec answers with what it was asked.
func echo() Handler {
	return Handler{
		Exec: func(ctx context.Context, r ExecRequest) ExecResult {
			if !strings.HasPrefix(r.Text, "/") {
				return ExecResult{NotCommand: true}
			}
			return ExecResult{Reply: fmt.Sprintf("%s:%s ran %s within %v", r.Platform, r.User, r.Text, r.Timeout), Failed: strings.Contains(r.Text, "fail")}
		},
		Backup: func(ctx context.Context, sink func(int64) (io.Writer, error)) (int64, error) {
			data := bytes.Repeat([]byte("page"), 300000)
			w, err := sink(int64(len(data)))
			if err != nil {
				return 0, err
			}
			n, err := w.Write(data)
			return int64(n), err
		},
	}
}

func TestExec(t *testing.T) {
	s := serve(t, echo())
	ctx := context.Background()
	for _, tt := range []struct {
		req  ExecRequest
		want ExecResult
	}{
		{ExecRequest{Platform: "console", User: "alice", Text: "/expiring 7", Timeout: 0},
			ExecResult{Reply: "console:alice ran /expiring 7 within 2m0s"}},
		{ExecRequest{Platform: "slack", User: "U1", Text: "/fail", Timeout: 5e9},
			ExecResult{Reply: "slack:U1 ran /fail within 5s", Failed: true}},
		{ExecRequest{Platform: "console", User: "alice", Text: "/long", Timeout: 3 * MaxExecTimeout},
			ExecResult{Reply: "console:alice ran /long within 1h0m0s"}},
		{ExecRequest{Platform: "console", User: "alice", Text: "hello"}, ExecResult{NotCommand: true}},
	} {
		got, err := Exec(ctx, s.Path(), tt.req)
		if err != nil {
			t.Errorf("%+v: %v", tt.req, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%+v: got %+v, want %+v", tt.req, got, tt.want)
		}
	}
	_, err := Exec(ctx, s.Path(), ExecRequest{Platform: "console", Text: "/help"})
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Msg, "needs a platform, a user and a text") {
		t.Errorf("exec without a user: %v", err)
	}
	st, err := StatusOf(ctx, s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.PID != os.Getpid() || st.Version != Version || !strings.HasSuffix(st.Store, "bot.db") || st.Started.IsZero() {
		t.Errorf("status = %+v", st)
	}
}

// TestSocketMode: the socket is its owner's alone, and its file goes with the server.
func TestSocketMode(t *testing.T) {
	dir := t.TempDir()
	path := SocketPath(filepath.Join(dir, "bot.db"))
	s, err := Listen(path, filepath.Join(dir, "bot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Type() != fs.ModeSocket || info.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", info.Mode())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Serve(ctx, echo())
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket file is still there after Serve returned: %v", err)
	}
	if _, err := Exec(context.Background(), path, ExecRequest{Platform: "console", User: "a", Text: "/help"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("exec with no server: %v, want ErrNoServer", err)
	}
}

// TestRefusesOtherUser: a client whose uid (as the kernel reports it) is not the bot's is turned
// away before its request is read; nothing runs.
func TestRefusesOtherUser(t *testing.T) {
	if !peerCredsChecked {
		t.Skip("peer credentials are checked on Linux only")
	}
	ran := false
	h := echo()
	h.Exec = func(ctx context.Context, r ExecRequest) ExecResult { ran = true; return ExecResult{} }
	s := serve(t, h, func(s *Server) { s.uid = os.Getuid() + 1 }) // the bot runs as someone else
	_, err := Exec(context.Background(), s.Path(), ExecRequest{Platform: "console", User: "a", Text: "/help"})
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Msg, fmt.Sprintf("you are uid %d, the bot runs as uid %d", os.Getuid(), os.Getuid()+1)) {
		t.Errorf("got %v, want a refusal naming both uids", err)
	}
	if ran {
		t.Error("the command ran")
	}
}

// TestStaleSocket: a socket file nobody listens on (a bot that crashed) is no server, is
// removed by RemoveStale and by Listen; a live socket and a file that is not a socket are left
// alone.
func TestStaleSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot.db.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false) // as a crash leaves it
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	ctx := context.Background()
	if _, err := Exec(ctx, path, ExecRequest{Platform: "console", User: "a", Text: "/help"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("exec on a stale socket: %v, want ErrNoServer", err)
	}
	if err := RemoveStale(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale socket is still there: %v", err)
	}
	if err := RemoveStale(path); err != nil {
		t.Errorf("no file: %v", err)
	}

	// Listen replaces a stale one.
	ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	s, err := Listen(path, filepath.Join(dir, "bot.db"), nil)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.Serve(sctx, echo()) }()
	// A live one is not stale: neither removed nor listened over.
	if err := RemoveStale(path); err == nil || !strings.Contains(err.Error(), "another process answers") {
		t.Errorf("RemoveStale of a live socket: %v", err)
	}
	if _, err := Listen(path, filepath.Join(dir, "bot.db"), nil); err == nil {
		t.Error("a second Listen on a live socket succeeded")
	}
	if _, err := StatusOf(ctx, path); err != nil {
		t.Errorf("the live server was disturbed: %v", err)
	}
	cancel()
	<-done

	other := filepath.Join(dir, "not-a-socket")
	if err := os.WriteFile(other, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(other, filepath.Join(dir, "x.db"), nil); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("Listen over a regular file: %v", err)
	}
	if b, err := os.ReadFile(other); err != nil || string(b) != "keep me" {
		t.Errorf("the regular file was touched: %q, %v", b, err)
	}
}

// TestProtocolRefusals: a request of an unknown version, an unknown operation, a line that is
// not JSON or is too long get an error line naming the problem.
func TestProtocolRefusals(t *testing.T) {
	s := serve(t, echo())
	for _, tt := range []struct {
		name, line, want string
	}{
		{"newer version", `{"v":2,"op":"status"}`, "control protocol version 2 is not one this bot speaks (1 to 1)"},
		{"no version", `{"op":"status"}`, "control protocol version 0"},
		{"unknown op", `{"v":1,"op":"reboot"}`, `unknown operation \"reboot\"`},
		{"not JSON", `status please`, "the request is not JSON"},
		{"too long", `{"v":1,"op":"exec","text":"` + strings.Repeat("x", MaxRequestBytes) + `"}`, "request longer than 65536 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("unix", s.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			go conn.Write([]byte(tt.line + "\n"))
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			var resp response
			if err := json.Unmarshal([]byte(line), &resp); err != nil {
				t.Fatal(err)
			}
			if resp.OK || resp.V != Version || !strings.Contains(line, tt.want) {
				t.Errorf("answer %s, want a refusal with %q", line, tt.want)
			}
		})
	}
}

func TestBackup(t *testing.T) {
	s := serve(t, echo())
	var buf bytes.Buffer
	var size int64
	n, err := Backup(context.Background(), s.Path(), func(sz int64) (io.Writer, error) { size = sz; return &buf, nil })
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("page"), 300000)
	if n != int64(len(want)) || size != n || !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got %d bytes (size %d), want %d", n, size, len(want))
	}
}

// TestBackupShort: a copy that ends before its announced size is an error, not a backup.
func TestBackupShort(t *testing.T) {
	h := echo()
	h.Backup = func(ctx context.Context, sink func(int64) (io.Writer, error)) (int64, error) {
		w, err := sink(1 << 20)
		if err != nil {
			return 0, err
		}
		n, _ := w.Write(make([]byte, 1000))
		return int64(n), errors.New("disk error")
	}
	s := serve(t, h)
	_, err := Backup(context.Background(), s.Path(), func(int64) (io.Writer, error) { return io.Discard, nil })
	if err == nil || !strings.Contains(err.Error(), "stopped after 1000 of 1048576 bytes") {
		t.Errorf("short copy: %v", err)
	}

	h.Backup = func(ctx context.Context, sink func(int64) (io.Writer, error)) (int64, error) {
		return 0, errors.New("store closed")
	}
	s = serve(t, h)
	_, err = Backup(context.Background(), s.Path(), func(int64) (io.Writer, error) { return io.Discard, nil })
	var re *RefusedError
	if !errors.As(err, &re) || re.Msg != "backup: store closed" {
		t.Errorf("failed backup: %v", err)
	}
}

// TestHangUpCancels: a client that leaves (Ctrl-C, its deadline) cancels the command it asked
// for; the server goes on serving.
func TestHangUpCancels(t *testing.T) {
	started, cancelled := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := echo()
	h.Exec = func(ctx context.Context, r ExecRequest) ExecResult {
		if r.Text != "/block" {
			return ExecResult{Reply: "ok"}
		}
		once.Do(func() { close(started) })
		<-ctx.Done()
		close(cancelled)
		return ExecResult{Failed: true}
	}
	s := serve(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := Exec(ctx, s.Path(), ExecRequest{Platform: "console", User: "a", Text: "/block"})
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want context.Canceled", err)
	}
	<-cancelled
	if r, err := Exec(context.Background(), s.Path(), ExecRequest{Platform: "console", User: "a", Text: "/next"}); err != nil || r.Reply != "ok" {
		t.Errorf("next exec: %+v, %v", r, err)
	}
}
