//go:build linux

package control

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRefusesOtherUserProcess runs a client as another user for real (the test must run as
// root to switch user): even with the socket opened to everyone, SO_PEERCRED turns it away, and
// our client will not talk to a bot of another user.
func TestRefusesOtherUserProcess(t *testing.T) {
	if path := os.Getenv("CONTROL_TEST_CLIENT"); path != "" {
		// Our client refuses a bot of another user...
		_, err := Exec(context.Background(), path, ExecRequest{Platform: "console", User: "a", Text: "/help"})
		fmt.Println("client:", err)
		// ... and the bot refuses a raw request from another user.
		conn, err := net.Dial("unix", path)
		if err != nil {
			fmt.Println("dial:", err)
			os.Exit(0)
		}
		_, _ = conn.Write([]byte(`{"v":1,"op":"exec","platform":"console","user":"admin","text":"/audit"}` + "\n"))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		fmt.Println("server:", line)
		os.Exit(0)
	}
	if !peerCredsChecked || os.Getuid() != 0 {
		t.Skip("needs Linux and root to run a client as another user")
	}
	ran := false
	h := echo()
	h.Exec = func(ctx context.Context, r ExecRequest) ExecResult { ran = true; return ExecResult{} }
	s := serve(t, h)
	// Let the other user reach the socket: the directories and the socket itself.
	for _, p := range []string{filepath.Dir(s.Path()), filepath.Dir(filepath.Dir(s.Path()))} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(s.Path(), 0o666); err != nil {
		t.Fatal(err)
	}
	// The test binary, where the other user may run it.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	if err := os.Chmod(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	client := filepath.Join(binDir, "control.test")
	if err := os.WriteFile(client, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(client, "-test.run=^TestRefusesOtherUserProcess$")
	cmd.Env = append(os.Environ(), "CONTROL_TEST_CLIENT="+s.Path())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("cannot run the test binary as uid 65534 (%v): %s", err, out)
	}
	if !strings.Contains(string(out), "client: control: "+s.Path()+" is served by uid 0, not by this user (uid 65534); refusing to talk to it") {
		t.Errorf("the other user's client talked to the bot:\n%s", out)
	}
	if !strings.Contains(string(out), `server: {"v":1,"ok":false,"error":"refused: you are uid 65534, the bot runs as uid 0`) {
		t.Errorf("the other user's client got:\n%s", out)
	}
	if ran {
		t.Error("the command ran")
	}
}
