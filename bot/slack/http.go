package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxRequestBody bounds what Slack may post to an endpoint (its payloads are a few KiB).
const maxRequestBody = 1 << 20

// replayWindow is how far a request's timestamp may be from now (Slack's guidance: 5 minutes).
const replayWindow = 5 * time.Minute

// runHTTP serves the Events API, slash-command and interactivity endpoints until ctx ends.
func (a *Adapter) runHTTP(ctx context.Context, p *pool, me self) error {
	ln := a.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.opts.Listen); err != nil {
			return fmt.Errorf("slack: http mode: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           a.handler(p, me),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.connected.Store(true)
	a.log.Info("slack: listening (http mode)", "addr", ln.Addr().String())
	select {
	case <-ctx.Done():
		a.connected.Store(false)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		<-errc
		return nil
	case err := <-errc:
		return fmt.Errorf("slack: http mode: %w", err)
	}
}

// handler routes the three endpoints; every request must carry a valid signature.
func (a *Adapter) handler(p *pool, me self) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+PathEvents, a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		a.serveEvents(w, r, body, p, me)
	}))
	mux.Handle("POST "+PathCommands, a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		a.accept(slashCommand(form), p, me)
		w.WriteHeader(http.StatusOK) // an empty 200: the answer follows through response_url
	}))
	mux.Handle("POST "+PathInteractive, a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		var cb slackapi.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		a.accept(cb, p, me)
		w.WriteHeader(http.StatusOK)
	}))
	return mux
}

// serveEvents answers the url_verification challenge and acknowledges event callbacks, each
// handled once: Slack's retries (X-Slack-Retry-Num) of an event already seen are acknowledged
// and dropped.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, body []byte, p *pool, me self) {
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		EventID   string `json:"event_id"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	switch outer.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"challenge": outer.Challenge})
		return
	case slackevents.CallbackEvent:
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	if outer.EventID != "" && !a.seen.add("ev:"+outer.EventID) {
		a.log.Debug("slack: event delivered again; already handled", "event_id", outer.EventID,
			"retry", r.Header.Get("X-Slack-Retry-Num"), "reason", r.Header.Get("X-Slack-Retry-Reason"))
		w.WriteHeader(http.StatusOK)
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err == nil {
		a.accept(ev.InnerEvent.Data, p, me)
	} else {
		a.log.Debug("slack: an event the bot does not read", "error", err)
	}
	w.WriteHeader(http.StatusOK)
}

// slashCommand reads a slash command's form.
func slashCommand(f url.Values) slackapi.SlashCommand {
	return slackapi.SlashCommand{TeamID: f.Get("team_id"), TeamDomain: f.Get("team_domain"), ChannelID: f.Get("channel_id"),
		ChannelName: f.Get("channel_name"), UserID: f.Get("user_id"), UserName: f.Get("user_name"),
		Command: f.Get("command"), Text: f.Get("text"), ResponseURL: f.Get("response_url"),
		TriggerID: f.Get("trigger_id"), APIAppID: f.Get("api_app_id")}
}

// verified reads the body and checks its signature before next sees it: a request that is not
// from Slack, or too old, gets 401 and is not acted on.
func (a *Adapter) verified(next func(http.ResponseWriter, *http.Request, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := verify(a.opts.SigningSecret, r.Header, body, a.opts.Now()); err != nil {
			a.log.Warn("slack: refused a request", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

// Why a request's signature is refused.
var (
	errNoSignature    = errors.New("no X-Slack-Signature or X-Slack-Request-Timestamp header")
	errBadTimestamp   = errors.New("X-Slack-Request-Timestamp is not a Unix time")
	errStale          = errors.New("timestamp outside the 5-minute replay window")
	errWrongSignature = errors.New("signature does not match")
)

// verify checks Slack's request signature: X-Slack-Signature must be "v0=" and the hex
// HMAC-SHA256, keyed with the signing secret, of "v0:" + X-Slack-Request-Timestamp + ":" + the
// raw body; and the timestamp must be within 5 minutes of now.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return errNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > replayWindow || d < -replayWindow {
		return errStale
	}
	if !hmac.Equal([]byte(sig), []byte(sign(secret, ts, body))) {
		return errWrongSignature
	}
	return nil
}

// sign is Slack's v0 request signature of body sent at timestamp ts.
func sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
