package bsstest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ChildEnv is the environment variable through which a test binary is asked to serve a fake
// BSS in a child process (see StartChild). Its value is a ChildSpec in text form.
const ChildEnv = "PARTNERBOT_FAKE_BSS"

// ChildSpec describes the fake a child process serves: a generated data set of Customers and
// Resources (the demo set when both are zero; expiries spread over a year with Spread), with
// Latency added to every call and RatePerSecond calls a second allowed per API.
type ChildSpec struct {
	Customers, Resources int
	Latency              time.Duration
	RatePerSecond        int
	Spread               bool
}

func (s ChildSpec) String() string {
	return fmt.Sprintf("customers=%d,resources=%d,latency=%s,rate=%d,spread=%t", s.Customers, s.Resources, s.Latency, s.RatePerSecond, s.Spread)
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
		case "spread":
			s.Spread, err = strconv.ParseBool(val)
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
// While it serves, it obeys commands read from standard input, one a line, answering each with
// one line on stdout ("OK <json>" or "ERR <message>"): "churn <frac> <seed>" plays Churn.
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
		data = Generate(GenOptions{Customers: spec.Customers, Resources: spec.Resources, Seed: 1, Now: time.Now(), Spread: spec.Spread})
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
	// Serve, and obey commands, until the parent closes our stdin.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(obey(srv, in.Text()))
	}
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
	os.Exit(0)
}

// obey runs one command line of the parent's and returns the answer line.
func obey(srv *Server, line string) string {
	f := strings.Fields(line)
	if len(f) == 3 && f[0] == "churn" {
		frac, err1 := strconv.ParseFloat(f[1], 64)
		seed, err2 := strconv.ParseUint(f[2], 10, 64)
		if err1 == nil && err2 == nil {
			b, _ := json.Marshal(srv.Churn(frac, seed))
			return "OK " + string(b)
		}
	}
	return fmt.Sprintf("ERR unknown command %q (want: churn <frac> <seed>)", line)
}

// Child is a fake BSS served by a child process (StartChildControl).
type Child struct {
	URL string
	mu  sync.Mutex
	in  io.Writer
	out *bufio.Scanner
}

// Churn has the child play Churn(frac, seed) on its data.
func (c *Child) Churn(frac float64, seed uint64) (ChurnReport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintf(c.in, "churn %g %d\n", frac, seed); err != nil {
		return ChurnReport{}, err
	}
	if !c.out.Scan() {
		return ChurnReport{}, fmt.Errorf("fake BSS child process: no answer: %v", c.out.Err())
	}
	line := c.out.Text()
	js, ok := strings.CutPrefix(line, "OK ")
	if !ok {
		return ChurnReport{}, fmt.Errorf("fake BSS child process: %s", line)
	}
	var rep ChurnReport
	return rep, json.Unmarshal([]byte(js), &rep)
}

// StartChild runs the current test binary again as a child process serving a fake BSS built
// from spec and returns its URL; the child is stopped when the test ends. The test binary's
// TestMain must call ServeChildIfAsked.
func StartChild(tb testing.TB, spec ChildSpec) string {
	tb.Helper()
	return StartChildControl(tb, spec).URL
}

// StartChildControl is StartChild, returning a handle that can also change the child's data.
func StartChildControl(tb testing.TB, spec ChildSpec) *Child {
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
			// The child writes nothing else but answers to commands, read by Churn.
			return &Child{URL: url, in: stdin, out: sc}
		}
	}
	tb.Fatalf("fake BSS child process exited without serving: %v", sc.Err())
	return nil
}
