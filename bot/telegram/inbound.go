package telegram

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/partnerbot/partnerbot/chat"
)

// kind is what an update asks of the bot.
type kind int

const (
	kindCommand  kind = iota + 1 // a command (in any chat), or any text in a private chat
	kindCallback                 // a click on one of our inline buttons
	kindMigrate                  // a group became a supergroup with a new chat id
)

// callbackPrefix starts the callback_data of our buttons: "b:" and a store.Button token.
const callbackPrefix = "b:"

// inbound is one update, normalised: who asked what, where.
type inbound struct {
	kind      kind
	req       chat.Request // Text is the command without "@ourbot" (for a click: set later)
	chatID    int64
	messageID int    // the command's message, or the message carrying the clicked button
	private   bool   // a one-to-one chat with the bot
	who       string // how to name the sender to people: "Alice Li (@alice)"

	callbackID string // kindCallback: the query to answer
	token      string // kindCallback: the button's token, "" when the data is not ours

	migrateTo int64 // kindMigrate: the supergroup's chat id (chatID is the old group's)
}

// normalize turns an update into what the bot should do, or ok=false when the bot should
// stay silent: an edit, a channel post, a message from a bot, plain chat in a group, or a
// command addressed to another bot ("/help@otherbot"). me is the bot's username from getMe;
// names maps a command name as Telegram allows it ("unsubscribe_alerts") to the router's
// ("unsubscribe-alerts").
func normalize(u tgbotapi.Update, me string, names map[string]string) (in inbound, ok bool) {
	switch {
	case u.Message != nil:
		return normalizeMessage(u.Message, me, names)
	case u.CallbackQuery != nil:
		return normalizeCallback(u.CallbackQuery)
	}
	return inbound{}, false
}

func normalizeMessage(m *tgbotapi.Message, me string, names map[string]string) (inbound, bool) {
	if m.Chat == nil {
		return inbound{}, false
	}
	if m.MigrateToChatID != 0 {
		return inbound{kind: kindMigrate, chatID: m.Chat.ID, migrateTo: m.MigrateToChatID}, true
	}
	if m.From == nil || m.From.IsBot || m.Chat.IsChannel() {
		return inbound{}, false
	}
	private := m.Chat.IsPrivate()
	txt, isCmd, forUs := commandText(m.Text, me, names)
	if !isCmd && !private {
		// Plain chat in a group is for the bot only when it mentions it ("@ourbot 下周哪些客户
		// 到期？"): the sentence without the mention goes to the router, which reads it.
		var mentioned bool
		if txt, mentioned = stripMention(m.Text, me); !mentioned {
			return inbound{}, false
		}
	}
	switch {
	case isCmd && !forUs:
		return inbound{}, false
	case strings.TrimSpace(txt) == "":
		return inbound{}, false // a photo, a sticker, a service message
	}
	return inbound{
		kind:      kindCommand,
		req:       request(m.From, m.Chat.ID, txt),
		chatID:    m.Chat.ID,
		messageID: m.MessageID,
		private:   private,
		who:       displayName(m.From),
	}, true
}

func normalizeCallback(q *tgbotapi.CallbackQuery) (inbound, bool) {
	if q.From == nil {
		return inbound{}, false
	}
	in := inbound{kind: kindCallback, callbackID: q.ID, who: displayName(q.From)}
	if tok, ok := strings.CutPrefix(q.Data, callbackPrefix); ok {
		in.token = tok
	}
	if q.Message != nil && q.Message.Chat != nil {
		in.chatID = q.Message.Chat.ID
		in.messageID = q.Message.MessageID
		in.private = q.Message.Chat.IsPrivate()
	}
	in.req = request(q.From, in.chatID, "")
	return in, true
}

// request is the router's view of a Telegram user in a chat.
func request(from *tgbotapi.User, chatID int64, text string) chat.Request {
	name := "" // the display name replies show for the user: "Alice Li (@alice)"
	if n := displayName(from); n != strconv.FormatInt(from.ID, 10) {
		name = n
	}
	return chat.Request{
		Platform: Platform,
		UserID:   strconv.FormatInt(from.ID, 10),
		UserName: name,
		Channel:  strconv.FormatInt(chatID, 10),
		Text:     text,
	}
}

// displayName names a user to people: "Alice Li (@alice)", "Alice Li", "@alice" or the id.
func displayName(u *tgbotapi.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	switch {
	case name != "" && u.UserName != "":
		return name + " (@" + u.UserName + ")"
	case name != "":
		return name
	case u.UserName != "":
		return "@" + u.UserName
	}
	return strconv.FormatInt(u.ID, 10)
}

// commandText reads text as Telegram shows a command: "/name@bot args". isCmd is false for
// text that does not start with a slash; forUs is false when "@bot" names another bot. The
// text handed on has "@ourbot" removed and the name as the router knows it.
func commandText(text, me string, names map[string]string) (out string, isCmd, forUs bool) {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	r, n := utf8.DecodeRuneInString(t)
	if r != '/' && r != '／' {
		return text, false, true
	}
	end := strings.IndexFunc(t, unicode.IsSpace)
	if end < 0 {
		end = len(t)
	}
	head, rest := t[n:end], t[end:]
	name, at := head, ""
	if i := strings.IndexAny(head, "@＠"); i >= 0 {
		_, size := utf8.DecodeRuneInString(head[i:])
		name, at = head[:i], head[i+size:]
	}
	if at != "" && !strings.EqualFold(at, me) {
		return text, true, false
	}
	if routerName, ok := names[strings.ToLower(name)]; ok {
		name = routerName
	}
	return t[:n] + name + rest, true, true
}

// stripMention removes every "@me" (any case, ASCII or full-width @) from text, and reports
// whether there was one. A longer username that starts with me ("@ourbot_fan") is not a mention.
func stripMention(text, me string) (string, bool) {
	if me == "" {
		return text, false
	}
	var b strings.Builder
	found := false
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if (r == '@' || r == '＠') && len(text)-i-n >= len(me) && strings.EqualFold(text[i+n:i+n+len(me)], me) {
			end := i + n + len(me)
			if next, _ := utf8.DecodeRuneInString(text[end:]); end == len(text) || !(next == '_' || unicode.IsLetter(next) || unicode.IsDigit(next)) {
				found = true
				b.WriteByte(' ')
				i = end
				continue
			}
		}
		b.WriteString(text[i : i+n])
		i += n
	}
	return strings.TrimSpace(b.String()), found
}
