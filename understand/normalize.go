package understand

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// traditional maps the traditional characters this domain's questions use to the simplified
// ones the rules are written in (a customer's name in the lexicon is mapped the same way): pairs
// of a traditional character and its simplified form.
var traditional = func() map[rune]rune {
	const pairs = "費费續续額额訂订單单餘余戶户週周個个幾几號号帳账賬账錢钱還还這这們们麼么過过後后資资預预測测審审準准請请幫帮給给為为詢询嗎吗張张萬万兩两塊块圓圆優优劵券開开關关動动問问說说內内禮礼買买務务統统計计應应該该現现時时間间當当紀纪錄录發发與与經经對对長长門门東东陳陈劉刘趙赵黃黄吳吴鄭郑楊杨華华團团據据樣样會会誰谁沒没夠够點点幣币儲储總总欄栏聯联繫系係系廠厂業业貨货屬属處处歷历曆历暫暂筆笔轉转帶带雲云實实數数庫库網网絡络撥拨來来將将狀状態态結结啟启閉闭選选擇择讓让項项專专報报稅税財财貿贸鐵铁鋼钢電电氣气車车馬马魚鱼龍龙鳳凤員员險险嗎吗麼么擬拟額额剩剩"
	rs := []rune(pairs)
	m := make(map[rune]rune, len(rs)/2)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] != rs[i+1] {
			m[rs[i]] = rs[i+1]
		}
	}
	return m
}()

// normalise is the text the rules read: NFKC (full-width letters, digits and spaces to ASCII),
// the domain's traditional characters simplified, lower case, punctuation as spaces, runs of
// spaces as one, and a leading @mention removed.
func normalise(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		if t, ok := traditional[r]; ok {
			r = t
		}
		switch {
		case r == '¥' || r == '$' || r == '#' || r == '.' || r == ',' || r == '-' || r == ':' || r == '/' || r == '@' || r == '_':
			// kept: amounts, ids, dates and mentions use them
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) || r == '\uFFFD' ||
			unicode.Is(unicode.Cf, r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(unicode.ToLower(r))
		space = false
	}
	out := strings.TrimSpace(b.String())
	// A leading mention of the bot (or of anyone: the message was addressed to the bot).
	for strings.HasPrefix(out, "@") {
		i := strings.IndexByte(out, ' ')
		if i < 0 {
			return ""
		}
		out = strings.TrimSpace(out[i+1:])
	}
	return out
}
