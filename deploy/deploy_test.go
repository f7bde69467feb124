// Package deploy_test checks the files in deploy/ (and the Dockerfile and README beside them):
// it parses each, verifies them with the tools this machine has (systemd-analyze, kubectl), and
// plays each one: it starts the built binary as the systemd unit, the compose service and the
// Kubernetes container would, against a Slack and a BSS standing in on loopback.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/config"
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

// TestDockerignore: no store, socket, history or build output goes into the build context, nor
// deploy/ (where compose's partnerbot.env holds the secrets).
func TestDockerignore(t *testing.T) {
	lines := strings.Split(readFile(t, ".dockerignore"), "\n")
	for _, want := range []string{".git", "**/*.db", "**/*.sock", "bin/", "/partnerbot", "deploy/"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}

// TestDeployGitignore: the copies the compose steps make in deploy/ (the ids, the secrets) are
// never committed.
func TestDeployGitignore(t *testing.T) {
	lines := strings.Split(readFile(t, "deploy/.gitignore"), "\n")
	for _, want := range []string{"/config.yaml", "/partnerbot.env"} {
		if !slices.Contains(lines, want) {
			t.Errorf("deploy/.gitignore lacks %q", want)
		}
	}
}

// TestCheckConfigWarnsOfDisabledPlatform: a subscription on a platform that is not enabled is
// a warning in check-config's table (the bot starts; its notices would never go out), not a
// failure.
func TestCheckConfigWarnsOfDisabledPlatform(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "partnerbot.yaml")
	writeFile(t, cfg, edit(t, readFile(t, "config.example.yaml"),
		"  path: partnerbot.db", "  path: state/bot.db",
		`  listen: "127.0.0.1:8079"`, `  listen: "127.0.0.1:0"`,
		"    - channel: console:console\n", "    - channel: \"slack:C0ALERTS\"\n"))
	var out, errb bytes.Buffer
	cmd := exec.Command(buildBinary(t), "check-config", "-config", cfg)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = strings.NewReader(""), &out, &errb, []string{"HOME=" + dir}
	if err := cmd.Run(); err != nil {
		t.Errorf("check-config: %v, want exit 0\n%s%s", err, out.String(), errb.String())
	}
	want := "configuration    WARN    alerts.subscriptions[0].channel: \"slack:C0ALERTS\" is on slack, which is disabled (slack.enabled is false)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("check-config lacks %q:\n%s%s", want, out.String(), errb.String())
	}
}

// deployed are the deploy/ files' shared facts: where the store lives and the container's user.
const (
	deployStoreDir = "/var/lib/partnerbot"
	imageUID       = 65532
)

// TestDeployCompose: deploy/compose.yaml parses and runs the service as the README says: no
// console, secrets from env_file, the store on a volume, the healthcheck, a stop grace period
// longer than bot.shutdown_timeout.
func TestDeployCompose(t *testing.T) {
	var doc struct {
		Services map[string]struct {
			Command         []string `yaml:"command"`
			EnvFile         []string `yaml:"env_file"`
			Environment     any      `yaml:"environment"`
			StdinOpen       bool     `yaml:"stdin_open"`
			Volumes         []string `yaml:"volumes"`
			StopGracePeriod string   `yaml:"stop_grace_period"`
			Healthcheck     struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, "deploy/compose.yaml")), &doc); err != nil {
		t.Fatal(err)
	}
	s, ok := doc.Services["partnerbot"]
	if !ok {
		t.Fatal("no partnerbot service")
	}
	if len(s.EnvFile) == 0 || s.Environment != nil {
		t.Errorf("secrets: env_file %v, environment %v; want env_file only", s.EnvFile, s.Environment)
	}
	if s.StdinOpen {
		t.Error("stdin_open: a service has no console")
	}
	if !slices.Contains(s.Volumes, "partnerbot-data:"+deployStoreDir) || doc.Volumes == nil {
		t.Errorf("volumes %v: want the named volume partnerbot-data on %s", s.Volumes, deployStoreDir)
	}
	if !slices.Contains(s.Healthcheck.Test, "healthcheck") {
		t.Errorf("healthcheck %v does not run partnerbot healthcheck", s.Healthcheck.Test)
	}
	if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d <= config.Default().Bot.ShutdownTimeout {
		t.Errorf("stop_grace_period %q: want longer than bot.shutdown_timeout", s.StopGracePeriod)
	}
	if strings.Join(s.Command, " ") != "-config /etc/partnerbot/config.yaml" {
		t.Errorf("command %v", s.Command)
	}
}

