// Package replicas holds only tests: the whole bot run as two or three replicas on one etcd
// cluster (internal/etcdtest, three members in the test process), each replica its own
// commands.Router over its own store/etcdstore on its own etcd client, all of them talking to
// one BSS sandbox (bss/bsstest over real HTTP, through the real bss.Client). They check what
// issue #23 promises of approvals and inbound deliveries across replicas: an approval clicked
// on two replicas at once, a replica killed between approved and executing or while
// executing, an etcd member lost mid-click, and a Slack event or Telegram update delivered to
// two replicas (each running the real adapter, webhook or HTTP mode, on its own store; a
// Telegram button saved by one and clicked on the other) all reach BSS once, with each
// transition audited once and each notice queued once. Its
// benchmark compares approval transitions per second on two replicas over etcd with one
// process on bbolt.
package replicas
