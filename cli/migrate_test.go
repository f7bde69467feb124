package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// filledStore makes a bbolt store file as the bot fills it: an approval filed, approved and
// run by exec, then a bit of everything else (storetest.Fill) with an expiry index of
// resources resources. It returns the configuration and the file.
func filledStore(t *testing.T, resources int) (cfg, path string) {
	t.Helper()
	cfg = writeConfig(t)
	res := runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/resources 张三")
	res.check(t, 0, []string{"zhangsan-web-01"}, nil)
	var id string
	lines := strings.Split(res.stdout, "\n")
	for i, l := range lines {
		if strings.Contains(l, "zhangsan-web-01 ·") && i+1 < len(lines) {
			id = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "ID:"))
		}
	}
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/renew "+id+" 3m").check(t, 0, []string{"已提交申请 #1"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:bob", "/approve 1").check(t, 0, []string{"✅ 已执行"}, nil)
	path = storePath(cfg)
	clk := fakeclock.New(storetest.Epoch)
	st, err := store.Open(path, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	storetest.Fill(t, st, clk, resources)
	return cfg, path
}

// summaryOf exports the bbolt store at path.
func summaryOf(t *testing.T, path string) *store.Summary {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := store.Summarize(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMigrateRoundTrip: a store moves from its bbolt file into etcd and back into a new file,
// the same record for record; the bot on the etcd configuration sees the approvals; a second
// migration into the now full prefix or file is refused, naming what is there.
func TestMigrateRoundTrip(t *testing.T) {
	_, src := filledStore(t, 300)
	c := etcdtest.Start(t, 1)
	ecfg := etcdConfig(t, c.Endpoints())

	runCLI(t, "", "migrate", "-config", ecfg, "--from", "bbolt:"+src, "--to", "etcd").check(t, exitOK,
		[]string{"copied " + src + " to etcd://", "verified", "approvals ", "expiry_by_time ", "300 records"}, nil)
	back := filepath.Join(t.TempDir(), "new", "back.db")
	runCLI(t, "", "migrate", "-config", ecfg, "--from", "etcd", "--to", "bbolt:"+back).check(t, exitOK,
		[]string{"to " + back + " and verified"}, nil)
	if err := summaryOf(t, src).Diff(summaryOf(t, back), 10); err != nil {
		t.Errorf("bbolt → etcd → bbolt changed the store: %v", err)
	}
	if _, err := store.Verify(back, store.Options{}); err != nil {
		t.Errorf("Verify(%s): %v", back, err)
	}

	// The bot on etcd sees the approval filed and run on bbolt.
	runCLI(t, "", "exec", "-config", ecfg, "-as", "console:alice", "/request 1").check(t, 0, []string{"console:bob", "已成功"}, nil)

	// Destinations that hold a store are refused.
	runCLI(t, "", "migrate", "-config", ecfg, "--from", "bbolt:"+src, "--to", "etcd").check(t, exitFailed, nil,
		[]string{"is not empty", "approvals ", "etcdctl del --prefix /partnerbot/"})
	runCLI(t, "", "migrate", "-config", ecfg, "--from", "etcd", "--to", "bbolt:"+src).check(t, exitFailed, nil,
		[]string{"bbolt:" + src + " is not empty", "approvals "})
	if err := summaryOf(t, src).Diff(summaryOf(t, back), 10); err != nil {
		t.Errorf("a refused migration changed the file: %v", err)
	}
}

// TestMigrateRefusesRunningBots: a bbolt file a bot serves, and an etcd prefix replicas run on
// (their member keys), are not migrated.
func TestMigrateRefusesRunningBots(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cfg := writeConfig(t, "    endpoints: []", "    endpoints: ["+strings.Join(c.Endpoints(), ", ")+"]")
	b := startBot(t, cfg)
	runCLI(t, "", "migrate", "-config", cfg, "--from", "bbolt:"+storePath(cfg), "--to", "etcd").check(t, exitFailed, nil,
		[]string{"serves " + storePath(cfg), "stop it first"})
	b.stop()

	cli := c.Client(t)
	if _, err := cli.Put(context.Background(), "/partnerbot/cluster/members/7587", "replica-b"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	runCLI(t, "", "migrate", "-config", cfg, "--from", "etcd", "--to", "bbolt:"+out).check(t, exitFailed, nil,
		[]string{"1 replica(s) of the bot run on etcd://", "replica-b", "stop them all first"})
	runCLI(t, "", "migrate", "-config", cfg, "--from", "bbolt:"+storePath(cfg), "--to", "etcd").check(t, exitFailed, nil,
		[]string{"replica-b", "stop them all first"})
}

// TestMigrateUsage: the two ends must be bbolt and etcd, and the configuration must name an
// etcd.
func TestMigrateUsage(t *testing.T) {
	cfg := writeConfig(t, "    endpoints: []", "    endpoints: [http://127.0.0.1:1]")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "etcd"}, "--to is required"},
		{[]string{"--from", "etcd", "--to", "etcd"}, "copies between bbolt and etcd"},
		{[]string{"--from", "bbolt:a.db", "--to", "bbolt:b.db"}, "copies between bbolt and etcd"},
		{[]string{"--from", "mysql", "--to", "etcd"}, `--from "mysql": want etcd or bbolt:PATH`},
		{[]string{"--from", "bbolt:", "--to", "etcd"}, `want etcd or bbolt:PATH`},
		{[]string{"--from", "bbolt:" + filepath.Join(t.TempDir(), "none.db"), "--to", "etcd"}, "no such file"},
	} {
		runCLI(t, "", append([]string{"migrate", "-config", cfg}, tc.args...)...).check(t, exitUsage, nil, []string{tc.want})
	}
	runCLI(t, "", "migrate", "--from", "etcd", "--to", "bbolt:x.db").check(t, exitUsage, nil, []string{"store.etcd.endpoints is empty"})
}