// TestDeployKubernetes: deploy/kubernetes.yaml parses; the Deployment runs one replica, the
// old pod gone before the new one starts, as the image's user with the volume made writable
// for it, no stdin, secrets from a Secret, the store on the claim, the health check.
func TestDeployKubernetes(t *testing.T) {
	type container struct {
		Args    []string `yaml:"args"`
		Stdin   bool     `yaml:"stdin"`
		EnvFrom []struct {
			SecretRef *struct {
				Name string `yaml:"name"`
			} `yaml:"secretRef"`
		} `yaml:"envFrom"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
		LivenessProbe struct {
			Exec struct {
				Command []string `yaml:"command"`
			} `yaml:"exec"`
		} `yaml:"livenessProbe"`
	}
	type manifest struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			Replicas *int `yaml:"replicas"`
			Strategy struct {
				Type string `yaml:"type"`
			} `yaml:"strategy"`
			Template struct {
				Spec struct {
					TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
					SecurityContext               struct {
						RunAsUser int `yaml:"runAsUser"`
						FSGroup   int `yaml:"fsGroup"`
					} `yaml:"securityContext"`
					Containers []container `yaml:"containers"`
					Volumes    []struct {
						Name                  string `yaml:"name"`
						PersistentVolumeClaim *struct {
							ClaimName string `yaml:"claimName"`
						} `yaml:"persistentVolumeClaim"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, "deploy/kubernetes.yaml")))
	kinds := map[string]manifest{}
	for {
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[m.Kind] = m
	}
	if _, ok := kinds["PersistentVolumeClaim"]; !ok {
		t.Error("no PersistentVolumeClaim for the store")
	}
	d, ok := kinds["Deployment"]
	if !ok {
		t.Fatal("no Deployment")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != "Recreate" {
		t.Errorf("replicas %v, strategy %q: want 1 and Recreate (one process per store and bot token)", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	ps := d.Spec.Template.Spec
	if ps.SecurityContext.RunAsUser != imageUID || ps.SecurityContext.FSGroup != imageUID {
		t.Errorf("securityContext %+v: want runAsUser and fsGroup %d", ps.SecurityContext, imageUID)
	}
	if time.Duration(ps.TerminationGracePeriodSeconds)*time.Second <= config.Default().Bot.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %d: want longer than bot.shutdown_timeout", ps.TerminationGracePeriodSeconds)
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers", len(ps.Containers))
	}
	c := ps.Containers[0]
	if c.Stdin || len(c.EnvFrom) == 0 || c.EnvFrom[0].SecretRef == nil {
		t.Errorf("stdin %v, envFrom %+v: want no stdin and the secrets from a Secret", c.Stdin, c.EnvFrom)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	claimed := false
	for _, v := range ps.Volumes {
		if v.Name == mounts[deployStoreDir] && v.PersistentVolumeClaim != nil {
			claimed = true
		}
	}
	if !claimed {
		t.Errorf("%s is not on a PersistentVolumeClaim: mounts %v", deployStoreDir, mounts)
	}
	if mounts["/etc/partnerbot"] == "" || strings.Join(c.Args, " ") != "-config /etc/partnerbot/config.yaml" {
		t.Errorf("config: mounts %v, args %v", mounts, c.Args)
	}
	if !slices.Contains(c.LivenessProbe.Exec.Command, "healthcheck") {
		t.Errorf("livenessProbe %v does not run partnerbot healthcheck", c.LivenessProbe.Exec.Command)
	}
}

// TestDeploySystemdUnit: deploy/partnerbot.service runs the bot with standard input at
// /dev/null, secrets from an EnvironmentFile, the store in its StateDirectory and a stop
// timeout longer than bot.shutdown_timeout.
func TestDeploySystemdUnit(t *testing.T) {
	keys := map[string]string{}
	for _, line := range strings.Split(readFile(t, "deploy/partnerbot.service"), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	want := map[string]string{
		"ExecStart":       "/usr/local/bin/partnerbot -config /etc/partnerbot/config.yaml",
		"EnvironmentFile": "/etc/partnerbot/partnerbot.env",
		"StandardInput":   "null",
		"StateDirectory":  strings.TrimPrefix(deployStoreDir, "/var/lib/"),
		"User":            "partnerbot",
	}
	for k, v := range want {
		if keys[k] != v {
			t.Errorf("%s=%q, want %q", k, keys[k], v)
		}
	}
	if d, err := time.ParseDuration(keys["TimeoutStopSec"]); err != nil || d <= config.Default().Bot.ShutdownTimeout {
		t.Errorf("TimeoutStopSec=%q: want longer than bot.shutdown_timeout", keys["TimeoutStopSec"])
	}
}

// TestDeployProductionConfig: the binary's check-config accepts deploy/config.production.yaml
// with the environment the deploy files provide: every key valid, the secrets found, the
// console off, the store where the volumes are, the admin port the health checks ask. The
// outbound calls go through HTTPS_PROXY (here a port nothing listens on), which shows that the
// BSS, IAM, Slack, Telegram and WeCom clients all honour it.
func TestDeployProductionConfig(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	_, err := config.Load("config.production.yaml")
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Errorf("without the environment: %v, want the missing SLACK_BOT_TOKEN", err)
	}
	bin := buildBinary(t)
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "check-config", "-config", "config.production.yaml", "-timeout", "5s")
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"HOME=" + t.TempDir(), "HTTPS_PROXY=http://127.0.0.1:1", "NO_PROXY=",
		"HUAWEICLOUD_SDK_AK=AKDEPLOYTEST0000", "HUAWEICLOUD_SDK_SK=deploy-test-secret-key",
		"SLACK_BOT_TOKEN=xoxb-deploy-test-0001", "SLACK_APP_TOKEN=xapp-1-deploy-test-0002"}
	_ = cmd.Run()
	table := out.String()
	for _, want := range []string{
		"configuration    ok",
		"chat adapters    ok      slack",
		"bss account id   FAIL", "proxyconnect", // through HTTPS_PROXY
		"slack            FAIL",
		deployStoreDir + "/partnerbot.db",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("check-config lacks %q:\n%s%s", want, table, errb.String())
		}
	}
	if strings.Contains(table, "would refuse to start") || strings.Contains(table, "WARN") {
		t.Errorf("check-config:\n%s", table)
	}
	if strings.Count(table, "proxyconnect") < 2 {
		t.Errorf("not every outbound client went through HTTPS_PROXY:\n%s", table)
	}
	for _, s := range []string{"deploy-test-secret-key", "xoxb-deploy-test-0001", "xapp-1-deploy-test-0002"} {
		if strings.Contains(table+errb.String(), s) {
			t.Errorf("a secret was printed: %s", s)
		}
	}
	// Telegram and WeCom go through the proxy too.
	all := filepath.Join(t.TempDir(), "all.yaml")
	writeFile(t, all, strings.Replace(readFile(t, "deploy/config.production.yaml"), "\nslack:\n",
		"\ntelegram:\n  enabled: true\nwecom:\n  enabled: true\n  corp_id: ww0000000000000001\n  agent_id: 1000002\nslack:\n", 1))
	out.Reset()
	cmd = exec.Command(bin, "check-config", "-config", all, "-timeout", "5s")
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(cmd.Env[:0:0], "HOME="+t.TempDir(), "HTTPS_PROXY=http://127.0.0.1:1", "NO_PROXY=",
		"HUAWEICLOUD_SDK_AK=AKDEPLOYTEST0000", "HUAWEICLOUD_SDK_SK=deploy-test-secret-key",
		"SLACK_BOT_TOKEN=xoxb-deploy-test-0001", "SLACK_APP_TOKEN=xapp-1-deploy-test-0002",
		"TELEGRAM_BOT_TOKEN=4242424242:AAdeploy-test-token-0000000000000", "WECOM_CORP_SECRET=deploy-test-corp-secret")
	_ = cmd.Run()
	for _, row := range []string{"telegram", "wecom   "} {
		i := strings.Index(out.String(), "\n"+row)
		if i < 0 || !strings.Contains(strings.SplitN(out.String()[i+1:], "\n", 2)[0], "proxyconnect") {
			t.Errorf("%s did not go through HTTPS_PROXY:\n%s%s", row, out.String(), errb.String())
		}
	}

	t.Setenv("SLACK_BOT_TOKEN", "xoxb-deploy-test-0001")
	t.Setenv("SLACK_APP_TOKEN", "xapp-1-deploy-test-0002")
	cfg, err := config.Load("config.production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Console.On(true) || cfg.BSS.Sandbox || cfg.StorePath() != deployStoreDir+"/partnerbot.db" ||
		cfg.Admin.Listen != "127.0.0.1:"+admin.DefaultPort {
		t.Errorf("console %v, sandbox %v, store %s, admin %s", cfg.Console.On(true), cfg.BSS.Sandbox, cfg.StorePath(), cfg.Admin.Listen)
	}
}

