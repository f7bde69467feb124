package deploy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"gopkg.in/yaml.v3"

	slackbot "github.com/partnerbot/partnerbot/bot/slack"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
)

// TestPlayClusterCompose plays deploy/cluster/compose.yaml as TestPlayCompose plays the single
// machine's file: the built binary three times, each as its replica's service runs it (the
// image's ENTRYPOINT and the service's command, the env_file's variables with test values, the
// image's user, standard input at /dev/null, no terminal, a read-only working directory), all
// with deploy/cluster/config.yaml, against a three-member etcd in this process
// (internal/etcdtest) and loopback fakes of Slack, Telegram, WeCom and BSS. Substituted, as in
// the other plays, is only what cannot be the same here: the paths (binary, configuration,
// control socket's tmpfs), the etcd members' client URLs for the endpoints, the fakes' URLs,
// free loopback ports for the listen addresses (the containers each have their own), and
// cluster.id, which the containers take from their hostnames (one host name here).
//
// It runs the header's check-config, waits for each replica's health check and /readyz, has
// every replica answer a Slack slash command posted to its http endpoint (as the load balancer
// would send it to any), sees every replica register Telegram's webhook and exactly one lead
// (partnerbot_cluster_leader on the admin endpoints sums to 1), runs the header's `partnerbot
// exec` and `partnerbot backup` beside a replica, then stops the leader with SIGTERM (exit 0; another leads) and the
// others, and finds the cluster's keys gone from etcd (each replica resigned and left).
func TestPlayClusterCompose(t *testing.T) {
	bin := buildBinary(t)
	text := readFile(t, clusterCompose)
	base := readFile(t, clusterConfigFile)

	_, names, services := clusterServices(t)
	// What the play points elsewhere: the WeCom app (its fake must be that app) and the endpoints.
	var fixed struct {
		WeCom struct {
			CorpID  string `yaml:"corp_id"`
			AgentID int64  `yaml:"agent_id"`
		} `yaml:"wecom"`
		Store struct {
			Etcd struct {
				Endpoints []string `yaml:"endpoints"`
				Prefix    string   `yaml:"prefix"`
			} `yaml:"etcd"`
		} `yaml:"store"`
	}
	if err := yaml.Unmarshal([]byte(base), &fixed); err != nil {
		t.Fatal(err)
	}
	asRoot := os.Geteuid() == 0
	uid := os.Getuid()
	if asRoot {
		uid = imageUser
	}

	etcd := etcdtest.Start(t, 3)
	slack := slacktest.NewWithTokens(t, testSecrets["SLACK_BOT_TOKEN"], testSecrets["SLACK_APP_TOKEN"])
	bss := bsstest.NewTestServer(t, bsstest.Options{})
	tg := telegramtest.New(t)
	wc := wecomtest.New(t, wecomtest.Options{CorpID: fixed.WeCom.CorpID, AgentID: fixed.WeCom.AgentID,
		CorpSecret: testSecrets["WECOM_CORP_SECRET"]})
	endpoints := etcd.Endpoints()
	if len(endpoints) != len(fixed.Store.Etcd.Endpoints) {
		t.Fatalf("the configuration names %d etcd endpoints; the play's etcd has %d members", len(fixed.Store.Etcd.Endpoints), len(endpoints))
	}

	workDir := privateDir(t, 0o555, 0)
	replicas := make([]*replica, len(names))
	for i, name := range names {
		s := services[name]
		r := &replica{name: name, admin: freeAddr(t), slackAddr: freeAddr(t)}
		etc := privateDir(t, 0o750, 0)
		if asRoot {
			if err := os.Chown(etc, 0, uid); err != nil {
				t.Fatal(err)
			}
		}
		run := privateDir(t, 0o700, uid) // the tmpfs /run/partnerbot of the image's user
		pairs := []string{
			"\n  mode: http\n", "\n  api_url: " + slack.APIURL() + "\n  mode: http\n",
			"\n  mode: webhook\n", "\n  api_endpoint: " + tg.URL + "\n  mode: webhook\n",
			"\n  agent_id: " + strconv.FormatInt(fixed.WeCom.AgentID, 10) + "\n",
			"\n  agent_id: " + strconv.FormatInt(fixed.WeCom.AgentID, 10) + "\n  api_base: " + wc.URL + "\n",
			"\n  endpoint: china\n", "\n  iam_endpoint: " + bss.URL + "\n  endpoint: " + bss.URL + "\n",
			`listen: ":8081"`, `listen: "` + r.slackAddr + `"`,
			`listen: ":8443"`, `listen: "` + freeAddr(t) + `"`,
			`listen: ":8088"`, `listen: "` + freeAddr(t) + `"`,
			`listen: ":8079"`, `listen: "` + r.admin + `"`,
			"socket: /run/partnerbot/partnerbot.sock", "socket: " + run + "/partnerbot.sock",
			"\n  id: \"\"", "\n  id: " + s.Hostname,
		}
		for j, ep := range fixed.Store.Etcd.Endpoints {
			pairs = append(pairs, "- "+ep+"\n", "- "+endpoints[j]+"\n")
		}
		r.config = filepath.Join(etc, "config.yaml")
		writeFile(t, r.config, edit(t, base, pairs...))
		if err := os.Chmod(r.config, 0o644); err != nil { // compose mounts it read-only; the image's user reads it
			t.Fatal(err)
		}
		r.localize = func(args []string) []string {
			out := make([]string, len(args))
			for i, a := range args {
				out[i] = strings.ReplaceAll(strings.ReplaceAll(a, unitBinary, bin), configPath, r.config)
			}
			return out
		}
		if s.StdinOpen || s.TTY || s.User != "" {
			t.Fatalf("%s: stdin_open %v, tty %v, user %q: update this play", name, s.StdinOpen, s.TTY, s.User)
		}
		r.argv = r.localize(append(imageEntrypoint(t), s.Command...))
		if len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
			t.Fatalf("%s: healthcheck.test %v: want [\"CMD\", …]", name, s.Healthcheck.Test)
		}
		r.health = r.localize(s.Healthcheck.Test[1:])
		var err error
		if r.stopTimeout, err = time.ParseDuration(s.StopGracePeriod); err != nil {
			t.Fatalf("%s: stop_grace_period %q: %v", name, s.StopGracePeriod, err)
		}
		if r.startLimit, err = time.ParseDuration(s.Healthcheck.StartPeriod); err != nil {
			t.Fatalf("%s: healthcheck.start_period %q: %v", name, s.Healthcheck.StartPeriod, err)
		}
		// The image's environment, Docker's HOSTNAME (the service's hostname:), then env_file.
		r.env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=" + s.Hostname, "HOME=/home/nonroot"}
		for _, secret := range headerSecrets(t, text) {
			v, ok := testSecrets[secret]
			if !ok {
				t.Fatalf("%s's header asks for %s, which this play has no test value for", clusterCompose, secret)
			}
			r.env = append(r.env, secret+"="+v)
		}
		r.t, r.uid, r.workDir, r.asRoot = t, uid, workDir, asRoot
		replicas[i] = r
	}
	logs := func() string {
		var b strings.Builder
		for _, r := range replicas {
			if r.stderr != nil {
				fmt.Fprintf(&b, "\n%s %q:\nstdout:\n%s\nstderr:\n%s", r.name, r.argv, r.stdout.String(), r.stderr.String())
			}
		}
		return b.String() + "\nSlack:" + slack.DescribePosts() + "\nTelegram:" + tg.DescribeCalls()
	}

	// The header's check-config, in the first replica's service, before the start: every row ok.
	m := regexp.MustCompile(`(?m)^#.* run --rm -T (\S+) (check-config -[^\n]*)$`).FindStringSubmatch(text)
	if m == nil || m[1] != names[0] {
		t.Fatalf("the header has no `… run --rm -T %s check-config …` line", names[0])
	}
	check := replicas[0].localize(append(imageEntrypoint(t), strings.Fields(m[2])...))
	var cout, cerr lockedBuffer
	err := replicas[0].start(&cout, &cerr, check...).Wait()
	for _, row := range strings.Split(strings.TrimSpace(cout.String()), "\n")[1:] {
		if f := strings.Fields(row); len(f) < 2 || (!slices.Contains(f, "ok") && !slices.Contains(f, "skip")) {
			t.Errorf("check-config row %q: want ok", row)
		}
	}
	if err != nil {
		t.Fatalf("%q: %v\nstdout:\n%s\nstderr:\n%s\nwant exit 0 and every row ok", check, err, cout.String(), cerr.String())
	}

	// docker compose up -d: the three together.
	started := time.Now()
	for _, r := range replicas {
		r.stdout, r.stderr = &lockedBuffer{}, &lockedBuffer{}
		r.cmd = r.start(r.stdout, r.stderr, r.argv...)
		r.exited = make(chan error, 1)
		go func(r *replica) { r.exited <- r.cmd.Wait() }(r)
	}
	for _, r := range replicas {
		for {
			var hout, herr lockedBuffer
			err := r.start(&hout, &herr, r.health...).Wait()
			if err == nil {
				break
			}
			select {
			case err := <-r.exited:
				t.Fatalf("%s exited (%v) before its health check passed%s", r.name, err, logs())
			default:
			}
			if time.Since(started) > r.startLimit {
				t.Fatalf("%s's health check %q still fails %v after the start: %v\n%s%s%s", r.name, r.health, r.startLimit, err, hout.String(), herr.String(), logs())
			}
			time.Sleep(200 * time.Millisecond)
		}
		waitFor(t, 60*time.Second, r.name+"'s /readyz", logs, func() bool { return r.get("/readyz") == http.StatusOK })
	}
	t.Logf("three replicas healthy and ready %v after the start", time.Since(started).Round(time.Millisecond))

	// Every replica registers the same Telegram webhook (no long polling anywhere).
	hooks := tg.WaitCallsFor("setWebhook", len(replicas), 30*time.Second)
	for _, c := range hooks {
		if c.Params["url"] != "https://bot.example.com/telegram/webhook" {
			t.Errorf("setWebhook %v: want the configuration's webhook.url", c.Params)
		}
	}
	if n := len(tg.CallsOf("getUpdates")); n > 0 {
		t.Errorf("%d getUpdates calls: webhook mode polls nowhere", n)
	}

	// Any replica answers Slack: a slash command posted to each one's http endpoint.
	for i, r := range replicas {
		hook := fmt.Sprintf("cluster-hook-%d", i)
		r.slash(slack, "/customer", "张三", "C0000000001", "U0000000002", hook)
		waitFor(t, 30*time.Second, r.name+"'s answer to /customer 张三", logs, func() bool { return len(slackAnswers(slack, hook)) > 0 })
		if a := slackAnswers(slack, hook); len(a) != 1 || !strings.Contains(a[0].Text+a[0].Shown(), "zhangsan") || a[0].ResponseType != "in_channel" {
			t.Errorf("%s answered %+v, want one in_channel answer about zhangsan%s", r.name, a, logs())
		}
	}

	// Exactly one leads, and all three are members.
	leader := waitLeader(t, replicas, logs)
	for _, r := range replicas {
		waitFor(t, 30*time.Second, r.name+"'s partnerbot_cluster_members 3", logs, func() bool {
			v, ok := r.metric("partnerbot_cluster_members")
			return ok && v == 3
		})
	}

	// A command beside a replica, through that replica's control socket.
	beside := headerCommand(t, text, "exec")
	beside = replicas[0].localize(beside)
	beside[0] = bin
	var eout, eerr lockedBuffer
	if err := replicas[0].start(&eout, &eerr, beside...).Wait(); err != nil || eout.String() == "" || eerr.String() != "" {
		t.Errorf("%q beside %s: %v\nstdout:\n%s\nstderr:\n%s\nwant exit 0, an answer and nothing on stderr%s", beside, replicas[0].name, err, eout.String(), eerr.String(), logs())
	}
	if !strings.Contains(replicas[0].stderr.String(), "control socket: exec") {
		t.Errorf("the command beside did not go through %s's control socket%s", replicas[0].name, logs())
	}

	// `partnerbot backup` beside a replica: the bot's keys read from etcd at one revision while
	// the replicas run, written as a bbolt file and checked.
	backup := filepath.Join(privateDir(t, 0o700, uid), "partnerbot-backup")
	var bout, berr lockedBuffer
	if err := replicas[0].start(&bout, &berr, bin, "backup", "-config", replicas[0].config, backup).Wait(); err != nil {
		t.Errorf("partnerbot backup beside %s: %v\nstdout:\n%s\nstderr:\n%s\nwant exit 0", replicas[0].name, err, bout.String(), berr.String())
	} else if info, err := os.Stat(backup); err != nil || info.Size() == 0 {
		t.Errorf("partnerbot backup wrote no file: %v", err)
	}

	// docker compose stop of the leader: it resigns, another leads; then the others.
	replicas[leader].stop(logs)
	rest := slices.Delete(slices.Clone(replicas), leader, leader+1)
	next := waitLeader(t, rest, logs)
	t.Logf("%s led; after its stop %s leads", replicas[leader].name, rest[next].name)
	for _, r := range rest {
		r.stop(logs)
	}

	// Each left: no member or election key of theirs stands in etcd.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	prefix := fixed.Store.Etcd.Prefix + "cluster/"
	resp, err := etcd.Client(t).Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		t.Errorf("%s is still in etcd after every replica stopped", kv.Key)
	}

	// What the operator sees: JSON logs, nothing on stdout, no secret anywhere.
	for _, r := range replicas {
		if r.stdout.String() != "" {
			t.Errorf("%s printed on stdout", r.name)
		}
		for _, line := range strings.Split(strings.TrimSpace(r.stderr.String()), "\n") {
			if !jsonLine(line) {
				t.Errorf("%s: a log line is not JSON (log.format: json): %q", r.name, line)
			}
		}
		for _, want := range []string{`"msg":"partnerbot started"`, `"msg":"partnerbot stopped"`} {
			if !strings.Contains(r.stderr.String(), want) {
				t.Errorf("%s's logs lack %s%s", r.name, want, logs())
			}
		}
		for name, v := range testSecrets {
			if strings.Contains(r.stdout.String()+r.stderr.String(), v) {
				t.Errorf("%s's logs show %s", r.name, name)
			}
		}
	}
}

