package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// runNotices lists the notices the dispatcher set aside because their platform said they can
// never be delivered as addressed (channel gone, bot removed or blocked).
func runNotices(ctx context.Context, c *Call) (chat.Reply, error) {
	ns, err := c.r.store.ParkedNotices(ctx)
	if err != nil {
		return chat.Reply{}, err
	}
	if len(ns) == 0 {
		return chat.Reply{Text: c.Lang.T("notices.none")}, nil
	}
	t := &chat.Table{Columns: []string{c.Lang.T("notices.col.id"), c.Lang.T("notices.col.to"), c.Lang.T("notices.col.since"), c.Lang.T("notices.col.why")}}
	for _, n := range ns {
		to := n.Platform + ":" + n.Channel
		if n.Channel == "" {
			to = n.Platform + ":@" + n.UserID
		}
		why := n.LastError
		if r := []rune(why); len(r) > 80 {
			why = string(r[:80]) + "…"
		}
		t.Rows = append(t.Rows, []string{strconv.FormatUint(n.ID, 10), to, c.stamp(n.ParkedAt), why})
	}
	return chat.Reply{Title: c.Lang.T("notices.title", len(ns)), Table: t, Footer: c.Lang.T("notices.hint")}, nil
}

// runResend puts a parked notice back in line.
func runResend(ctx context.Context, c *Call) (chat.Reply, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(c.Arg(0)), "#"), 10, 64)
	if err != nil || id == 0 {
		return chat.Reply{}, c.fail("notices.bad_id", c.Arg(0))
	}
	if err := c.r.store.RequeueNotice(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return chat.Reply{}, c.fail("notices.not_found", id)
		}
		return chat.Reply{}, err
	}
	return chat.Reply{Text: c.Lang.T("notices.resent", id)}, nil
}