// TestReadmeContents: every entry of the README's table of contents leads to a heading (GitHub's
// anchors: lower case, punctuation dropped, spaces as hyphens), and the Set-up section that
// precedes it keeps its two commands.
func TestReadmeContents(t *testing.T) {
	readme := readFile(t, "README.md")
	anchors := map[string]bool{}
	punct := regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
	for _, line := range strings.Split(readme, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchors[strings.ReplaceAll(punct.ReplaceAllString(strings.ToLower(h), ""), " ", "-")] = true
		} else if h, ok := strings.CutPrefix(line, "### "); ok {
			anchors[strings.ReplaceAll(punct.ReplaceAllString(strings.ToLower(h), ""), " ", "-")] = true
		}
	}
	setup, rest, ok := strings.Cut(readme, "\n## Contents\n")
	if !ok {
		t.Fatal("README has no ## Contents")
	}
	toc, _, _ := strings.Cut(rest, "\n## ")
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(toc, -1)
	if len(links) < 10 {
		t.Fatalf("the table of contents has %d entries", len(links))
	}
	for _, l := range links {
		if !anchors[l[1]] {
			t.Errorf("contents link #%s leads to no heading", l[1])
		}
	}
	for _, a := range []string{"deploying", "telegram", "wecom-企业微信", "slack"} {
		if !strings.Contains(toc, "(#"+a+")") {
			t.Errorf("the contents do not list #%s", a)
		}
	}
	if !strings.Contains(setup, "\n    go run . -config config.example.yaml\n") || !strings.Contains(setup, "\n    .ci/run\n") ||
		strings.Count(setup, "\n    ") != 2 {
		t.Errorf("the Set-up section must keep exactly its two commands:\n%s", setup)
	}
}

