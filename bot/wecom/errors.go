package wecom

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/partnerbot/partnerbot/bot"
)

// APIError is a WeCom answer with a non-zero errcode.
type APIError struct {
	Path string
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.Path, e.Code, e.Msg)
}

// HTTPError is an answer that is not HTTP 200 (WeCom answers 200 even to refused calls, so this
// is a gateway or proxy in between).
type HTTPError struct {
	Path       string
	Status     int
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("wecom %s: HTTP %d %s", e.Path, e.Status, http.StatusText(e.Status))
}

// Frequency limits: 45009 API call frequency, 45011 API minute frequency, 45033 API concurrent
// calls. WeCom lifts a frequency block after the period it counts over ("分钟级别的限制，则在中
// 频率后的1分钟后自动解除"), so a minute; a concurrency block after the calls in flight end.
var throttleCodes = map[int]time.Duration{
	45009: time.Minute,
	45011: time.Minute,
	45033: 5 * time.Second,
}

// permanentCodes name a destination that will never accept the message as addressed, or a
// message WeCom will never take: retrying cannot help, so the notice is parked.
var permanentCodes = map[int]string{
	40003:  "invalid user id",
	40031:  "invalid user id list",
	40050:  "chat id does not exist",
	60011:  "no privilege to message this user (outside the app's visible range)",
	60111:  "user id not found",
	81013:  "every recipient is invalid or not allowed",
	86001:  "invalid chat id",
	86003:  "chat id does not exist",
	86008:  "the chat was not created by this app",
	92000:  "user is outside the app's visible range",
	93000:  "robot webhook key is invalid or the robot was removed from its group",
	93004:  "robot is disabled",
	93008:  "robot is not in the group",
	45002:  "message too long",
	40008:  "invalid message type",
	40004:  "invalid media type",
	40005:  "invalid file type (images must be JPG or PNG)",
	40009:  "invalid image size",
	40058:  "invalid parameter",
	301002: "the access token belongs to another app",
}

// classify turns a send failure into what the dispatcher acts on: bot.Permanent for a message
// that can never be delivered as addressed, bot.Throttled for a frequency limit, the error
// itself (transient) for the rest: network failures, -1 system busy, 5xx, a token that cannot
// be fetched (a bad secret or an untrusted IP is fixed in the configuration, after which the
// notice still goes out).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if d, ok := throttleCodes[ae.Code]; ok {
			return bot.Throttled(d, err)
		}
		if why, ok := permanentCodes[ae.Code]; ok {
			return bot.Permanent(fmt.Errorf("%s: %w", why, err))
		}
		return err
	}
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusTooManyRequests {
		d := he.RetryAfter
		if d <= 0 {
			d = time.Minute
		}
		return bot.Throttled(d, err)
	}
	return err
}
