// Package logging is what partnerbot adds to log/slog: the id of the command (or scan) a log
// record belongs to, carried in the context from the router down to every BSS call it makes,
// and a handler that never writes a secret it was given.
package logging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/partnerbot/partnerbot/internal/redact"
)

// Key is the attribute under which records carry the request id.
const Key = "rid"

type ridKey struct{}

// NewRequestID returns a new random request id: 16 hex digits.
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// WithRequestID returns ctx carrying id; records logged with it carry rid=id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ridKey{}, id)
}

// RequestID is the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ridKey{}).(string)
	return id
}

// EnsureRequestID returns ctx with a request id, a new one when it carried none, and the id.
func EnsureRequestID(ctx context.Context) (context.Context, string) {
	if id := RequestID(ctx); id != "" {
		return ctx, id
	}
	id := NewRequestID()
	return WithRequestID(ctx, id), id
}

// Redacted stands in for a secret in log records (redact.Mark: the audit log hides secrets alike).
const Redacted = redact.Mark

// Handler wraps next: every record logged with a context that carries a request id gets it as
// rid, and every occurrence of one of secrets in the message or in an attribute (a string, an
// error's text, anything printed) is replaced by [REDACTED]. The components keep secrets out of
// their logs themselves; this is the net under them, for the secrets known at start.
func Handler(next slog.Handler, secrets []string) slog.Handler {
	return &handler{next: next, red: redact.New(secrets...)}
}

type handler struct {
	next slog.Handler
	red  *redact.Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.clean(r.Message), r.PC)
	if id := RequestID(ctx); id != "" {
		out.AddAttrs(slog.String(Key, id))
	}
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean), red: h.red}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), red: h.red}
}

func (h *handler) clean(s string) string { return h.red.String(s) }

func (h *handler) holds(s string) bool { return h.red.Holds(s) }

// attr is a with every secret hidden; values without one are passed on unchanged (an error
// stays an error, a number a number).
func (h *handler) attr(a slog.Attr) slog.Attr {
	if h.red.Empty() {
		return a
	}
	a.Key = h.clean(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(h.clean(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]slog.Attr, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		default:
			text = fmt.Sprintf("%+v", x)
		}
		if h.holds(text) {
			a.Value = slog.StringValue(h.clean(text))
		} else {
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}

// SecretsFromEnv lists the values of the environment variables partnerbot takes secrets from:
// the partner's AK/SK (HUAWEICLOUD_SDK_*) and the chat platforms' tokens and keys (SLACK_*,
// TELEGRAM_*, WECOM_*), and the etcd user's password (PARTNERBOT_ETCD_PASSWORD). A value that is a URL (a WeCom robot's whole webhook) also lists its
// key parameter. environ is os.Environ().
func SecretsFromEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || value == "" {
			continue
		}
		switch {
		case strings.HasPrefix(name, "HUAWEICLOUD_SDK_"), strings.HasPrefix(name, "SLACK_"),
			strings.HasPrefix(name, "TELEGRAM_"), strings.HasPrefix(name, "WECOM_"), name == "PARTNERBOT_ETCD_PASSWORD":
		default:
			continue
		}
		value = strings.TrimSpace(value)
		out = append(out, value)
		if u, err := url.Parse(value); err == nil && u.Scheme != "" {
			for _, vs := range u.Query() {
				out = append(out, vs...)
			}
		}
	}
	return out
}
