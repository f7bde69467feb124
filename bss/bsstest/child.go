package bsstest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ChildEnv is the environment variable through which a test binary is asked to serve a fake
// BSS in a child process (see StartChild). Its value is a ChildSpec in text form.
const ChildEnv = "PARTNERBOT_FAKE_BSS"

// ChildSpec describes the fake a child process serves: a generated data set of Customers and
// Resources (the demo set when both are zero), with Latency added to every call.
type ChildSpec struct {
	Customers, Resources int
	Latency              time.Duration
	RatePerSecond        int
}

func (s ChildSpec) String() string {
	return fmt.Sprintf("customers=%d,resources=%d,latency=%s,rate=%d", s.Customers, s.Resources, s.Latency, s.RatePerSecond)
}

func parseChildSpec(v string) (ChildSpec, error) {
	var s ChildSpec
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "customers":
			s.Customers, err = strconv.Atoi(val)
		case "resources":
			s.Resources, err = strconv.Atoi(val)
		case "latency":
			s.Latency, err = time.ParseDuration(val)
		case "rate":
			s.RatePerSecond, err = strconv.Atoi(val)
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return s, fmt.Errorf("%s=%s: %w", ChildEnv, v, err)
		}
	}
	return s, nil
}

// ServeChildIfAsked is called first thing in a test binary's TestMain. When the binary was
// started by StartChild it serves the fake on a loopback port, prints "URL <url>" on stdout,
// serves until standard input closes (the parent died or finished) and exits; otherwise it
// returns at once. A benchmark thus measures the client's memory and CPU without the fake's.
func ServeChildIfAsked() {
	v := os.Getenv(ChildEnv)
	if v == "" {
		return
	}
	spec, err := parseChildSpec(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var data *Dataset
	if spec.Customers > 0 || spec.Resources > 0 {
		data = Generate(GenOptions{Customers: spec.Customers, Resources: spec.Resources, Seed: 1, Now: time.Now()})
	}
	srv := New(Options{Data: data, Latency: spec.Latency, RatePerSecond: spec.RatePerSecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	fmt.Printf("URL http://%s\n", ln.Addr())
	// Serve until the parent closes our stdin.
	_, _ = bufio.NewReader(os.Stdin).ReadString(0)
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
	os.Exit(0)
}

// StartChild runs the current test binary again as a child process serving a fake BSS built
// from spec and returns its URL; the child is stopped when the test ends. The test binary's
// TestMain must call ServeChildIfAsked.
func StartChild(tb testing.TB, spec ChildSpec) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ChildEnv+"="+spec.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { // keep draining so the child never blocks on a full pipe
				for sc.Scan() {
				}
			}()
			return url
		}
	}
	tb.Fatalf("fake BSS child process exited without serving: %v", sc.Err())
	return ""
}
