package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// The plays start the built binary exactly as each deploy file would (same command and
// arguments, the same environment variable names with test values, the production
// configuration, the store on a private volume, standard input at /dev/null, no terminal),
// run the file's health check as written, send a Slack slash command and read the answer, run
// the header's `partnerbot exec` beside the service, then stop it with SIGTERM and expect exit
// 0 within the file's stop timeout. What cannot be the same on a test machine is substituted,
// and only that: the paths /usr/local/bin/partnerbot, /etc/partnerbot/config.yaml and
// /var/lib/partnerbot (temporary ones), and in the configuration Slack's and BSS's endpoints
// (slack.api_url, bss.endpoint and bss.iam_endpoint on loopback fakes) and the admin port (a
// free one, so that tests can run side by side). Run as root, the bot runs as the service's
// unprivileged user, as systemd's User= and the image's USER make it.

// The deploy files' fixed paths, replaced in each play by temporary ones.
const (
	configPath = "/etc/partnerbot/config.yaml"
	adminAddr  = "127.0.0.1:8079"
)

// Test values of the secrets. The names come from the deploy files' headers.
var testSecrets = map[string]string{
	"HUAWEICLOUD_SDK_AK": bsstest.SandboxCredentials.AccessKey,
	"HUAWEICLOUD_SDK_SK": bsstest.SandboxCredentials.SecretKey,
	"SLACK_BOT_TOKEN":    "xoxb-4242-4242-deploy-play-bot",
	"SLACK_APP_TOKEN":    "xapp-1-A0PARTNER-4242-deploy-play-app",
	// The cluster's (deploy/cluster): Slack in http mode, Telegram's webhook, WeCom's callback, etcd.
	"SLACK_SIGNING_SECRET":     "deploy-play-signing-secret-0001",
	"TELEGRAM_BOT_TOKEN":       telegramtest.Token,
	"TELEGRAM_WEBHOOK_SECRET":  "deploy-play-webhook-secret_0001",
	"WECOM_CORP_SECRET":        "deploy-play-corp-secret-0001",
	"WECOM_CALLBACK_TOKEN":     "deployPlayCallbackToken",
	"WECOM_ENCODING_AES_KEY":   "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	"PARTNERBOT_ETCD_PASSWORD": "deploy-play-etcd-password-0001",
}

// A service's user: systemd's User=partnerbot (a system user's uid) and the image's nonroot.
const (
	systemdUID = 998
	imageUser  = imageUID
)

// service is one deploy file's way of running the bot, read from the file.
type service struct {
	file        string
	argv        []string      // the command, with the file's paths
	health      []string      // the health check as written; nil: none
	check       []string      // the header's `partnerbot check-config` before the start; nil: none
	beside      []string      // the header's `partnerbot exec` beside the running bot
	secrets     []string      // the secret variables the file's header says to provide
	managerEnv  []string      // what the service manager puts in the environment besides them
	uid         int           // whom it runs as (when the tests run as root)
	workDir     string        // "" = a read-only directory (the image's WORKDIR on a read-only root)
	stopTimeout time.Duration // SIGTERM to SIGKILL
	startLimit  time.Duration // how long the health check may fail after the start
}

func TestPlaySystemdUnit(t *testing.T) {
	unit := readFile(t, "deploy/partnerbot.service")
	keys := unitKeys(unit)
	stop, err := time.ParseDuration(keys["TimeoutStopSec"])
	if err != nil {
		t.Fatalf("TimeoutStopSec=%q: %v", keys["TimeoutStopSec"], err)
	}
	if keys["StandardInput"] != "null" || keys["User"] != "partnerbot" || keys["StateDirectory"] != "partnerbot" {
		t.Fatalf("the unit changed how it runs the bot (StandardInput, User, StateDirectory): %v; update this play", keys)
	}
	play(t, service{
		file:   "deploy/partnerbot.service",
		argv:   strings.Fields(keys["ExecStart"]),
		health: headerCommand(t, unit, "healthcheck"),
		check:  headerCommand(t, unit, "check-config"),
		beside: headerCommand(t, unit, "exec"),
		// systemd's environment for a system service with User=: PATH, the user's HOME (useradd
		// --home-dir /var/lib/partnerbot), USER, LOGNAME, SHELL, STATE_DIRECTORY, INVOCATION_ID,
		// JOURNAL_STREAM; then EnvironmentFile=.
		managerEnv: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "HOME=" + deployStoreDir,
			"USER=partnerbot", "LOGNAME=partnerbot", "SHELL=/usr/sbin/nologin", "STATE_DIRECTORY=" + deployStoreDir,
			"INVOCATION_ID=0d5a2c1e9b7f4a6d8c3e2f1a0b9c8d7e", "JOURNAL_STREAM=8:42424"},
		secrets:     headerSecrets(t, unit),
		uid:         systemdUID,
		workDir:     "/", // systemd's default WorkingDirectory
		stopTimeout: stop,
		startLimit:  30 * time.Second,
	})
}