// TestBackupOnEtcd: with store.backend etcd, backup writes a bbolt file that store.Verify
// accepts, equal to the store record for record, and migrate restores it into an empty prefix
// where the bot sees the approvals again.
func TestBackupOnEtcd(t *testing.T) {
	_, src := filledStore(t, 120)
	c := etcdtest.Start(t, 1)
	ecfg := etcdConfig(t, c.Endpoints())
	runCLI(t, "", "migrate", "-config", ecfg, "--from", "bbolt:"+src, "--to", "etcd").check(t, exitOK, nil, nil)

	out := filepath.Join(t.TempDir(), "backup.db")
	runCLI(t, "", "backup", "-config", ecfg, out).check(t, exitOK,
		[]string{"backup of etcd://", "written to " + out + " as a bbolt file", "checked", "migrate --from bbolt:" + out + " --to etcd"}, nil)
	if _, err := store.Verify(out, store.Options{}); err != nil {
		t.Fatalf("Verify(backup): %v", err)
	}
	if err := summaryOf(t, src).Diff(summaryOf(t, out), 10); err != nil {
		t.Errorf("the backup differs from the store: %v", err)
	}

	restored := etcdConfig(t, c.Endpoints(), "    prefix: /partnerbot/", "    prefix: /restored/")
	runCLI(t, "", "migrate", "-config", restored, "--from", "bbolt:"+out, "--to", "etcd").check(t, exitOK,
		[]string{"to etcd://" + c.Endpoints()[0] + "/restored/ and verified"}, nil)
	runCLI(t, "", "exec", "-config", restored, "-as", "console:alice", "/request 1").check(t, 0, []string{"console:bob", "已成功"}, nil)
}

// TestCompactOnEtcd: compact has nothing to do on etcd and says what does it instead.
func TestCompactOnEtcd(t *testing.T) {
	cfg := etcdConfig(t, []string{"http://127.0.0.1:1"})
	runCLI(t, "", "compact", "-config", cfg, filepath.Join(t.TempDir(), "new.db")).check(t, exitUsage, nil,
		[]string{"store.backend is etcd", "etcdctl defrag"})
}

// TestCheckConfigEtcd: check-config's store row with etcd says what etcd holds and as whom,
// never the password; an etcd that does not answer fails the row as the start would fail.
func TestCheckConfigEtcd(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	for _, k := range []string{"/partnerbot/seq/audit", "/partnerbot/audit/00000000000000000001", "/partnerbot/cluster/members/1"} {
		if _, err := cli.Put(context.Background(), k, "1"); err != nil {
			t.Fatal(err)
		}
	}
	cfg := etcdConfig(t, c.Endpoints())
	res := runCLI(t, "", "check-config", "-config", cfg)
	res.check(t, exitOK, nil, nil)
	row := ""
	for _, l := range strings.Split(res.stdout, "\n") {
		if strings.HasPrefix(l, "store ") {
			row = l
		}
	}
	for _, want := range []string{"ok", "etcd " + c.Endpoints()[0] + ", prefix /partnerbot/", "1 etcd member(s)", "3 keys under the prefix at revision ",
		"1 replica(s) of the bot running", "no user"} {
		if !strings.Contains(row, want) {
			t.Errorf("store row lacks %q:\n%s", want, res.stdout)
		}
	}

	// A user: named, the password not.
	t.Setenv("PARTNERBOT_ETCD_PASSWORD", "s3cret-pw-42")
	cfg = etcdConfig(t, c.Endpoints(), `    username: ""`, "    username: bot")
	res = runCLI(t, "", "check-config", "-config", cfg)
	res.check(t, exitOK, []string{"user bot (password from PARTNERBOT_ETCD_PASSWORD)"}, nil)
	if strings.Contains(res.stdout+res.stderr, "s3cret-pw-42") {
		t.Errorf("check-config shows the etcd password:\n%s%s", res.stdout, res.stderr)
	}

	ln := "http://127.0.0.1:1"
	cfg = etcdConfig(t, []string{ln}, "    dial_timeout: 5s", "    dial_timeout: 300ms")
	res = runCLI(t, "", "check-config", "-config", cfg)
	res.check(t, exitFailed, []string{"FAIL", "store.etcd (" + ln + ")", "The bot would refuse to start (exit 1)"}, nil)
}
