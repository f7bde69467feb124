package wecom

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
)

// maxBody bounds a callback's body: a WeCom message is a few KiB.
const maxBody = 256 << 10

// callbackHandler answers WeCom's callback requests: the URL check (GET) and messages (POST).
// A request with a bad signature or for another corp id gets 403 and does nothing. A message is
// acknowledged at once with an empty 200 — WeCom retries what it does not get answered within
// 5 seconds — and its command runs in the worker pool; retries of a message already seen are
// acknowledged and dropped. When the pool has no room for the member, or the gate refuses the
// command (over the rate, no role), the acknowledgement itself carries a passive reply saying
// so: nothing is dropped silently, though a flood is answered once in a while, not per message.
func (a *Adapter) callbackHandler(submit func(inbound) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
		switch r.Method {
		case http.MethodGet:
			a.verifyURL(w, r, sig, ts, nonce, q.Get("echostr"))
		case http.MethodPost:
			a.receive(w, r, submit, sig, ts, nonce)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

// refuse logs a refused callback (never its content) and answers status.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, status int, why string, err error) {
	a.log.Warn("wecom callback refused", "reason", why, "error", err, "remote", r.RemoteAddr, "status", status)
	http.Error(w, http.StatusText(status), status)
}

// verifyURL answers the check WeCom makes when the callback URL is saved: the decrypted
// echostr, as is.
func (a *Adapter) verifyURL(w http.ResponseWriter, r *http.Request, sig, ts, nonce, echo string) {
	// echostr is base64: a '+' that reached us unencoded was decoded as a space.
	echo = strings.ReplaceAll(echo, " ", "+")
	if sig == "" || echo == "" {
		a.refuse(w, r, http.StatusBadRequest, "URL check without msg_signature or echostr", nil)
		return
	}
	if err := a.crypt.Verify(sig, ts, nonce, echo); err != nil {
		a.refuse(w, r, http.StatusForbidden, "URL check with a bad signature", err)
		return
	}
	msg, err := a.crypt.Decrypt(echo)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrReceiveID) {
			status = http.StatusForbidden
		}
		a.refuse(w, r, status, "URL check echostr", err)
		return
	}
	a.log.Info("wecom callback URL verified")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(msg)
}

