package understand

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAmbiguousNameGivesTheCandidates(t *testing.T) {
	r := Understand("王五欠多少钱", testNow, testLoc, testLexicon())
	if r.Line != "/balance 王五" || len(r.Candidates) != 2 || r.Candidates[0].ID != idWang1 || r.Candidates[1].ID != idWang2 {
		t.Fatalf("got %q with candidates %+v; want /balance 王五 with both 王五", r.Line, r.Candidates)
	}
	if r := Understand("张三欠多少钱", testNow, testLoc, testLexicon()); len(r.Candidates) != 0 {
		t.Errorf("one 张三, yet candidates %+v", r.Candidates)
	}
}

func TestRenewWithoutResourceListsThemWithANote(t *testing.T) {
	r := Understand("帮我给张三续一个月", testNow, testLoc, testLexicon())
	if r.Name != "resources" || r.Note != "understand.note.renew_pick" {
		t.Fatalf("got %q note %q", r.Line, r.Note)
	}
}

func TestDates(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, testLoc) }
	dayY := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, testLoc) }
	tests := []struct {
		text     string
		from, to time.Time
	}{
		{"今天", day(12, 2), day(12, 3)},
		{"明天", day(12, 3), day(12, 4)},
		{"后天", day(12, 4), day(12, 5)},
		{"大后天", day(12, 5), day(12, 6)},
		{"3天后", day(12, 5), day(12, 6)},
		{"7天内", testNow, testNow.AddDate(0, 0, 7)},
		{"本周", day(11, 30), day(12, 7)},
		{"下周", day(12, 7), day(12, 14)},
		{"下周三", day(12, 9), day(12, 10)},
		{"下下周", day(12, 14), day(12, 21)},
		{"周五", day(12, 4), day(12, 5)},
		{"月底", testNow, day(12, 31).AddDate(0, 0, 1)},
		{"下月底", testNow, dayY(2027, 2, 1)},
		{"本月", day(12, 1), dayY(2027, 1, 1)},
		{"下个月", dayY(2027, 1, 1), dayY(2027, 2, 1)},
		{"上个月", day(11, 1), day(12, 1)},
		{"12月25日", day(12, 25), day(12, 26)},
		{"1月5号", dayY(2027, 1, 5), dayY(2027, 1, 6)},
		{"十一月", day(11, 1), day(12, 1)},
		{"2027-03-01", dayY(2027, 3, 1), dayY(2027, 3, 2)},
		{"tomorrow", day(12, 3), day(12, 4)},
		{"next week", day(12, 7), day(12, 14)},
		{"within 10 days", testNow, testNow.AddDate(0, 0, 10)},
		{"next month", dayY(2027, 1, 1), dayY(2027, 2, 1)},
		{"end of month", testNow, dayY(2027, 1, 1)},
		{"next friday", day(12, 11), day(12, 12)},
	}
	for _, tc := range tests {
		iv, _, ok := findDate(normalise(tc.text), testNow, testLoc)
		if !ok || !iv.From.Equal(tc.from) || !iv.To.Equal(tc.to) {
			t.Errorf("%q: %v…%v (ok %v), want %v…%v", tc.text, iv.From, iv.To, ok, tc.from, tc.to)
		}
	}
	for _, text := range []string{"2035年1月1日", "2020-01-01", "周", "天气"} {
		if iv, _, ok := findDate(normalise(text), testNow, testLoc); ok {
			t.Errorf("%q read as %v…%v; want no date (out of bounds or none)", text, iv.From, iv.To)
		}
	}
}

func TestTimeZone(t *testing.T) {
	// 23:30 UTC on 1 December is 07:30 on 2 December in Shanghai: "今天" is the 2nd there.
	now := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	iv, _, ok := findDate("今天", now, testLoc)
	if !ok || !iv.From.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, testLoc)) {
		t.Fatalf("今天 at %v is %v in Shanghai", now, iv.From)
	}
}

func TestAmounts(t *testing.T) {
	tests := map[string]string{
		"¥1,000.50": "1000.5", "500元": "500", "一千二块": "1200", "一千二": "1200", "3万": "30000",
		"$1,200": "1200", "2k": "2000", "两百块钱": "200", "¥0.05": "0.05",
	}
	for in, want := range tests {
		var tok tokens
		tok.takeAmounts(normalise(in))
		if len(tok.amounts) != 1 || tok.amounts[0] != want {
			t.Errorf("%q: amounts %q, want %q", in, tok.amounts, want)
		}
	}
}

func TestNotUnderstoodSuggestsAtMostThree(t *testing.T) {
	for _, text := range []string{"今天天气怎么样", "asdfgh", "", "   ", "代金券", strings.Repeat("长", 2000)} {
		r := Understand(text, testNow, testLoc, testLexicon())
		if r.OK || len(r.Suggestions) == 0 || len(r.Suggestions) > MaxSuggestions {
			t.Errorf("%q: ok %v, suggestions %q", text, r.OK, r.Suggestions)
		}
	}
}

func TestLangOfTheSentence(t *testing.T) {
	if r := Understand("张三的余额", testNow, testLoc, nil); r.Lang != "zh" {
		t.Errorf("Chinese sentence: lang %q", r.Lang)
	}
	if r := Understand("balance of acme", testNow, testLoc, nil); r.Lang != "en" {
		t.Errorf("English sentence: lang %q", r.Lang)
	}
}

func TestDeterministic(t *testing.T) {
	lx := testLexicon()
	for _, tc := range phrasings {
		a := Understand(tc.text, testNow, testLoc, lx)
		b := Understand(tc.text, testNow, testLoc, testLexicon())
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: two runs differ: %+v / %+v", tc.text, a, b)
		}
	}
}

// FuzzUnderstand checks the invariants on any text: no panic; not understood (with one
// to three suggestions) or a command line the router's parser reads back to the same command,
// arguments and flags; every date within now − 400 days … now + 3 years, every day count
// within what the commands take; and the same result for the same (text, now, lexicon).
func FuzzUnderstand(f *testing.F) {
	for _, tc := range phrasings {
		f.Add(tc.text, int64(0))
	}
	f.Add("", int64(-86400*300))
	f.Add("２０２６年１２月３１日 到期", int64(86400*500))
	lx := testLexicon()
	f.Fuzz(func(t *testing.T, text string, shift int64) {
		now := testNow.Add(time.Duration(shift%(86400*3650)) * time.Second)
		r := Understand(text, now, testLoc, lx)
		if !reflect.DeepEqual(r, Understand(text, now, testLoc, lx)) {
			t.Fatalf("%q: the result changed between two runs", text)
		}
		if r.Interval != nil {
			if r.Interval.From.Before(now.AddDate(0, 0, -pastDays)) || r.Interval.To.After(now.AddDate(futureYears, 0, 0)) {
				t.Fatalf("%q: interval %v…%v outside the bounds at %v", text, r.Interval.From, r.Interval.To, now)
			}
		}
		if !r.OK {
			if r.Line != "" || len(r.Suggestions) == 0 || len(r.Suggestions) > MaxSuggestions {
				t.Fatalf("%q: not understood, line %q, suggestions %q", text, r.Line, r.Suggestions)
			}
			return
		}
		checkParsesBack(t, text, r)
		for _, a := range r.Args {
			if a == "" {
				t.Fatalf("%q: empty argument in %q", text, r.Line)
			}
		}
		if r.Name == "expiring" {
			if n, err := strconv.Atoi(r.Args[0]); err != nil || n < 1 || n > maxExpiringDays {
				t.Fatalf("%q: /expiring days %q", text, r.Args[0])
			}
		}
	})
}