// replica is one replica's process of a cluster play.
type replica struct {
	t                       *testing.T
	name                    string
	config                  string
	admin, slackAddr        string
	argv, health, env       []string
	localize                func([]string) []string
	uid                     int
	asRoot                  bool
	workDir                 string
	stopTimeout, startLimit time.Duration

	cmd            *exec.Cmd
	exited         chan error
	stdout, stderr *lockedBuffer
}

// start starts args as the replica's service runs: its user, environment and working
// directory, standard input at /dev/null, a session of its own.
func (r *replica) start(stdout, stderr io.Writer, args ...string) *exec.Cmd {
	t := r.t
	t.Helper()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devNull.Close() })
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env, cmd.Dir = devNull, stdout, stderr, r.env, r.workDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if r.asRoot {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.uid)}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // once it has exited: os.ErrProcessDone, nothing killed
	return cmd
}

// stop sends SIGTERM and expects exit 0 within the service's stop grace period.
func (r *replica) stop(logs func() string) {
	t := r.t
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.exited:
		if err != nil {
			t.Errorf("%s after SIGTERM: %v, want exit 0%s", r.name, err, logs())
		}
	case <-time.After(r.stopTimeout):
		t.Fatalf("%s did not stop within its stop_grace_period %v of SIGTERM%s", r.name, r.stopTimeout, logs())
	}
}

