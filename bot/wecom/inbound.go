package wecom

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/chat"
)

// envelope is the POST body of a callback: the encrypted message and who it is for.
type envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	Encrypt    string   `xml:"Encrypt"`
	AgentID    string   `xml:"AgentID"`
}

// message is a decrypted callback: a message a member sent the app, or an event (a click on a
// template card button is Event template_card_event with EventKey, TaskId and ResponseCode).
type message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	TaskID       string   `xml:"TaskId"`
	CardType     string   `xml:"CardType"`
	ResponseCode string   `xml:"ResponseCode"`
}

// dedupeKey names a callback for dropping WeCom's retries: the MsgId when there is one, else
// who, when and what (events carry no MsgId).
func (m message) dedupeKey() string {
	if m.MsgID != "" {
		return "m:" + m.MsgID
	}
	return "e:" + m.FromUserName + "|" + strconv.FormatInt(m.CreateTime, 10) + "|" + m.Event + "|" + m.TaskID + "|" + m.EventKey
}

// inboundKind says what the adapter does with a callback.
type inboundKind int

const (
	kindIgnore      inboundKind = iota // an event the bot has nothing to say to
	kindText                           // a text message: run it as a command
	kindClick                          // a template card button: run its command as the clicker
	kindBadButton                      // a button whose key is not one of ours
	kindUnsupported                    // an image, voice, file...: say the bot reads text
)

// inbound is a callback normalised for the router.
type inbound struct {
	kind inboundKind
	req  chat.Request
	// For clicks: the card, updated once the command ran when the button decides.
	taskID, responseCode, buttonKey string
	decides                         bool
}

// UserChannel is the channel of a member's conversation with the app: "user:<userid>", so a
// /subscribe typed there subscribes wecom:user:<userid>.
func UserChannel(userID string) string { return userPrefix + userID }

const (
	userPrefix  = "user:"
	robotPrefix = "robot:"
)

// normalize turns a decrypted callback into a request for the router: the platform, the
// member's user id (roles are wecom:<userid>), the channel of their conversation with the app
// and the text of the command. A click carries the button's command, so it runs exactly as
// typing it would, as the person who clicked.
func normalize(m message) inbound {
	req := chat.Request{Platform: Platform, UserID: m.FromUserName, UserName: m.FromUserName,
		Channel: UserChannel(m.FromUserName)}
	if m.FromUserName == "" {
		return inbound{kind: kindIgnore}
	}
	switch m.MsgType {
	case "text":
		req.Text = commandText(m.Content)
		if req.Text == "" {
			return inbound{kind: kindIgnore}
		}
		return inbound{kind: kindText, req: req}
	case "event":
		if m.Event != "template_card_event" {
			return inbound{kind: kindIgnore} // enter_agent, subscribe, location...: nothing to answer
		}
		in := inbound{kind: kindClick, req: req, taskID: m.TaskID, responseCode: m.ResponseCode, buttonKey: m.EventKey}
		b, ok := ButtonOfKey(m.EventKey)
		if !ok {
			in.kind = kindBadButton
			return in
		}
		in.req.Text, in.decides = b.Command, b.Decides
		return in
	case "image", "voice", "video", "file", "location", "link":
		return inbound{kind: kindUnsupported, req: req}
	}
	return inbound{kind: kindIgnore}
}

// commandText trims a typed message and undoes what a phone keyboard does to a command: a
// Chinese IME types "、" for the "/" key, and a leading mention ("@partnerbot /help",
// "@partnerbot 下周哪些客户到期") is not part of what was asked. "／" is left to the router, which
// reads it as "/"; text without a slash is a sentence the router reads (every message to the
// app is addressed to the bot: it is a conversation with it).
func commandText(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		if _, rest, ok := strings.Cut(s, " "); ok && strings.TrimSpace(rest) != "" {
			s = strings.TrimSpace(rest) // a command, or a sentence the router reads
		}
	}
	if rest, ok := strings.CutPrefix(s, "、"); ok {
		s = "/" + rest
	}
	return s
}
