package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/partnerbot/partnerbot/bot/internal/names"
)

// A message or mention event carries only the sender's user id, a slash command and a click the
// legacy user name: the bot asks users.info (scope users:read) for the name people see in Slack,
// profile.display_name, else the full name (profile.real_name, then real_name), through a
// bot/internal/names cache: once per person per day, waiting at most a couple of seconds. Without
// an answer the command runs with what the event carried; the router then names the person by
// the name remembered in their prefs, or by "slack:<id>".

// lookupName is the cache's users.info call. Its errors are sorted for the cache: a missing scope
// or a refused token stops lookups for a day, a rate limit for its Retry-After, a user Slack will
// not show means no name; anything else is tried again later. No error carries the token.
func (a *Adapter) lookupName(ctx context.Context, id string) (string, error) {
	u, err := a.api.GetUserInfoContext(ctx, id)
	if err != nil {
		return "", nameError(err)
	}
	if u == nil {
		return "", nil
	}
	for _, n := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName} {
		if n = strings.TrimSpace(n); n != "" {
			return n, nil
		}
	}
	return "", nil
}

func nameError(err error) error {
	err = fmt.Errorf("users.info: %w", err)
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		after := rl.RetryAfter
		if after <= 0 {
			after = defaultRetryAfter
		}
		return &names.Halt{Reason: "Slack rate-limits users.info", For: after, Err: err}
	}
	var se slackapi.SlackErrorResponse
	if !errors.As(err, &se) {
		return err
	}
	switch se.Err {
	case "ratelimited":
		return &names.Halt{Reason: "Slack rate-limits users.info", For: defaultRetryAfter, Err: err}
	case "missing_scope":
		return &names.Halt{Reason: "the Slack app lacks the users:read scope (add it and reinstall the app)", Err: err}
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission",
		"not_allowed_token_type", "access_denied":
		return &names.Halt{Reason: "Slack refuses the bot token for users.info", Err: err}
	case "user_not_found", "user_not_visible":
		return fmt.Errorf("%w: %w", names.ErrNoName, err)
	}
	return err
}

// withName fills in the display name of the person who sent in, looked up when not known.
func (a *Adapter) withName(ctx context.Context, in inbound) inbound {
	in.req.UserName = a.names.Name(ctx, in.req.UserID, in.req.UserName)
	return in
}
