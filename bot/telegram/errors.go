package telegram

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot"
)

// classify turns a failed Bot API call into what the dispatcher should do with the notice:
//
//   - 429 Too Many Requests (parameters.retry_after): bot.Throttled, wait that long;
//   - 403 Forbidden ("bot was blocked by the user", "bot was kicked from the group chat", "bot
//     can't initiate conversation with a user", "user is deactivated"): bot.Permanent, the
//     chat will not take it;
//   - 400 Bad Request ("chat not found", "not enough rights to send text messages", a message
//     Telegram will never accept): bot.Permanent, sending the same request again cannot help;
//   - anything else (a network failure, 5xx, 401 while the token is being fixed): transient.
//
// A group that became a supergroup (400 with parameters.migrate_to_chat_id) never reaches here:
// the sender follows it to the new chat id.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return err
	}
	switch {
	case te.Code == http.StatusTooManyRequests || te.RetryAfter > 0:
		return bot.Throttled(retryAfter(te), err)
	case te.Code == http.StatusForbidden, te.Code == http.StatusBadRequest:
		return bot.Permanent(err)
	}
	return err
}

// retryAfter is how long a 429 asks to wait: parameters.retry_after seconds, at least one.
func retryAfter(te *tgbotapi.Error) time.Duration {
	return time.Duration(max(te.RetryAfter, 1)) * time.Second
}

// apiError returns the Bot API's answer inside err, if err is one.
func apiError(err error) (*tgbotapi.Error, bool) {
	var te *tgbotapi.Error
	ok := errors.As(err, &te)
	return te, ok
}

// isThrottle reports a 429 answer.
func isThrottle(te *tgbotapi.Error) bool {
	return te.Code == http.StatusTooManyRequests || te.RetryAfter > 0
}

// isBadHTML reports Telegram refusing our HTML ("Bad Request: can't parse entities: ...").
func isBadHTML(te *tgbotapi.Error) bool {
	return te.Code == http.StatusBadRequest && strings.Contains(te.Message, "can't parse entities")
}

// isNotModified reports an edit that would leave the message as it is.
func isNotModified(te *tgbotapi.Error) bool {
	return te.Code == http.StatusBadRequest && strings.Contains(te.Message, "message is not modified")
}

// isBadToken reports answers that mean the token is wrong (401 Unauthorized; 404 Not Found is
// what api.telegram.org answers for a malformed token): polling again cannot help.
func isBadToken(err error) bool {
	te, ok := apiError(err)
	return ok && (te.Code == http.StatusUnauthorized || te.Code == http.StatusNotFound)
}

// The bot token is part of every Bot API URL (https://api.telegram.org/bot<token>/<method>),
// and net/http puts the URL in its errors ("Post \"https://…/bot123:AA…/getUpdates\": dial
// tcp: …"). Every error from the HTTP client goes through redact before anyone can log it.

// tokenRE matches anything shaped like a bot token: the bot's numeric id, a colon, the secret.
var tokenRE = regexp.MustCompile(`[0-9]{3,}:[A-Za-z0-9_-]{20,}`)

// redactString hides token (and anything shaped like a token) in s.
func redactString(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "<token>")
	}
	return tokenRE.ReplaceAllString(s, "<token>")
}

// redact returns err with the token hidden. A *url.Error keeps its type and cause, so that
// errors.Is(err, context.Canceled) still works; only its URL (and a cause that spelled the
// token out) are rewritten.
func redact(err error, token string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		cause := ue.Err
		if cause != nil && redactString(cause.Error(), token) != cause.Error() {
			cause = errors.New(redactString(cause.Error(), token))
		}
		return &url.Error{Op: ue.Op, URL: redactString(ue.URL, token), Err: cause}
	}
	if s := err.Error(); redactString(s, token) != s {
		return errors.New(redactString(s, token))
	}
	return err
}
