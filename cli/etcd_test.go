package cli

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
)

// etcdConfig writes the example configuration with store.backend etcd on the given endpoints,
// the control socket in the file's directory, and edits.
func etcdConfig(t *testing.T, endpoints []string, edits ...string) string {
	t.Helper()
	return writeConfig(t, append([]string{
		"  backend: bbolt", "  backend: etcd",
		"    endpoints: []", "    endpoints: [" + strings.Join(endpoints, ", ") + "]",
		`  socket: ""`, "  socket: state/bot.sock",
	}, edits...)...)
}

// TestExecOnEtcd: with store.backend etcd the bot's state lives in etcd, not in a file: an
// approval filed by one exec is approved and run by another, each its own process's store on
// the same keys, and no bbolt file appears.
func TestExecOnEtcd(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cfg := etcdConfig(t, c.Endpoints())
	res := runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/resources 张三")
	res.check(t, 0, []string{"zhangsan-web-01"}, nil)
	id := resourceID(t, res.stdout, "zhangsan-web-01")
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/renew "+id+" 3m").check(t, 0, []string{"已提交申请 #1"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:bob", "/approve 1").check(t, 0, []string{"✅ 已执行"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/request 1").check(t, 0, []string{"console:bob", "已成功"}, nil)
	if _, err := os.Stat(storePath(cfg)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a bbolt file was made beside etcd: %v", err)
	}
	cli := c.Client(t)
	resp, err := cli.Get(t.Context(), "/partnerbot/approvals/", clientv3WithCountOnly()...)
	if err != nil || resp.Count == 0 {
		t.Errorf("no approval under /partnerbot/ in etcd (count %v, err %v)", resp, err)
	}
}

// TestEtcdUnreachable: an etcd that does not answer stops the start with exit 1 and a message
// that names the endpoints and what to check, within store.etcd.dial_timeout.
func TestEtcdUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	cfg := etcdConfig(t, []string{addr}, "    dial_timeout: 5s", "    dial_timeout: 300ms")
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, 1, nil,
		[]string{"partnerbot exec: store.etcd (" + addr + ")", "no answer within store.etcd.dial_timeout"})
}

// TestEtcdPasswordFromEnvironment: store.etcd.username needs PARTNERBOT_ETCD_PASSWORD; without it
// the configuration is refused with the key named (exit 2), and the password never appears in
// the file's keys.
func TestEtcdPasswordFromEnvironment(t *testing.T) {
	t.Setenv("PARTNERBOT_ETCD_PASSWORD", "")
	cfg := etcdConfig(t, []string{"http://127.0.0.1:1"}, `    username: ""`, "    username: bot")
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, 2, nil,
		[]string{"store.etcd.username", "PARTNERBOT_ETCD_PASSWORD is empty"})
}

func clientv3WithCountOnly() []clientv3.OpOption {
	return []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCountOnly()}
}
