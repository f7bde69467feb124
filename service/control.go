package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/store"
)

// pruneInterval is how often the running bot applies store.retention.
const pruneInterval = 24 * time.Hour

// Execute runs one chat command as partnerbot exec does, through router, and renders the reply
// as plain text, unwrapped and with tables in full: scripts and cron mails read it, not a
// phone. A command that ran out of time failed.
func Execute(ctx context.Context, router *commands.Router, req chat.Request) control.ExecResult {
	rep, ok := bot.NewHandler(router)(ctx, req)
	if !ok {
		return control.ExecResult{NotCommand: true}
	}
	return control.ExecResult{Reply: console.RenderWidth(rep, 0), Failed: rep.Error || errors.Is(ctx.Err(), context.DeadlineExceeded)}
}

// serveControl answers partnerbot exec and backup on the store's control socket until ctx ends,
// tracked by wg. A socket that cannot be made is logged and the bot runs on: exec and backup then
// wait for the store's lock, as when no bot runs.
func (b *Bot) serveControl(ctx context.Context, wg *sync.WaitGroup) {
	srv, err := control.Listen(control.SocketPath(b.Config.StorePath()), b.Store.Path(), b.Log.With("component", "control"))
	if err != nil {
		b.Log.Error("no control socket: partnerbot exec and backup cannot reach this bot and will wait for the store", "error", err)
		return
	}
	b.Log.Info("control socket listening", "path", srv.Path())
	h := control.Handler{
		Exec: func(ctx context.Context, r control.ExecRequest) control.ExecResult {
			return Execute(ctx, b.Router, chat.Request{Platform: r.Platform, UserID: r.User, Channel: "exec", Text: r.Text})
		},
		Backup: func(ctx context.Context, sink func(int64) (io.Writer, error)) (int64, error) {
			return b.Store.Backup(ctx, sink)
		},
	}
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ctx, h) }()
}

// pruneEvery applies store.retention at once and then every interval until ctx ends: old audit
// entries and delivered-notice records go, a thousand per transaction, so a command waits for
// one batch at most.
func (b *Bot) pruneEvery(ctx context.Context, every time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		prune(ctx, b.Store, b.Config.Store.Retention, b.Log)
		t.Reset(every)
	}
}

// prune applies r to st once and logs what it removed and how the file is used.
func prune(ctx context.Context, st store.Backend, r config.Retention, log *slog.Logger) {
	start := time.Now()
	res, err := st.Prune(ctx, store.Retention{Audit: r.Audit})
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("applying store.retention", "error", err, "audit_removed", res.Audit, "delivered_removed", res.Delivered,
				"inbound_removed", res.Inbound, "index_keys_removed", res.IndexKeys)
		}
		return
	}
	sp, err := st.Space(ctx)
	if err != nil {
		log.Warn("reading the store's size", "error", err)
		return
	}
	log.Info("store.retention applied", "audit_removed", res.Audit, "delivered_removed", res.Delivered, "inbound_removed", res.Inbound,
		"index_keys_removed", res.IndexKeys, "took", time.Since(start).Round(time.Millisecond), "file_bytes", sp.Size, "free_bytes", sp.Free)
}
