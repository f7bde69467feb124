package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/config"
)

// runHealthcheck asks a running bot's /healthz: exit 0 when it answers 200, 1 when it does
// not (not running, not answering in time, another status), 2 on a usage or configuration
// error. It is the image's HEALTHCHECK: a distroless image has no shell or curl.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("partnerbot healthcheck", "", stderr)
	cfgPath := fs.String("config", "", "configuration file whose admin.listen to ask (default: -addr)")
	addr := fs.String("addr", config.Default().Admin.Listen, "admin address to ask when no -config is given")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if !fs.parse(args, 0, 0) {
		return exitUsage
	}
	target := *addr
	if *cfgPath != "" {
		listen, err := adminListen(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, "partnerbot healthcheck:", err)
			return exitUsage
		}
		target = listen
	}
	if target == "" {
		fmt.Fprintln(stderr, "partnerbot healthcheck: admin.listen is empty: the bot serves no health endpoint")
		return exitUsage
	}
	url, err := healthURL(target)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot healthcheck:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot healthcheck:", err)
		return exitUsage
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "partnerbot healthcheck: %s: %v\n", url, err)
		return exitFailed
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "partnerbot healthcheck: %s: %s\n", url, resp.Status)
		return exitFailed
	}
	fmt.Fprintf(stdout, "%s: ok\n", url)
	return exitOK
}

// healthURL is the /healthz URL of a listen address: one listening on every interface
// (":8079", "0.0.0.0:8079", "[::]:8079") is asked on loopback.
func healthURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "" {
		return "", fmt.Errorf("%q is not host:port", listen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + admin.PathHealth, nil
}

// adminListen reads only admin.listen from the configuration at path (the default when the
// file has none). The health check asks a running bot and needs nothing else: it must work from
// an operator's shell or a container probe that lacks the bot's secrets in its environment,
// which a full load would refuse.
func adminListen(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	var doc struct {
		Admin struct {
			Listen *string `yaml:"listen"`
		} `yaml:"admin"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("config %s: %w", path, err)
	}
	if doc.Admin.Listen == nil {
		return config.Default().Admin.Listen, nil
	}
	return *doc.Admin.Listen, nil
}