// TestReadmeDeploySteps: the README's step-by-step sections give the very commands of the unit's
// and the compose file's headers (which the plays run), and its environment file names the
// secrets those headers name, so that a newcomer reading only the README does what the tests do.
func TestReadmeDeploySteps(t *testing.T) {
	readme := readFile(t, "README.md")
	_, deploying, ok := strings.Cut(readme, "\n## Deploying\n")
	if !ok {
		t.Fatal("README has no ## Deploying")
	}
	deploying, _, _ = strings.Cut(deploying, "\n## ")
	sections := map[string]string{}
	for _, part := range strings.Split(deploying, "\n### ")[1:] {
		title, body, _ := strings.Cut(part, "\n")
		sections[title] = body
	}
	commands := regexp.MustCompile(`^(useradd|install|systemd-run|systemctl|journalctl|/usr/local/bin/partnerbot|cp|docker compose) `)
	for file, section := range map[string]string{
		"deploy/partnerbot.service": "systemd, step by step",
		"deploy/compose.yaml":       "Docker Compose, step by step",
	} {
		steps, ok := sections[section]
		if !ok {
			t.Errorf("README's Deploying has no ### %s", section)
			continue
		}
		text := readFile(t, file)
		n := 0
		for _, line := range strings.Split(text, "\n") {
			cmd, ok := strings.CutPrefix(line, "#   ")
			if !ok {
				continue
			}
			cmd, _, _ = strings.Cut(strings.TrimSpace(cmd), "   #")
			if !commands.MatchString(cmd) {
				continue
			}
			n++
			if !strings.Contains(steps, strings.TrimSpace(cmd)) {
				t.Errorf("README's %q lacks %s's command:\n\t%s", section, file, cmd)
			}
		}
		if n < 5 {
			t.Errorf("%s's header has %d commands", file, n)
		}
		for _, name := range headerSecrets(t, text) {
			if !strings.Contains(sections["Before either: the Slack app, its tokens and ids"], "\n    "+name+"=") {
				t.Errorf("README's environment file lacks %s, which %s asks for", name, file)
			}
		}
	}
}
