package slack

import (
	"regexp"
	"strings"

	"github.com/partnerbot/partnerbot/chat"
	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// kind is how a message reached the bot, which decides how it is answered.
type kind int

const (
	kindMessage kind = iota + 1 // a direct message or a mention: answered in the channel (or thread)
	kindSlash                   // a slash command: answered through its response_url
	kindClick                   // a button click: answered through its response_url, or the message updated
)

// inbound is one message for the bot, whatever way it came, normalised for the router and
// with what the answer needs.
type inbound struct {
	kind        kind
	req         chat.Request
	channel     string // where to answer
	threadTS    string // answer in this thread ("" = in the channel)
	im          bool   // a direct message conversation: no ephemeral replies needed
	responseURL string // slash commands and clicks
	dedupe      string // key of the message, for events Slack may deliver twice ("" = none)

	// Clicks only.
	messageTS string // the message the button was on
	decision  bool   // a decision button (Approve/Reject): a success replaces that message
	label     string // the button's label, to show who decided what
}

// self is who the bot is in its workspace (auth.test), to know its own messages and mentions.
type self struct {
	userID  string // the bot user, e.g. U0BOT
	botID   string // the bot, e.g. B0BOT
	command string // the umbrella slash command, e.g. "/pb"
}

// normalize turns what Slack delivered into a message for the router: a message or
// app_mention event (*slackevents.MessageEvent, *slackevents.AppMentionEvent), a slash command
// (slackapi.SlashCommand) or an interaction (slackapi.InteractionCallback). ok is false for
// what the bot must not answer: its own messages and other bots', edits and deletions and
// other message subtypes, channel messages that do not mention it, interactions that are not a
// click on one of its buttons.
//
// The text the router gets is what the person typed: a mention of the bot is removed, Slack's
// escaping (&amp; &lt; &gt;) and references (<@U1|name>, <#C1|name>, <https://x|x>) are turned
// back into what the person typed. A message (a DM, or a mention in a channel) without a
// leading "/" is a sentence the router reads ("@partnerbot 下周哪些客户到期？", "customer 张三");
// the umbrella slash command's text gets its "/" ("/pb customer 张三" is "/customer 张三"). A
// message that only mentions the bot asks for /help.
func normalize(ev any, me self) (in inbound, ok bool) {
	switch e := ev.(type) {
	case *slackevents.MessageEvent:
		switch e.SubType {
		case "", "thread_broadcast", "file_share":
		default:
			return inbound{}, false // edits, deletions, joins, bot_message...
		}
		if e.BotID != "" || e.User == "" || e.User == me.userID {
			return inbound{}, false
		}
		im := e.ChannelType == "im" || (e.ChannelType == "" && strings.HasPrefix(e.Channel, "D"))
		if !im && !mentions(e.Text, me.userID) {
			return inbound{}, false
		}
		if e.SubType == "file_share" && strings.TrimSpace(stripMention(e.Text, me.userID)) == "" {
			return inbound{}, false // a file shared without a word: nothing was asked
		}
		return message(e.Channel, e.User, e.Text, e.TimeStamp, e.ThreadTimeStamp, im, me), true
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" || e.User == me.userID || e.Edited != nil {
			return inbound{}, false
		}
		return message(e.Channel, e.User, e.Text, e.TimeStamp, e.ThreadTimeStamp, strings.HasPrefix(e.Channel, "D"), me), true
	case slackapi.SlashCommand:
		if e.UserID == "" || e.ChannelID == "" {
			return inbound{}, false
		}
		var text string
		if strings.EqualFold(e.Command, me.command) {
			text = commandLine(e.Text)
		} else {
			text = strings.TrimSpace(e.Command + " " + plainText(e.Text))
		}
		return inbound{kind: kindSlash, channel: e.ChannelID, responseURL: e.ResponseURL, im: strings.HasPrefix(e.ChannelID, "D"),
			req: chat.Request{Platform: platform, UserID: e.UserID, UserName: e.UserName, Channel: e.ChannelID, Text: text}}, true
	case slackapi.InteractionCallback:
		if e.Type != slackapi.InteractionTypeBlockActions || e.User.ID == "" {
			return inbound{}, false
		}
		for _, a := range e.ActionCallback.BlockActions {
			if a == nil || !strings.HasPrefix(a.ActionID, actionPrefix) || strings.TrimSpace(a.Value) == "" {
				continue
			}
			channel := e.Container.ChannelID
			if channel == "" {
				channel = e.Channel.ID
			}
			thread := e.Container.ThreadTs
			if thread == "" {
				thread = e.Message.ThreadTimestamp
			}
			name := e.User.Name
			if name == "" {
				name = e.User.Username
			}
			return inbound{kind: kindClick, channel: channel, threadTS: thread, responseURL: e.ResponseURL,
				im: strings.HasPrefix(channel, "D"), messageTS: e.Container.MessageTs,
				decision: strings.HasPrefix(a.ActionID, actionDecide), label: unescape(a.Text.Text),
				req: chat.Request{Platform: platform, UserID: e.User.ID, UserName: name, Channel: channel,
					Text: strings.TrimSpace(a.Value)}}, true
		}
	}
	return inbound{}, false
}