func TestPlayCompose(t *testing.T) {
	text := readFile(t, "deploy/compose.yaml")
	var doc struct {
		Services map[string]struct {
			Command         []string `yaml:"command"`
			StdinOpen       bool     `yaml:"stdin_open"`
			TTY             bool     `yaml:"tty"`
			User            string   `yaml:"user"`
			StopGracePeriod string   `yaml:"stop_grace_period"`
			Healthcheck     struct {
				Test        []string `yaml:"test"`
				StartPeriod string   `yaml:"start_period"`
				Interval    string   `yaml:"interval"`
				Retries     int      `yaml:"retries"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Services["partnerbot"]
	if s.StdinOpen || s.TTY || s.User != "" {
		t.Fatalf("stdin_open %v, tty %v, user %q: update this play", s.StdinOpen, s.TTY, s.User)
	}
	stop, err := time.ParseDuration(s.StopGracePeriod)
	if err != nil {
		t.Fatalf("stop_grace_period %q: %v", s.StopGracePeriod, err)
	}
	if len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
		t.Fatalf("healthcheck.test %v: want [\"CMD\", …] (the image has no shell for CMD-SHELL)", s.Healthcheck.Test)
	}
	start, err := time.ParseDuration(s.Healthcheck.StartPeriod)
	if err != nil {
		t.Fatalf("healthcheck.start_period %q: %v", s.Healthcheck.StartPeriod, err)
	}
	play(t, service{
		file: "deploy/compose.yaml",
		// No entrypoint in the service: the image's ENTRYPOINT, then the service's command.
		argv:   append(imageEntrypoint(t), s.Command...),
		health: s.Healthcheck.Test[1:],
		check:  headerCommand(t, text, "check-config"),
		beside: headerCommand(t, text, "exec"),
		// The image's environment (distroless: PATH; HOME of nonroot), Docker's HOSTNAME, then env_file.
		managerEnv: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=3f1c2b9a7d6e",
			"HOME=/home/nonroot"},
		secrets:     headerSecrets(t, text),
		uid:         imageUser,
		stopTimeout: stop,
		startLimit:  start,
	})
}

func TestPlayKubernetes(t *testing.T) {
	text := readFile(t, "deploy/kubernetes.yaml")
	dec := yaml.NewDecoder(strings.NewReader(text))
	type probe struct {
		Exec *struct {
			Command []string `yaml:"command"`
		} `yaml:"exec"`
		InitialDelaySeconds int `yaml:"initialDelaySeconds"`
	}
	var pod struct {
		TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               struct {
			RunAsUser int `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []struct {
			Command        []string `yaml:"command"`
			Args           []string `yaml:"args"`
			Stdin          bool     `yaml:"stdin"`
			TTY            bool     `yaml:"tty"`
			LivenessProbe  probe    `yaml:"livenessProbe"`
			ReadinessProbe *probe   `yaml:"readinessProbe"`
		} `yaml:"containers"`
	}
	for {
		var m struct {
			Kind string `yaml:"kind"`
			Spec struct {
				Template struct {
					Spec yaml.Node `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("no Deployment: %v", err)
		}
		if m.Kind == "Deployment" {
			if err := m.Spec.Template.Spec.Decode(&pod); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Stdin || c.TTY || len(c.Command) > 0 || c.LivenessProbe.Exec == nil {
		t.Fatalf("stdin %v, tty %v, command %v, liveness %+v: update this play", c.Stdin, c.TTY, c.Command, c.LivenessProbe)
	}
	if c.ReadinessProbe != nil && (c.ReadinessProbe.Exec == nil || !slices.Equal(c.ReadinessProbe.Exec.Command, c.LivenessProbe.Exec.Command)) {
		t.Fatalf("readinessProbe %+v: update this play to run it", c.ReadinessProbe)
	}
	play(t, service{
		file: "deploy/kubernetes.yaml",
		// No command: the image's ENTRYPOINT with the container's args.
		argv:   append(imageEntrypoint(t), c.Args...),
		health: c.LivenessProbe.Exec.Command,
		beside: headerCommand(t, text, "exec"),
		// The image's environment, the pod's HOSTNAME and the service links Kubernetes adds, then envFrom.
		managerEnv: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=partnerbot-7d9c8b6f5-x2k4q",
			"HOME=/home/nonroot", "KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443"},
		secrets:     headerSecrets(t, text),
		uid:         pod.SecurityContext.RunAsUser,
		stopTimeout: time.Duration(pod.TerminationGracePeriodSeconds) * time.Second,
		// The kubelet restarts the container after failureThreshold failed probes from
		// initialDelaySeconds on; the bot must be healthy by then.
		startLimit: time.Duration(c.LivenessProbe.InitialDelaySeconds) * time.Second,
	})
}

// play runs s (see the top of this file).
func play(t *testing.T, s service) {
	bin := buildBinary(t)
	asRoot := os.Geteuid() == 0
	uid := os.Getuid()
	if asRoot {
		uid = s.uid
	}

	slack := slacktest.NewWithTokens(t, testSecrets["SLACK_BOT_TOKEN"], testSecrets["SLACK_APP_TOKEN"])
	bss := bsstest.NewTestServer(t, bsstest.Options{})

	// The volume: private to the service's user, as StateDirectoryMode=0700, a named volume
	// created for the image's user, or fsGroup make it.
	volume := privateDir(t, 0o700, uid)
	// The configuration directory: root's, readable by the service's group (the unit's header:
	// install -d -m 0750 -g partnerbot; compose and Kubernetes mount it read-only).
	etc := privateDir(t, 0o750, 0)
	if asRoot {
		if err := os.Chown(etc, 0, uid); err != nil {
			t.Fatal(err)
		}
	}
	admin := freeAddr(t)
	cfg := filepath.Join(etc, "config.yaml")
	writeFile(t, cfg, edit(t, readFile(t, "deploy/config.production.yaml"),
		"\n  mode: socket ", "\n  api_url: "+slack.APIURL()+"\n  mode: socket ",
		"\n  endpoint: china ", "\n  iam_endpoint: "+bss.URL+"\n  endpoint: "+bss.URL+" ",
		"\n  path: "+deployStoreDir+"/partnerbot.db", "\n  path: "+volume+"/partnerbot.db",
		`listen: "`+adminAddr+`"`, `listen: "`+admin+`"`))
	if err := os.Chmod(cfg, 0o640); err != nil {
		t.Fatal(err)
	}
	if asRoot {
		if err := os.Chown(cfg, 0, uid); err != nil {
			t.Fatal(err)
		}
	}
	workDir := s.workDir
	if workDir == "" {
		workDir = privateDir(t, 0o555, 0) // read-only, as the image's WORKDIR on readOnlyRootFilesystem
	}

	localize := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			a = strings.ReplaceAll(a, unitBinary, bin)
			a = strings.ReplaceAll(a, configPath, cfg)
			a = strings.ReplaceAll(a, adminAddr, admin)
			out[i] = a
		}
		return out
	}
	argv := localize(s.argv)
	if argv[0] != bin {
		t.Fatalf("%s runs %q, not %s", s.file, s.argv[0], unitBinary)
	}
	env := slices.Clone(s.managerEnv)
	for i, kv := range env {
		env[i] = strings.ReplaceAll(kv, deployStoreDir, volume)
	}
	for _, name := range s.secrets {
		v, ok := testSecrets[name]
		if !ok {
			t.Fatalf("%s's header asks for %s, which this play has no test value for", s.file, name)
		}
		env = append(env, name+"="+v)
	}
	run := func(stdout, stderr *lockedBuffer, args ...string) *exec.Cmd {
		t.Helper()
		devNull, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { devNull.Close() })
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env, cmd.Dir = devNull, stdout, stderr, env, workDir
		// A session of its own: no controlling terminal, as under a service manager.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if asRoot {
			cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() }) // once it has exited: os.ErrProcessDone, nothing killed
		return cmd
	}

	// The check the header says to run before the first start: every row ok.
	if s.check != nil {
		check := localize(s.check)
		check[0] = bin // `partnerbot`: the image's ENTRYPOINT, or the unit's path
		var cout, cerr lockedBuffer
		err := run(&cout, &cerr, check...).Wait()
		for _, row := range strings.Split(strings.TrimSpace(cout.String()), "\n")[1:] {
			if f := strings.Fields(row); len(f) < 2 || (!slices.Contains(f, "ok") && !slices.Contains(f, "skip")) {
				t.Errorf("check-config row %q: want ok", row)
			}
		}
		if err != nil || strings.Count(cout.String(), "\n") < 8 {
			t.Errorf("%q: %v\nstdout:\n%s\nstderr:\n%s\nwant exit 0 and every row ok", check, err, cout.String(), cerr.String())
		}
	}

	var stdout, stderr lockedBuffer
	started := time.Now()
	bot := run(&stdout, &stderr, argv...)
	exited := make(chan error, 1)
	go func() { exited <- bot.Wait() }()
	logs := func() string {
		return fmt.Sprintf("\n%s as uid %d: %q\nstdout:\n%s\nstderr:\n%s%s", s.file, uid, argv, stdout.String(), stderr.String(), "\nSlack:"+slack.DescribePosts())
	}

	// The health check, as written, until it passes (within the file's start allowance).
	if s.health != nil {
		health := localize(s.health)
		for {
			var hout, herr lockedBuffer
			err := run(&hout, &herr, health...).Wait()
			if err == nil {
				break
			}
			select {
			case err := <-exited:
				t.Fatalf("the bot exited (%v) before its health check passed%s", err, logs())
			default:
			}
			if time.Since(started) > s.startLimit {
				t.Fatalf("the health check %q still fails %v after the start: %v\n%s%s%s", health, s.startLimit, err, hout.String(), herr.String(), logs())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor(t, 30*time.Second, "the Socket Mode connection", logs, func() bool { return slack.Connections() > 0 })
	t.Logf("healthy and connected to Slack %v after the start", time.Since(started).Round(time.Millisecond))

	// A slash command from a Slack user of the configuration's roles, in its approvals channel.
	id, _ := slack.Envelope("slash_commands", slack.SlashPayload("/customer", "张三", "C0000000001", "U0000000002", "deploy-hook-1"), true)
	waitFor(t, 30*time.Second, "the acknowledgement", logs, func() bool { _, ok := slack.Acks()[id]; return ok })
	waitFor(t, 30*time.Second, "the answer to /customer 张三", logs, func() bool { return len(slackAnswers(slack, "deploy-hook-1")) > 0 })
	if a := slackAnswers(slack, "deploy-hook-1"); len(a) != 1 || !strings.Contains(a[0].Text+a[0].Shown(), "zhangsan") || a[0].ResponseType != "in_channel" {
		t.Errorf("answers %+v, want one in_channel answer about zhangsan%s", a, logs())
	}

	// A command beside the running bot, as the header says to run it (the service's user and
	// environment): through the bot's control socket.
	if s.beside != nil {
		beside := localize(s.beside)
		beside[0] = bin // `partnerbot` on the PATH, /usr/local/bin in the image
		var eout, eerr lockedBuffer
		err := run(&eout, &eerr, beside...).Wait()
		if err != nil || eout.String() == "" || eerr.String() != "" {
			t.Errorf("%q beside the bot: %v\nstdout:\n%s\nstderr:\n%s\nwant exit 0, an answer and nothing on stderr%s", beside, err, eout.String(), eerr.String(), logs())
		}
		if !strings.Contains(stderr.String(), "control socket: exec") {
			t.Errorf("the command beside did not go through the running bot's control socket%s", logs())
		}
	}

	// Stopping: SIGTERM, exit 0 within the stop timeout.
	if err := bot.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	select {
	case err := <-exited:
		t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
		if err != nil {
			t.Errorf("after SIGTERM: %v, want exit 0%s", err, logs())
		}
	case <-time.After(s.stopTimeout):
		t.Fatalf("the bot did not stop within %s's stop timeout %v of SIGTERM%s", s.file, s.stopTimeout, logs())
	}

	// What the operator sees: JSON logs on stderr (journald, docker logs), nothing on stdout,
	// no secret anywhere; the store on the volume, the service user's alone.
	if stdout.String() != "" {
		t.Errorf("the service printed on stdout%s", logs())
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		// The signal handler's "shutting down" line too: it writes through the configured
		// logger once there is one.
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON (log.format: json): %q", line)
		}
	}
	for _, want := range []string{`"msg":"partnerbot started"`, `"adapters":"slack"`, `"msg":"partnerbot stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the logs lack %s%s", want, logs())
		}
	}
	for name, v := range testSecrets {
		if strings.Contains(stdout.String()+stderr.String(), v) {
			t.Errorf("the logs show %s", name)
		}
	}
	info, err := os.Stat(filepath.Join(volume, "partnerbot.db"))
	if err != nil {
		t.Fatalf("the store is not on the volume: %v", err)
	}
	if st := info.Sys().(*syscall.Stat_t); info.Mode().Perm() != 0o600 || int(st.Uid) != uid {
		t.Errorf("the store is %v owned by uid %d, want 0600 and the service's user %d", info.Mode(), st.Uid, uid)
	}
	if _, err := os.Lstat(filepath.Join(volume, "partnerbot.db.sock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the control socket outlived the bot: %v", err)
	}
}

// unitKeys is the unit's Key=Value lines (the last of each key).
func unitKeys(unit string) map[string]string {
	keys := map[string]string{}
	for _, line := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	return keys
}

// headerCommand is the `partnerbot <sub> …` command a deploy file's header comment gives,
// from the binary's name (or path) on, split as a shell would split it (single quotes only).
func headerCommand(t *testing.T, text, sub string) []string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^#.*?((?:/usr/local/bin/)?partnerbot ` + sub + ` -[^\n]*)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("the header has no `partnerbot %s …` line", sub)
	}
	var args []string
	for _, part := range regexp.MustCompile(`'[^']*'|\S+`).FindAllString(strings.TrimSpace(m[1]), -1) {
		if strings.HasPrefix(part, "<") {
			continue // a redirection (</dev/null): the plays' standard input is /dev/null
		}
		args = append(args, strings.Trim(part, "'"))
	}
	return args
}

// headerSecrets is the environment variables a deploy file's header says to fill in (NAME=…
// or --from-literal=NAME=…).
func headerSecrets(t *testing.T, text string) []string {
	t.Helper()
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^#.*$`).FindAllString(text, -1) {
		for _, n := range regexp.MustCompile(`\b([A-Z][A-Z0-9_]+)=(?:xoxb-|xapp-)?…`).FindAllStringSubmatch(m, -1) {
			if !slices.Contains(names, n[1]) {
				names = append(names, n[1])
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("the header names no secret to provide")
	}
	return names
}

// imageEntrypoint is the Dockerfile's ENTRYPOINT.
func imageEntrypoint(t *testing.T) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^ENTRYPOINT (\[.*\])$`).FindStringSubmatch(readFile(t, "Dockerfile"))
	var ep []string
	if m == nil || json.Unmarshal([]byte(m[1]), &ep) != nil || len(ep) == 0 {
		t.Fatal("the Dockerfile has no ENTRYPOINT [...]")
	}
	return ep
}

// privateDir makes a temporary directory with mode, owned by uid (when run as root), removed
// at the end of the test. Outside t.TempDir, whose parent only the test's user may enter.
func privateDir(t *testing.T, mode os.FileMode, uid int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "partnerbot-play-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700); os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer is a bytes.Buffer a process's output and the test may use at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// slackAnswers are the answers posted to the response URL hook.
func slackAnswers(f *slacktest.Fake, hook string) []slacktest.Post {
	var out []slacktest.Post
	for _, p := range f.Posts() {
		if p.Method == "response_url" && p.Hook == hook {
			out = append(out, p)
		}
	}
	return out
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, show func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %v for %s%s", limit, what, show())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
