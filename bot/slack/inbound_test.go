package slack

import (
	"encoding/json"
	"testing"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/partnerbot/partnerbot/chat"
)

var me = self{userID: "U0BOT", botID: "B0BOT", command: "/pb"}

// rawEvent parses an Events API callback as Slack sends it, the way the adapter does.
func rawEvent(t *testing.T, event string) any {
	t.Helper()
	outer := `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1,"event":` + event + `}`
	ev, err := slackevents.ParseEvent(json.RawMessage(outer), slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatalf("ParseEvent: %v", err)
	}
	return ev.InnerEvent.Data
}

func rawClick(t *testing.T, payload string) slackapi.InteractionCallback {
	t.Helper()
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		t.Fatal(err)
	}
	return cb
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		ev   func(t *testing.T) any
		ok   bool
		want inbound // kind, channel, threadTS, im, req, decision, messageTS, label are compared
	}{
		{name: "direct message",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"D024BE91L","user":"U2147483697","text":"customer 张三","ts":"1355517523.000005","channel_type":"im"}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "D024BE91L", im: true,
				req: chat.Request{Platform: "slack", UserID: "U2147483697", Channel: "D024BE91L", Text: "customer 张三"}}},
		{name: "direct message typed with a slash and escaped characters",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"D1","user":"U1","text":"/customer Tom &amp; Jerry &lt;Ltd&gt;","ts":"1.2","channel_type":"im"}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "D1", im: true,
				req: chat.Request{Platform: "slack", UserID: "U1", Channel: "D1", Text: "/customer Tom & Jerry <Ltd>"}}},
		{name: "mention in a thread, links and other mentions turned back into text",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"app_mention","channel":"C1","user":"U1","text":"<@U0BOT> subscribe all label:<http://vip.cn|vip.cn> <#C2|ops> <@U3|li.si> <mailto:a@b.cn|a@b.cn> <!here>","ts":"2.1","thread_ts":"2.0"}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "C1", threadTS: "2.0",
				req: chat.Request{Platform: "slack", UserID: "U1", Channel: "C1", Text: "subscribe all label:vip.cn #ops @li.si a@b.cn @here"}}},
		{name: "a channel message that mentions the bot in the middle",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"C1","user":"U1","text":"hey <@U0BOT|partnerbot>   arrears","ts":"3.1","channel_type":"channel"}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "C1",
				req: chat.Request{Platform: "slack", UserID: "U1", Channel: "C1", Text: "hey     arrears"}}},
		{name: "a bare mention asks for help",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"app_mention","channel":"C1","user":"U1","text":" <@U0BOT> ","ts":"4.1"}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "C1", req: chat.Request{Platform: "slack", UserID: "U1", Channel: "C1", Text: "/help"}}},
		{name: "full-width slash kept",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"D1","user":"U1","text":"／客户 张三","ts":"5.1","channel_type":"im"}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "D1", im: true, req: chat.Request{Platform: "slack", UserID: "U1", Channel: "D1", Text: "／客户 张三"}}},
		{name: "channel message without a mention",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"C1","user":"U1","text":"customer 张三","ts":"6.1","channel_type":"channel"}`)
			}},
		{name: "the bot's own message",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"D1","user":"U0BOT","text":"hi","ts":"7.1","channel_type":"im"}`)
			}},
		{name: "another bot's message",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","subtype":"bot_message","channel":"D1","bot_id":"B9","username":"ci","text":"customer x","ts":"8.1","channel_type":"im"}`)
			}},
		{name: "a bot with a user id",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","channel":"D1","user":"U9","bot_id":"B9","text":"customer x","ts":"8.2","channel_type":"im"}`)
			}},
		{name: "an edit",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","subtype":"message_changed","channel":"D1","hidden":true,"ts":"9.2","channel_type":"im","message":{"type":"message","user":"U1","text":"customer x","ts":"9.1","edited":{"user":"U1","ts":"9.2"}},"previous_message":{"type":"message","user":"U1","text":"customer","ts":"9.1"}}`)
			}},
		{name: "a deletion",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","subtype":"message_deleted","channel":"D1","hidden":true,"ts":"10.2","deleted_ts":"10.1","channel_type":"im"}`)
			}},
		{name: "someone joining",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","subtype":"channel_join","channel":"C1","user":"U1","text":"<@U1> has joined the channel","ts":"11.1","channel_type":"channel"}`)
			}},
		{name: "a file shared without a word",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","subtype":"file_share","channel":"D1","user":"U1","text":"","ts":"13.1","channel_type":"im","files":[{"id":"F1"}]}`)
			}},
		{name: "a file shared with a command",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"message","subtype":"file_share","channel":"D1","user":"U1","text":"reclaim q1 q2","ts":"13.2","channel_type":"im","files":[{"id":"F1"}]}`)
			},
			ok: true, want: inbound{kind: kindMessage, channel: "D1", im: true, req: chat.Request{Platform: "slack", UserID: "U1", Channel: "D1", Text: "reclaim q1 q2"}}},
		{name: "an edited mention",
			ev: func(t *testing.T) any {
				return rawEvent(t, `{"type":"app_mention","channel":"C1","user":"U1","text":"<@U0BOT> arrears","ts":"12.1","edited":{"user":"U1","ts":"12.2"}}`)
			}},
		{name: "umbrella slash command",
			ev: func(t *testing.T) any {
				return slackapi.SlashCommand{Command: "/pb", Text: "customer 张三", ChannelID: "C1", UserID: "U1", UserName: "li", ResponseURL: "https://hooks.slack.com/commands/1"}
			},
			ok: true, want: inbound{kind: kindSlash, channel: "C1", req: chat.Request{Platform: "slack", UserID: "U1", UserName: "li", Channel: "C1", Text: "/customer 张三"}}},
		{name: "umbrella slash command with nothing asks for help",
			ev: func(t *testing.T) any {
				return slackapi.SlashCommand{Command: "/pb", Text: "  ", ChannelID: "D1", UserID: "U1"}
			},
			ok: true, want: inbound{kind: kindSlash, channel: "D1", im: true, req: chat.Request{Platform: "slack", UserID: "U1", Channel: "D1", Text: "/help"}}},
		{name: "a command's own slash command",
			ev: func(t *testing.T) any {
				return slackapi.SlashCommand{Command: "/renew", Text: "r-1 &amp; 3m", ChannelID: "C1", UserID: "U1"}
			},
			ok: true, want: inbound{kind: kindSlash, channel: "C1", req: chat.Request{Platform: "slack", UserID: "U1", Channel: "C1", Text: "/renew r-1 & 3m"}}},
		{name: "decision click",
			ev: func(t *testing.T) any {
				return rawClick(t, `{"type":"block_actions","user":{"id":"U2","username":"bob","name":"bob"},"container":{"type":"message","message_ts":"20.1","channel_id":"C9","is_ephemeral":false},"channel":{"id":"C9"},"message":{"type":"message","ts":"20.1","text":"x"},"response_url":"https://hooks.slack.com/actions/1","actions":[{"action_id":"pb:decide:0","block_id":"pb-actions-0","text":{"type":"plain_text","text":"Approve &amp; run"},"value":"/approve 12","style":"primary","type":"button","action_ts":"20.2"}]}`)
			},
			ok: true, want: inbound{kind: kindClick, channel: "C9", messageTS: "20.1", decision: true, label: "Approve & run",
				req: chat.Request{Platform: "slack", UserID: "U2", UserName: "bob", Channel: "C9", Text: "/approve 12"}}},
		{name: "other click in a thread",
			ev: func(t *testing.T) any {
				return rawClick(t, `{"type":"block_actions","user":{"id":"U2","username":"bob"},"container":{"type":"message","message_ts":"21.1","thread_ts":"21.0","channel_id":"C9"},"channel":{"id":"C9"},"message":{"type":"message","ts":"21.1","thread_ts":"21.0"},"actions":[{"action_id":"pb:cmd:1","block_id":"b","text":{"type":"plain_text","text":"Next"},"value":"/expiring 7 --page 2","type":"button"}]}`)
			},
			ok: true, want: inbound{kind: kindClick, channel: "C9", threadTS: "21.0", messageTS: "21.1", label: "Next",
				req: chat.Request{Platform: "slack", UserID: "U2", UserName: "bob", Channel: "C9", Text: "/expiring 7 --page 2"}}},
		{name: "a click on a button that is not the bot's",
			ev: func(t *testing.T) any {
				return rawClick(t, `{"type":"block_actions","user":{"id":"U2"},"container":{"channel_id":"C9"},"actions":[{"action_id":"other-app","value":"/approve 1","type":"button"}]}`)
			}},
		{name: "a modal submission",
			ev: func(t *testing.T) any {
				return rawClick(t, `{"type":"view_submission","user":{"id":"U2"},"view":{"id":"V1"}}`)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := normalize(tt.ev(t), me)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if !ok {
				return
			}
			got.responseURL, got.dedupe = "", ""
			if got != tt.want {
				t.Errorf("normalize =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestNormalizeDedupeKey(t *testing.T) {
	a, _ := normalize(rawEvent(t, `{"type":"app_mention","channel":"C1","user":"U1","text":"<@U0BOT> x","ts":"1.5"}`), me)
	b, _ := normalize(rawEvent(t, `{"type":"message","channel":"C1","user":"U1","text":"<@U0BOT> x","ts":"1.5","channel_type":"channel"}`), me)
	if a.dedupe == "" || a.dedupe != b.dedupe {
		t.Errorf("a mention seen as app_mention and as message: keys %q and %q, want one", a.dedupe, b.dedupe)
	}
}
