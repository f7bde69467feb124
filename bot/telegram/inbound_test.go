package telegram

import (
	"encoding/json"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestNormalize feeds raw updates, as the Bot API documents them, to the one function that
// decides what the bot is asked.
func TestNormalize(t *testing.T) {
	names := map[string]string{"unsubscribe_alerts": "unsubscribe-alerts"}
	const (
		alice   = `{"id":1001,"is_bot":false,"first_name":"Alice","last_name":"Li","username":"alice"}`
		private = `{"id":1001,"type":"private","first_name":"Alice"}`
		group   = `{"id":-100200,"type":"supergroup","title":"Ops"}`
	)
	msg := func(chat, text string) string {
		return `{"update_id":1,"message":{"message_id":7,"from":` + alice + `,"chat":` + chat + `,"date":1,"text":` + quote(text) + `}}`
	}
	tests := []struct {
		name    string
		update  string
		ok      bool
		kind    kind
		text    string
		private bool
	}{
		{"command in private", msg(private, "/help"), true, kindCommand, "/help", true},
		{"plain text in private goes on (the router says it is no command)", msg(private, "hello"), true, kindCommand, "hello", true},
		{"command in a group", msg(group, "/customer 张三"), true, kindCommand, "/customer 张三", false},
		{"command for us by name", msg(group, "/customer@PartnerOpsBot 张三"), true, kindCommand, "/customer 张三", false},
		{"our name in another case", msg(group, "/help@partneropsbot"), true, kindCommand, "/help", false},
		{"command for another bot", msg(group, "/help@OtherBot"), false, 0, "", false},
		{"command for another bot in private", msg(private, "/start@OtherBot"), false, 0, "", false},
		{"plain text in a group", msg(group, "hello /help"), false, 0, "", false},
		{"a sentence mentioning us in a group", msg(group, "@PartnerOpsBot 下周哪些客户到期？"), true, kindCommand, "下周哪些客户到期？", false},
		{"a mention in another case, mid-sentence", msg(group, "张三欠多少钱 @partneropsbot"), true, kindCommand, "张三欠多少钱", false},
		{"a longer username is not us", msg(group, "@PartnerOpsBot_fan 下周哪些客户到期？"), false, 0, "", false},
		{"a mention alone", msg(group, "@PartnerOpsBot"), false, 0, "", false},
		{"telegram's name of a command with a dash", msg(group, "/unsubscribe_alerts@PartnerOpsBot 3"), true, kindCommand, "/unsubscribe-alerts 3", false},
		{"full-width slash", msg(group, "／帮助"), true, kindCommand, "／帮助", false},
		{"leading space", msg(group, "  /help"), true, kindCommand, "/help", false},
		{"multi-line arguments", msg(private, "/reject 12\nbudget frozen"), true, kindCommand, "/reject 12\nbudget frozen", true},
		{"a photo without text", `{"update_id":1,"message":{"message_id":7,"from":` + alice + `,"chat":` + private + `,"date":1,"photo":[]}}`, false, 0, "", false},
		{"from a bot", `{"update_id":1,"message":{"message_id":7,"from":{"id":5,"is_bot":true,"first_name":"B"},"chat":` + group + `,"date":1,"text":"/help"}}`, false, 0, "", false},
		{"channel post", `{"update_id":1,"channel_post":{"message_id":7,"chat":{"id":-1009,"type":"channel","title":"News"},"date":1,"text":"/help"}}`, false, 0, "", false},
		{"edited command", `{"update_id":1,"edited_message":{"message_id":7,"from":` + alice + `,"chat":` + group + `,"date":1,"edit_date":2,"text":"/help"}}`, false, 0, "", false},
		{"group became a supergroup", `{"update_id":1,"message":{"message_id":9,"from":` + alice + `,"chat":{"id":-200,"type":"group","title":"Ops"},"date":1,"migrate_to_chat_id":-100200}}`, true, kindMigrate, "", false},
		{"click", `{"update_id":1,"callback_query":{"id":"q1","from":` + alice + `,"message":{"message_id":3,"chat":` + group + `,"date":1,"text":"x"},"chat_instance":"c","data":"b:AAAAAAAAAAAAAAAA"}}`, true, kindCallback, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u tgbotapi.Update
			if err := json.Unmarshal([]byte(tt.update), &u); err != nil {
				t.Fatal(err)
			}
			in, ok := normalize(u, "PartnerOpsBot", names)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, in)
			}
			if !ok {
				return
			}
			if in.kind != tt.kind || in.req.Text != tt.text || in.private != tt.private {
				t.Errorf("got kind %d text %q private %v, want %d %q %v", in.kind, in.req.Text, in.private, tt.kind, tt.text, tt.private)
			}
			switch in.kind {
			case kindCommand:
				if in.req.Platform != "telegram" || in.req.UserID != "1001" || in.req.UserName != "Alice Li (@alice)" || in.who != "Alice Li (@alice)" || in.messageID != 7 {
					t.Errorf("request = %+v who %q message %d", in.req, in.who, in.messageID)
				}
				if want := map[bool]string{true: "1001", false: "-100200"}[tt.private]; in.req.Channel != want {
					t.Errorf("channel = %q, want %q", in.req.Channel, want)
				}
			case kindCallback:
				if in.token != "AAAAAAAAAAAAAAAA" || in.callbackID != "q1" || in.chatID != -100200 || in.messageID != 3 || in.req.Channel != "-100200" || in.req.UserID != "1001" {
					t.Errorf("click = %+v", in)
				}
			case kindMigrate:
				if in.chatID != -200 || in.migrateTo != -100200 {
					t.Errorf("migration = %d → %d", in.chatID, in.migrateTo)
				}
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		u    tgbotapi.User
		want string
	}{
		{tgbotapi.User{ID: 1, FirstName: "Alice", LastName: "Li", UserName: "alice"}, "Alice Li (@alice)"},
		{tgbotapi.User{ID: 1, FirstName: "张三"}, "张三"},
		{tgbotapi.User{ID: 1, UserName: "bob"}, "@bob"},
		{tgbotapi.User{ID: 42}, "42"},
	}
	for _, tt := range tests {
		if got := displayName(&tt.u); got != tt.want {
			t.Errorf("displayName(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
	if r := request(&tgbotapi.User{ID: 7, FirstName: "张", LastName: "三"}, -5, "/help"); r.UserName != "张 三" || r.User() != "telegram:7" || r.Channel != "-5" {
		t.Errorf("request without a username = %+v", r)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