func (a *Adapter) receive(w http.ResponseWriter, r *http.Request, submit func(inbound) bool, sig, ts, nonce string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		a.refuse(w, r, http.StatusRequestEntityTooLarge, "body over 256 KiB or unreadable", err)
		return
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		a.refuse(w, r, http.StatusBadRequest, "body is not a WeCom callback envelope", err)
		return
	}
	if err := a.crypt.Verify(sig, ts, nonce, env.Encrypt); err != nil {
		a.refuse(w, r, http.StatusForbidden, "bad msg_signature", err)
		return
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "timestamp is not a number", err)
		return
	}
	if skew := a.opts.Now().Sub(time.Unix(sec, 0)); skew > a.opts.MaxSkew || skew < -a.opts.MaxSkew {
		// A signed request from long ago is a replay (or this host's clock is wrong).
		a.refuse(w, r, http.StatusForbidden, "timestamp too far from this host's clock", fmt.Errorf("off by %s", skew.Round(time.Second)))
		return
	}
	plain, err := a.crypt.Decrypt(env.Encrypt)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrReceiveID) {
			status = http.StatusForbidden
		}
		a.refuse(w, r, status, "cannot open the message", err)
		return
	}
	var m message
	if err := xml.Unmarshal(plain, &m); err != nil {
		a.refuse(w, r, http.StatusBadRequest, "decrypted message is not XML", err)
		return
	}
	in := normalize(m)
	if in.kind == kindIgnore {
		w.WriteHeader(http.StatusOK)
		return
	}
	if !a.seen.first(m.dedupeKey(), a.opts.Now()) || !a.firstDelivery(r.Context(), m) {
		a.log.Debug("wecom callback repeated; dropped", "user", m.FromUserName, "type", m.MsgType)
		w.WriteHeader(http.StatusOK)
		return
	}
	// Refusals that need no worker (over the rate, no role, busy) are answered in the
	// acknowledgement itself: no API call, no pace to wait for.
	switch d := a.opts.Gate.Check(r.Context(), in.req); d.Verdict {
	case bot.Drop:
		w.WriteHeader(http.StatusOK)
		return
	case bot.Answer:
		a.passiveReply(w, r, m, d.Reply.Text)
		return
	}
	if !submit(in) {
		rep, ok := a.opts.Gate.Busy(r.Context(), in.req)
		if !ok {
			w.WriteHeader(http.StatusOK)
			return
		}
		a.passiveReply(w, r, m, rep.Text)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// passiveReply answers a callback with an encrypted text message to its sender (被动回复).
func (a *Adapter) passiveReply(w http.ResponseWriter, r *http.Request, m message, content string) {
	now := a.opts.Now().Unix()
	inner, err := xml.Marshal(struct {
		XMLName      xml.Name `xml:"xml"`
		ToUserName   cdata    `xml:"ToUserName"`
		FromUserName cdata    `xml:"FromUserName"`
		CreateTime   int64    `xml:"CreateTime"`
		MsgType      cdata    `xml:"MsgType"`
		Content      cdata    `xml:"Content"`
	}{ToUserName: cdata{m.FromUserName}, FromUserName: cdata{a.opts.CorpID}, CreateTime: now,
		MsgType: cdata{"text"}, Content: cdata{content}})
	if err != nil {
		a.refuse(w, r, http.StatusInternalServerError, "building the passive reply", err)
		return
	}
	enc, err := a.crypt.Encrypt(inner, a.opts.Random)
	if err != nil {
		a.refuse(w, r, http.StatusInternalServerError, "encrypting the passive reply", err)
		return
	}
	n, err := randInt(a.opts.Random, 1_000_000_000)
	if err != nil {
		a.refuse(w, r, http.StatusInternalServerError, "nonce for the passive reply", err)
		return
	}
	ts, nonce := strconv.FormatInt(now, 10), strconv.FormatInt(n, 10)
	out, err := xml.Marshal(struct {
		XMLName      xml.Name `xml:"xml"`
		Encrypt      cdata    `xml:"Encrypt"`
		MsgSignature cdata    `xml:"MsgSignature"`
		TimeStamp    string   `xml:"TimeStamp"`
		Nonce        cdata    `xml:"Nonce"`
	}{Encrypt: cdata{enc}, MsgSignature: cdata{a.crypt.Sign(ts, nonce, enc)}, TimeStamp: ts, Nonce: cdata{nonce}})
	if err != nil {
		a.refuse(w, r, http.StatusInternalServerError, "building the passive reply", err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(out)
}

type cdata struct {
	Text string `xml:",cdata"`
}

func randInt(r io.Reader, max int64) (int64, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b[:]), big.NewInt(max)).Int64(), nil
}

// dedupe remembers recent callback keys (WeCom retries a callback three times when it gets no
// answer in 5 seconds), bounded in count and age.
type dedupe struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	seen  map[string]time.Time
	order []string // keys, oldest first
}

func newDedupe(max int, ttl time.Duration) *dedupe {
	return &dedupe{max: max, ttl: ttl, seen: map[string]time.Time{}}
}

