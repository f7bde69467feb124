package wecom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/internal/names"
)

// A callback carries only the member's userid (FromUserName): the app reads the member's name
// with user/get (读取成员, GET /cgi-bin/user/get?access_token=…&userid=…), through a
// bot/internal/names cache: once per member per day, waiting at most a couple of seconds.
//
// Since 20 June 2022 WeCom no longer returns avatar, gender, mobile, email, business email,
// QR code and address to self-built apps created after that date; the name is still returned to
// self-built apps, for members inside the app's visible range (可见范围). Outside it WeCom
// answers 60011 (no privilege), and a third-party app gets the userid in place of the name:
// both leave the member shown by userid.

// lookupName is the cache's user/get call, its errors sorted for the cache: 60011/60111 mean
// no name for this member, a frequency limit stops lookups for its period, an IP the app does
// not trust (60020) or an API the app may not call (48002) for a day. No error carries the token.
func (a *Adapter) lookupName(ctx context.Context, userID string) (string, error) {
	res, err := a.api.get(ctx, pathUserGet, url.Values{"userid": {userID}})
	if err != nil {
		return "", nameError(err)
	}
	name := strings.TrimSpace(res.Name)
	if strings.EqualFold(name, userID) || strings.EqualFold(name, res.UserID) {
		return "", nil // a third-party app is given the userid in place of the name
	}
	return name, nil
}

func nameError(err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case 60011, 60111:
			return fmt.Errorf("%w: %w", names.ErrNoName, err)
		case 60020, 48002:
			return &names.Halt{Reason: "the WeCom app may not read members (trusted IP or API permission)", Err: err}
		}
		if d, ok := throttleCodes[ae.Code]; ok {
			return &names.Halt{Reason: "WeCom limits the frequency of user/get", For: d, Err: err}
		}
		return err
	}
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusTooManyRequests {
		d := he.RetryAfter
		if d <= 0 {
			d = time.Minute
		}
		return &names.Halt{Reason: "WeCom limits the frequency of user/get", For: d, Err: err}
	}
	return err
}

// withName fills in the name of the member who sent in, looked up when not known; the userid
// stands in without one.
func (a *Adapter) withName(ctx context.Context, in inbound) inbound {
	if a.names != nil {
		in.req.UserName = a.names.Name(ctx, in.req.UserID, in.req.UserName)
	}
	return in
}
