package slack

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/partnerbot/partnerbot/bot"
)

// defaultRetryAfter is how long to wait after a 429 that names no Retry-After, or an ok:false
// "ratelimited" answer.
const defaultRetryAfter = 30 * time.Second

// permanentErrors are Web API error codes after which a message can never be delivered as
// addressed, however often it is retried: the conversation is gone or closed to the bot, the
// person cannot be reached, the bot's token no longer works, or Slack refuses the message itself.
var permanentErrors = map[string]bool{
	// the conversation
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "channel_is_archived": true,
	"restricted_action": true, "restricted_action_read_only_channel": true,
	"restricted_action_thread_only_channel": true, "restricted_action_non_threadable_channel": true,
	"messages_tab_disabled": true, "cannot_dm_bot": true, "team_access_not_granted": true,
	"ekm_access_denied": true, "thread_locked": true,
	// the person
	"user_not_found": true, "user_not_visible": true, "user_disabled": true, "user_not_in_channel": true,
	"cannot_find_service": true,
	// the bot's token
	"account_inactive": true, "invalid_auth": true, "not_authed": true, "token_revoked": true,
	"token_expired": true, "no_permission": true, "missing_scope": true, "not_allowed_token_type": true,
	"org_login_required": true, "access_denied": true,
	// the message
	"invalid_blocks": true, "invalid_blocks_format": true, "msg_too_long": true, "no_text": true,
	"too_many_attachments": true, "invalid_arguments": true,
	// chat.update
	"message_not_found": true, "cant_update_message": true, "edit_window_closed": true,
}

// classify sorts a Web API failure for the dispatcher: bot.Throttled for a 429 (with Slack's
// Retry-After) or a "ratelimited" answer, bot.Permanent for the codes above, and the error
// itself (transient: retried with backoff) for anything else — 5xx, network failures,
// internal_error, fatal_error, service_unavailable, request_timeout.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		after := rl.RetryAfter
		if after <= 0 {
			after = defaultRetryAfter
		}
		return bot.Throttled(after, err)
	}
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code == http.StatusTooManyRequests {
			return bot.Throttled(defaultRetryAfter, err)
		}
		return fmt.Errorf("slack answered HTTP %d: %w", sc.Code, err)
	}
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		switch {
		case se.Err == "ratelimited" || se.Err == "rate_limited":
			return bot.Throttled(defaultRetryAfter, err)
		case permanentErrors[se.Err]:
			return bot.Permanent(fmt.Errorf("slack: %w", err))
		}
		return fmt.Errorf("slack: %w", err)
	}
	return err
}