// first records key and reports whether it was not seen within the window.
func (d *dedupe) first(key string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.order) > 0 && now.Sub(d.seen[d.order[0]]) > d.ttl {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	if _, ok := d.seen[key]; ok {
		return false
	}
	for len(d.order) >= d.max {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	d.seen[key] = now
	d.order = append(d.order, key)
	if cap(d.order) > 4*d.max { // let the slice's dropped head be collected
		d.order = append([]string(nil), d.order...)
	}
	return true
}

// firstDelivery reports whether m was not taken before a restart either (Options.Deliveries):
// WeCom retries a callback it got no answer to, and a restart may fall between two tries. It is
// recorded before it runs: a crash between the two loses the command rather than running it twice.
func (a *Adapter) firstDelivery(ctx context.Context, m message) bool {
	id := a.opts.CorpID + ":" + strconv.FormatInt(a.opts.AgentID, 10) + ":" + m.dedupeKey()
	return bot.FirstDeliveries(ctx, a.opts.Deliveries, a.log, Platform, []string{id}, 2*a.opts.MaxSkew)[0]
}

// run handles one command on a worker: the router's answer goes back to the member, and a click
// on a button that decides also updates its card; any other click leaves the card as it is. A panic is logged and answered politely. base is cancelled when the
// adapter stops and its grace ran out.
func (a *Adapter) run(base context.Context, h bot.Handler, in inbound) {
	user := in.req.UserID
	d := destination{kind: "user", id: user}
	defer func() {
		if v := recover(); v != nil {
			a.log.Error("wecom command panicked", "user", user, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			a.replyText(base, d, a.opts.Gate.Lang(base, in.req.User()).Failed())
		}
	}()
	if base.Err() != nil { // stopping: tell the sender rather than run it half
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.replyText(ctx, d, a.opts.Gate.Lang(ctx, in.req.User()).SendAgain())
		return
	}
	lang := a.opts.Gate.Lang(base, in.req.User()) // what the adapter says itself is in the member's language
	switch in.kind {
	case kindUnsupported:
		a.replyText(base, d, lang.TextOnly())
		return
	case kindBadButton:
		a.replyText(base, d, lang.ButtonGone())
		return
	}
	ctx, cancel := context.WithTimeout(base, a.opts.Timeout)
	defer cancel()
	in = a.withName(ctx, in)
	started := time.Now()
	rep, ok := h(ctx, in.req)
	a.log.Debug("wecom command", "user", user, "handled", ok, "error", rep.Error, "took", time.Since(started))
	if !ok {
		if in.kind == kindClick {
			rep = chat.Reply{Text: lang.ButtonGone()}
		} else {
			rep = chat.Reply{Text: lang.Hint()}
		}
	}
	a.reply(base, d, rep)
	if in.kind == kindClick && in.decides && in.responseCode != "" {
		a.updateCard(base, in, rep)
	}
}

func (a *Adapter) replyText(ctx context.Context, d destination, s string) {
	a.reply(ctx, d, chat.Reply{Text: s})
}

// reply sends an answer to the member who asked, waiting for their pace as long as needed and
// trying a transient failure up to three times.
func (a *Adapter) reply(base context.Context, d destination, r chat.Reply) {
	limit := 2 * time.Minute
	if base.Err() != nil { // stopping after the grace period: still say what was done, briefly
		base, limit = context.Background(), 5*time.Second
	}
	ctx, cancel := context.WithTimeout(base, limit)
	defer cancel()
	var err error
	for attempt, delay := 0, time.Second; attempt < 3; attempt, delay = attempt+1, delay*2 {
		if err = a.deliver(ctx, d, r, 0); err == nil {
			return
		}
		if errors.Is(err, bot.ErrPermanent) {
			break
		}
		if after, ok := bot.RetryAfterOf(err); ok {
			delay = after
		}
		if a.opts.Sleep(ctx, delay) != nil {
			break
		}
	}
	if len(r.Images) > 0 && ctx.Err() == nil {
		// WeCom would not take the picture: the answer goes as text, saying so.
		a.log.Warn("wecom: the reply's images not delivered; answering in text", "user", d.id, "error", err)
		if err = a.deliver(ctx, d, bot.WithoutImages(r), 0); err == nil {
			return
		}
	}
	a.log.Error("wecom reply not delivered", "user", d.id, "error", err)
}

// updateCard replaces the clicked button of the clicker's card with who clicked what (by name
// when user/get gave one) and whether it worked, so the card cannot be clicked again by mistake.
func (a *Adapter) updateCard(base context.Context, in inbound, rep chat.Reply) {
	mark := "✓ "
	if rep.Error {
		mark = "✗ "
	}
	who := in.req.UserName
	if who == "" {
		who = in.req.UserID
	}
	label := in.req.Text
	if fields := strings.Fields(label); len(fields) > 0 {
		label = fields[0]
	}
	body := map[string]any{
		"userids":       []string{in.req.UserID},
		"agentid":       a.opts.AgentID,
		"response_code": in.responseCode,
		"button":        map[string]string{"replace_name": shorten(mark+label+" · "+who, 20)},
	}
	ctx, cancel := context.WithTimeout(base, 30*time.Second)
	defer cancel()
	if _, err := a.api.call(ctx, pathUpdateCard, body); err != nil {
		a.log.Warn("wecom card not updated", "user", in.req.UserID, "task", in.taskID, "error", err)
	}
}