// message is the inbound of a message or mention event.
func message(channel, user, text, ts, threadTS string, im bool, me self) inbound {
	return inbound{kind: kindMessage, channel: channel, threadTS: threadTS, im: im, dedupe: "msg:" + channel + ":" + ts,
		req: chat.Request{Platform: platform, UserID: user, Channel: channel, Text: messageText(stripMention(text, me.userID))}}
}

// messageText is what a person wrote to the bot in a direct message or a mention: Slack's
// escaping undone; a command line as typed, anything else a sentence for the router to read
// (it shows the command it understood, and runs no action from a sentence); nothing at all
// asks for help.
func messageText(s string) string {
	s = strings.TrimSpace(plainText(s))
	if s == "" {
		return "/help"
	}
	return s
}

// commandLine is what a person typed, as a command: Slack's escaping undone and a "/" added
// when missing; nothing at all asks for help.
func commandLine(s string) string {
	s = strings.TrimSpace(plainText(s))
	switch {
	case s == "":
		return "/help"
	case strings.HasPrefix(s, "/"), strings.HasPrefix(s, "／"):
		return s
	}
	return "/" + s
}

// mentions reports whether text mentions the user id.
func mentions(text, userID string) bool {
	return userID != "" && (strings.Contains(text, "<@"+userID+">") || strings.Contains(text, "<@"+userID+"|"))
}

// stripMention removes every mention of the user id from text.
func stripMention(text, userID string) string {
	if userID == "" {
		return text
	}
	return reference.ReplaceAllStringFunc(text, func(m string) string {
		target, _, _ := strings.Cut(m[1:len(m)-1], "|")
		if target == "@"+userID {
			return " "
		}
		return m
	})
}

// reference is one of Slack's <…> references in message text.
var reference = regexp.MustCompile(`<[^<>\s][^<>]*>`)

// plainText turns Slack's message markup back into what was typed: <@U1|name> → @name (or
// @U1), <#C1|name> → #name, <!here> → @here, <https://x|label> → label, <mailto:a@b|a@b> →
// a@b, <https://x> → https://x; then &lt; &gt; &amp; → < > &.
func plainText(s string) string {
	s = reference.ReplaceAllStringFunc(s, func(m string) string {
		target, label, hasLabel := strings.Cut(m[1:len(m)-1], "|")
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
			if hasLabel && label != "" {
				return target[:1] + strings.TrimPrefix(label, target[:1])
			}
			return target
		case strings.HasPrefix(target, "!"):
			if hasLabel && label != "" {
				return label
			}
			name, _, _ := strings.Cut(target[1:], "^")
			return "@" + name
		case hasLabel && label != "":
			return label
		}
		return strings.TrimPrefix(target, "mailto:")
	})
	return unescape(s)
}

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// unescape undoes Slack's escaping of &, < and >.
func unescape(s string) string { return unescaper.Replace(s) }
