package commands_test

import (
	"context"
	"testing"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// BenchmarkDispatch measures the router's own cost per message: parsing, lookup, role and
// shape checks and the reply, on a command that does no I/O, without and with the bbolt audit
// record that every real command writes.
func BenchmarkDispatch(b *testing.B) {
	ping := &commands.Command{Name: "ping", Role: chat.RoleViewer, MaxArgs: -1,
		Flags: []commands.Flag{{Name: "page"}},
		Run: func(ctx context.Context, c *commands.Call) (chat.Reply, error) {
			return chat.Reply{Text: "pong " + c.Arg(0)}, nil
		}}
	req := chat.Request{Platform: "slack", UserID: "U1", Channel: "C1", Text: "/ping@partnerbot “ACME Ltd” --page 2"}
	b.Run("router", func(b *testing.B) {
		r := commands.New(nil, nil, commands.Options{BotName: "partnerbot", DefaultRole: chat.RoleViewer})
		r.Register(ping)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if rep, ok := r.Handle(ctx, req); !ok || rep.Error {
				b.Fatal(rep)
			}
		}
	})
	b.Run("router+audit", func(b *testing.B) {
		e := newEnv(b, func(o *commands.Options) { o.DefaultRole = chat.RoleViewer })
		e.Router.Register(ping)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if rep, ok := e.Router.Handle(ctx, req); !ok || rep.Error {
				b.Fatal(rep)
			}
		}
	})
}

// BenchmarkCustomer measures "/customer 张三" end to end against the sandbox over loopback
// HTTP: three searches, a balance query and an expiring-resources count, and the audit record.
func BenchmarkCustomer(b *testing.B) {
	e := newEnv(b, nil)
	ctx := context.Background()
	req := chat.Request{Platform: "console", UserID: "admin", Text: "/customer 张三"}
	b.ReportAllocs()
	for b.Loop() {
		if rep, ok := e.Router.Handle(ctx, req); !ok || rep.Error {
			b.Fatal(rep)
		}
	}
	b.ReportMetric(float64(len(e.Srv.Calls()))/float64(b.N), "bss-calls/op")
}
