package store_test

import (
	"context"
	"io"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/store"
)

// Every consumer's own interface of the store is a subset of store.Backend, so that a backend
// that implements the contract serves all of them. (bot/internal/names.Known, Names only, is
// internal to bot and cannot be named here; Backend has Names.)
var (
	_ commands.Store          = store.Backend(nil)
	_ alerts.Store            = store.Backend(nil)
	_ alerts.IndexStore       = store.Backend(nil)
	_ alerts.QuietHoursReader = store.Backend(nil)
	_ bot.Outbox              = store.Backend(nil)
	_ bot.LangSource          = store.Backend(nil)
	_ bot.Deliveries          = store.Backend(nil)
	_ telegram.Buttons        = store.Backend(nil)
	_ admin.Store             = store.Backend(nil)
	_ metrics.State           = store.Backend(nil)
)

// controlHandler is how the service hands a backend's backups to the control socket.
var _ = func(b store.Backend) control.Handler {
	return control.Handler{Backup: func(ctx context.Context, sink func(size int64) (io.Writer, error)) (int64, error) {
		return b.Backup(ctx, sink)
	}}
}
