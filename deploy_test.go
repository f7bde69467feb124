package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/admin"
)

// TestDockerfile: the build image is the Go release go.mod asks for, the image exposes and
// health-checks admin.listen's default port, and the version comes from a build argument.
func TestDockerfile(t *testing.T) {
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	df := readFile(t, "Dockerfile")
	for _, want := range []string{
		"FROM golang:" + m[1] + "-",
		"EXPOSE " + admin.DefaultPort + "\n",
		"-X main.version=${VERSION}",
		`CMD ["/usr/local/bin/partnerbot", "healthcheck"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestDockerignore: no store, socket, history or build output goes into the build context.
func TestDockerignore(t *testing.T) {
	lines := strings.Split(readFile(t, ".dockerignore"), "\n")
	for _, want := range []string{".git", "*.db", "*.sock", "bin/", "/partnerbot"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}

// TestCheckConfigWarnsOfDisabledPlatform: a subscription on a platform that is not enabled is
// a warning in check-config's table (the bot starts; its notices would never go out), not a
// failure.
func TestCheckConfigWarnsOfDisabledPlatform(t *testing.T) {
	cfg := writeConfig(t, "    - channel: console:console\n", "    - channel: \"slack:C0ALERTS\"\n")
	r := runCLI(t, "", "check-config", "-config", cfg)
	r.check(t, exitOK, []string{"configuration    WARN    alerts.subscriptions[0].channel: \"slack:C0ALERTS\" is on slack, which is disabled (slack.enabled is false)"}, nil)
}
