package telegramtest

import (
	"net/http"
	"testing"
	"time"
)

// TestFakeHTMLParser: the fake refuses what Telegram refuses, so the renderer's tests mean
// something.
func TestFakeHTMLParser(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"<b>x</b> &lt;y&gt; &amp; &quot;z&quot; &#39; &#x4E2D;", `x <y> & "z" ' 中`, true},
		{"<pre>a\n b</pre>", "a\n b", true},
		{`<a href="http://x">l</a>`, "l", true},
		{"<pre><code class=\"language-go\">x</code></pre>", "x", true},
		{"<b>x", "", false},
		{"x</b>", "", false},
		{"<b><i>x</b></i>", "", false},
		{"<script>x</script>", "", false},
		{"<br>", "", false},
		{"a < b", "", false},
		{"a > b", "", false},
		{"Tom & Jerry", "", false},
		{"&nbsp;", "", false},
		{"<code><b>x</b></code>", "", false},
		{"<b class=\"x\">y</b>", "", false},
	}
	for _, tt := range tests {
		got, err := ParseHTML(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseHTML(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestUTF16Len: the fake counts lengths as Telegram does, in UTF-16 code units.
func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "张三": 2, "😀": 2, "⚠️": 2, "a\u0301": 2} {
		if got := utf16Len(s); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestSetDown: down, every call answers 502 with an HTML page (as a proxy in front of an
// unreachable Telegram does), a long poll already waiting included; back up, calls work again.
func TestSetDown(t *testing.T) {
	f := New(t)
	call := func(method string) int {
		t.Helper()
		resp, err := http.Get(f.URL + "/bot" + Token + "/" + method)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	polled := make(chan int, 1)
	go func() {
		resp, err := http.Get(f.URL + "/bot" + Token + "/getUpdates?timeout=10")
		if err != nil {
			polled <- 0
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	for f.pollsStarted() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	f.SetDown(true)
	if got := <-polled; got != http.StatusBadGateway {
		t.Errorf("a waiting getUpdates ended with %d, want 502", got)
	}
	if got := call("getMe"); got != http.StatusBadGateway {
		t.Errorf("getMe while down = %d, want 502", got)
	}
	f.SetDown(false)
	if got := call("getMe"); got != http.StatusOK {
		t.Errorf("getMe back up = %d, want 200", got)
	}
	if n := len(f.OKCalls("getMe")); n != 1 {
		t.Errorf("%d successful getMe calls recorded, want 1", n)
	}
}
