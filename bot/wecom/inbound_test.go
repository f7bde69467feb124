package wecom

import (
	"encoding/xml"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/chat"
)

func TestOfficialPostBodyParses(t *testing.T) {
	body := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + encPostA +
		"]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	var env envelope
	if err := xml.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if env.Encrypt != encPostA || env.ToUserName != corpA || env.AgentID != "218" {
		t.Errorf("envelope = %+v", env)
	}
	c, _ := NewCryptor(tokenA, aesKeyA, corpA)
	msg, err := c.Decrypt(env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	var m message
	if err := xml.Unmarshal(msg, &m); err != nil {
		t.Fatal(err)
	}
	if m.FromUserName != "mycreate" || m.Content != "hello" || m.MsgID != "4561255354251345929" || m.MsgType != "text" || m.CreateTime != 1409659813 {
		t.Errorf("message = %+v", m)
	}
}

// TestNormalize feeds decrypted callbacks, as WeCom writes them, through the one function that
// turns them into router requests.
func TestNormalize(t *testing.T) {
	approveKey := ButtonKey(chat.Button{Command: "/approve 12", Decides: true})
	renewKey := ButtonKey(chat.Button{Command: "/renew c3f 1m"})
	tests := []struct {
		name    string
		xml     string
		kind    inboundKind
		req     chat.Request
		task    string
		code    string
		decides bool
	}{
		{
			name: "text command",
			xml:  `<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1476422779</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[  /客户 张三 ]]></Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>`,
			kind: kindText,
			req:  chat.Request{Platform: "wecom", UserID: "zhangsan", UserName: "zhangsan", Channel: "user:zhangsan", Text: "/客户 张三"},
		},
		{
			name: "IME slash",
			xml:  `<xml><FromUserName>lisi</FromUserName><MsgType>text</MsgType><Content>、help</Content><MsgId>1</MsgId></xml>`,
			kind: kindText,
			req:  chat.Request{Platform: "wecom", UserID: "lisi", UserName: "lisi", Channel: "user:lisi", Text: "/help"},
		},
		{
			name: "leading mention",
			xml:  `<xml><FromUserName>lisi</FromUserName><MsgType>text</MsgType><Content>@partnerbot /pending</Content><MsgId>2</MsgId></xml>`,
			kind: kindText,
			req:  chat.Request{Platform: "wecom", UserID: "lisi", UserName: "lisi", Channel: "user:lisi", Text: "/pending"},
		},
		{
			name: "plain chat goes to the router as is",
			xml:  `<xml><FromUserName>lisi</FromUserName><MsgType>text</MsgType><Content>你好</Content><MsgId>3</MsgId></xml>`,
			kind: kindText,
			req:  chat.Request{Platform: "wecom", UserID: "lisi", UserName: "lisi", Channel: "user:lisi", Text: "你好"},
		},
		{
			name: "blank text",
			xml:  `<xml><FromUserName>lisi</FromUserName><MsgType>text</MsgType><Content>   </Content><MsgId>4</MsgId></xml>`,
			kind: kindIgnore,
		},
		{
			name: "card click runs the button's command as the clicker",
			xml: `<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[wangwu]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[` + approveKey +
				`]]></EventKey><TaskId><![CDATA[pb-1-00]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[rc-1]]></ResponseCode><AgentID>1000002</AgentID></xml>`,
			kind: kindClick,
			req:  chat.Request{Platform: "wecom", UserID: "wangwu", UserName: "wangwu", Channel: "user:wangwu", Text: "/approve 12"},
			task: "pb-1-00", code: "rc-1", decides: true,
		},
		{
			name: "a click on a button that does not decide",
			xml: `<xml><FromUserName>wangwu</FromUserName><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>` + renewKey +
				`</EventKey><TaskId>pb-2-00</TaskId><ResponseCode>rc-2</ResponseCode></xml>`,
			kind: kindClick,
			req:  chat.Request{Platform: "wecom", UserID: "wangwu", UserName: "wangwu", Channel: "user:wangwu", Text: "/renew c3f 1m"},
			task: "pb-2-00", code: "rc-2",
		},
		{
			name: "a button that is not ours",
			xml:  `<xml><FromUserName>wangwu</FromUserName><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>approve</EventKey><TaskId>t</TaskId><ResponseCode>rc</ResponseCode></xml>`,
			kind: kindBadButton,
			req:  chat.Request{Platform: "wecom", UserID: "wangwu", UserName: "wangwu", Channel: "user:wangwu"},
			task: "t", code: "rc",
		},
		{
			name: "entering the app says nothing",
			xml:  `<xml><FromUserName>wangwu</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey></xml>`,
			kind: kindIgnore,
		},
		{
			name: "an image gets told the bot reads text",
			xml:  `<xml><FromUserName>wangwu</FromUserName><MsgType>image</MsgType><PicUrl>http://x</PicUrl><MediaId>m</MediaId><MsgId>5</MsgId></xml>`,
			kind: kindUnsupported,
			req:  chat.Request{Platform: "wecom", UserID: "wangwu", UserName: "wangwu", Channel: "user:wangwu"},
		},
		{
			name: "no sender",
			xml:  `<xml><MsgType>text</MsgType><Content>/help</Content></xml>`,
			kind: kindIgnore,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m message
			if err := xml.Unmarshal([]byte(tt.xml), &m); err != nil {
				t.Fatal(err)
			}
			in := normalize(m)
			if in.kind != tt.kind {
				t.Fatalf("kind = %d, want %d", in.kind, tt.kind)
			}
			if tt.kind == kindIgnore {
				return
			}
			if in.req != tt.req {
				t.Errorf("request = %+v, want %+v", in.req, tt.req)
			}
			if in.taskID != tt.task || in.responseCode != tt.code || in.decides != tt.decides {
				t.Errorf("card = %q %q decides %v, want %q %q %v", in.taskID, in.responseCode, in.decides, tt.task, tt.code, tt.decides)
			}
		})
	}
}

func TestDedupeKeys(t *testing.T) {
	msg := message{FromUserName: "a", CreateTime: 1, MsgType: "text", MsgID: "42"}
	ev := message{FromUserName: "a", CreateTime: 1, MsgType: "event", Event: "template_card_event", EventKey: "k", TaskID: "t"}
	ev2 := ev
	ev2.EventKey = "k2"
	if msg.dedupeKey() != "m:42" {
		t.Errorf("message key = %q", msg.dedupeKey())
	}
	if ev.dedupeKey() == ev2.dedupeKey() {
		t.Error("two buttons of one card clicked in the same second share a key")
	}
	d := newDedupe(3, time.Minute)
	now := time.Unix(1000, 0)
	for i, tc := range []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true}, {"a", time.Second, false}, {"b", 0, true}, {"c", 0, true},
		{"d", 0, true},               // evicts a (capacity 3)
		{"c", 0, false},              // c is still remembered
		{"a", 0, true},               // a is new again, evicting b
		{"c", 2 * time.Minute, true}, // c's time is over
		{"c", 2 * time.Minute, false},
	} {
		if got := d.first(tc.key, now.Add(tc.at)); got != tc.want {
			t.Errorf("step %d first(%q) = %v, want %v", i, tc.key, got, tc.want)
		}
	}
}