// get asks the replica's admin endpoint for path and returns the status (0: no answer).
func (r *replica) get(path string) int {
	resp, err := http.Get("http://" + r.admin + path)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// metric sums a series of the replica's /metrics (all its label sets); ok is false when the
// replica does not answer or has no such series.
func (r *replica) metric(name string) (sum float64, ok bool) {
	resp, err := http.Get("http://" + r.admin + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, found := strings.CutPrefix(line, name)
		if !found || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		sum, ok = sum+v, true
	}
	return sum, ok
}

// slash posts a slash command to the replica's Slack endpoint as Slack does in http mode,
// signed with the app's signing secret, and expects 200.
func (r *replica) slash(f *slacktest.Fake, command, text, channel, user, hook string) {
	t := r.t
	t.Helper()
	body := url.Values{"token": {"unused"}, "team_id": {slacktest.TeamID}, "team_domain": {"fake"}, "channel_id": {channel},
		"channel_name": {"ops"}, "user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {command},
		"text": {text}, "api_app_id": {slacktest.AppID}, "is_enterprise_install": {"false"},
		"response_url": {f.HookURL(hook)}, "trigger_id": {"1.2.3"}}.Encode()
	req, err := http.NewRequest(http.MethodPost, "http://"+r.slackAddr+slackbot.PathCommands, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.SignRequest(req, testSecrets["SLACK_SIGNING_SECRET"], time.Now(), []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s's Slack endpoint: %v", r.name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s's Slack endpoint answered %s to a signed slash command", r.name, resp.Status)
	}
}

// waitLeader waits until partnerbot_cluster_leader is 1 on one of the replicas and 0 on each of
// the others, and returns that one's index.
func waitLeader(t *testing.T, replicas []*replica, logs func() string) int {
	t.Helper()
	leader := -1
	waitFor(t, 60*time.Second, "exactly one leader (partnerbot_cluster_leader summing to 1)", func() string {
		var b strings.Builder
		for _, r := range replicas {
			v, ok := r.metric("partnerbot_cluster_leader")
			fmt.Fprintf(&b, "\n%s: partnerbot_cluster_leader %v (reported: %v)", r.name, v, ok)
		}
		return b.String() + logs()
	}, func() bool {
		leader = -1
		sum := 0.0
		for i, r := range replicas {
			v, ok := r.metric("partnerbot_cluster_leader")
			if !ok {
				return false
			}
			if v == 1 {
				leader = i
			}
			sum += v
		}
		return sum == 1 && leader >= 0
	})
	return leader
}

// jsonLine reports whether line is one JSON object.
func jsonLine(line string) bool {
	return strings.HasPrefix(line, "{") && json.Valid([]byte(line))
}
