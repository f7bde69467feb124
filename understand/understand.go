package understand

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/cmdline"
)

// Result is what a sentence was understood as: a command of the registry with its arguments,
// or, when OK is false, up to three Suggestions.
type Result struct {
	OK    bool
	Name  string            // the command's registry name, e.g. "expiring"
	Args  []string          // its positional arguments
	Flags map[string]string // its flags; nil when none
	Line  string            // the command line: "/expiring 7 label:vip"; what the router parses back to Name, Args and Flags
	// Lang is the sentence's language: "zh" when it holds Chinese characters, else "en".
	Lang string
	// Interval is the time the sentence spoke of, when it named one.
	Interval *Interval
	// Candidates are the customers a name in the sentence fits when it fits several: the
	// command (which names them by that name) lists them for the person to choose.
	Candidates []Entry
	// Note is the catalogue key of a remark the answer adds to the command's reply ("" for
	// none), e.g. that a renewal needs the resource picked from the list shown.
	Note string
	// Suggestions are up to three command lines to try when the sentence was not understood.
	Suggestions []string
}

// MaxSuggestions bounds Result.Suggestions.
const MaxSuggestions = 3

// maxInput is the longest sentence read; a longer one is not understood.
const maxInput = 1000

// Limits of what the commands accept.
const (
	maxExpiringDays = 365
	maxForecastDays = 90
	maxScoped       = cmdline.MaxExpiringCustomers
)

// defaultSuggestions are offered when nothing in a sentence points anywhere.
var defaultSuggestions = []string{"/expiring 7", "/arrears", "/help"}

// sentence is a sentence taken apart.
type sentence struct {
	now      time.Time
	loc      *time.Location
	lang     string
	tok      tokens
	rest     string   // what is left once tokens, names and dates are out
	words    []string // rest's Latin words, for the English rules
	iv       *Interval
	customer string   // the customer as the commands take it: a name, an account or an id
	ids      []string // the customer ids it names (one, or the candidates)
	label    string
	cands    []Entry
}

// Understand reads text, a message addressed to the bot, at now in the bot's time zone loc,
// with lx the customers and labels it may name (nil: none). The result depends only on these.
func Understand(text string, now time.Time, loc *time.Location, lx *Lexicon) Result {
	if loc == nil {
		loc = time.UTC
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
	}
	s := &sentence{now: now.In(loc), loc: loc, lang: "en"}
	if strings.IndexFunc(text, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
		s.lang = "zh"
	}
	if len(text) > maxInput {
		return s.notUnderstood(nil)
	}
	t := normalise(text)
	t = s.tok.takeIDs(t)
	if m, ok := lx.longest(t); ok {
		s.name(lx, m)
		t = cut(t, m.start, m.end)
	}
	t = s.tok.takeAmounts(t)
	iv, t, ok := findDate(t, s.now, loc)
	if ok {
		s.iv = &iv
	}
	t = s.tok.takePeriod(t)
	if s.iv == nil {
		if iv, t, ok = findCount(t, s.now, loc); ok {
			s.iv = &iv
		}
	}
	t = s.tok.takeNumbers(t)
	if s.customer == "" && len(s.tok.customers) > 0 {
		s.customer, s.ids = s.tok.customers[0], s.tok.customers[:1]
	}
	s.rest = t
	s.words = strings.FieldsFunc(t, func(r rune) bool { return !isLatin(r) && r != '-' })
	return s.decide()
}

// name records the lexicon's match m: a label, or a customer (several: the candidates).
func (s *sentence) name(lx *Lexicon, m match) {
	var custs []ref
	for _, r := range m.refs {
		if lx.entries[r.entry].Kind == KindCustomer {
			custs = append(custs, r)
		}
	}
	if len(custs) == 0 {
		s.label = lx.entries[m.refs[0].entry].Name
		return
	}
	first := lx.entries[custs[0].entry]
	s.customer = first.Name
	if custs[0].account {
		s.customer = first.Account
	}
	for _, r := range custs {
		e := lx.entries[r.entry]
		if e.ID != "" && !slices.Contains(s.ids, e.ID) {
			s.ids = append(s.ids, e.ID)
			s.cands = append(s.cands, e)
		}
	}
	if len(s.cands) < 2 {
		s.cands = nil
	}
}

// decide applies the intent rules in order: the first that builds a command wins; the
// suggestions of those that matched but lacked something are offered when none does.
func (s *sentence) decide() Result {
	var sugg []string
	// Keywords as written first; only when none is, keywords with a typo.
	for _, typos := range []bool{false, true} {
		matched := false
		for _, r := range intents {
			if !s.has(r, typos) {
				continue
			}
			matched = true
			res, ok, more := r.build(s)
			if ok {
				return res
			}
			sugg = append(sugg, more...)
		}
		if matched {
			break
		}
	}
	// No intent: what the sentence names alone.
	switch {
	case len(s.tok.orders) > 0:
		return s.command("order", []string{s.tok.orders[0]}, nil)
	case len(s.tok.requests) > 0:
		return s.command("request", []string{strconv.FormatUint(s.tok.requests[0], 10)}, nil)
	case s.customer == "" && isHanName(s.guessName()) && s.iv == nil && len(s.tok.amounts) == 0 && len(s.tok.resources) == 0:
		// A Chinese name alone asks about that customer; a Latin word alone is too
		// likely not a name.
		return s.command("customer", []string{s.guessName()}, nil)
	case s.customer != "" && s.iv == nil && len(s.tok.amounts) == 0:
		return s.command("customer", []string{s.customer}, nil)
	case s.label != "":
		return s.command("expiring", []string{strconv.Itoa(s.days(30)), "label:" + s.label}, nil)
	}
	if s.iv != nil {
		sugg = append(sugg, "/expiring "+strconv.Itoa(s.days(7)))
	}
	if len(s.tok.resources) > 0 {
		sugg = append(sugg, cmdline.Renew(s.tok.resources[0]))
	}
	if s.customer != "" {
		sugg = append(sugg, "/customer "+cmdline.Quote(s.customer))
	}
	return s.notUnderstood(sugg)
}

// notUnderstood is the answer to a sentence not understood, with up to three suggestions.
func (s *sentence) notUnderstood(sugg []string) Result {
	out := make([]string, 0, MaxSuggestions)
	for _, x := range append(sugg, defaultSuggestions...) {
		if len(out) == MaxSuggestions {
			break
		}
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return Result{Lang: s.lang, Suggestions: out, Interval: s.iv}
}

// command is the result naming the command name with args and flags.
func (s *sentence) command(name string, args []string, flags map[string]string) Result {
	var b strings.Builder
	b.WriteString("/" + name)
	for _, a := range args {
		b.WriteString(" " + cmdline.Quote(a))
	}
	keys := make([]string, 0, len(flags))
	for k := range flags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(" --" + k + " " + cmdline.Quote(flags[k]))
	}
	if len(flags) == 0 {
		flags = nil
	}
	if len(args) == 0 {
		args = nil
	}
	return Result{OK: true, Name: name, Args: args, Flags: flags, Line: b.String(), Lang: s.lang, Interval: s.iv, Candidates: s.cands}
}

// days is how many days ahead the sentence's interval reaches, def when it named none, within
// 1 … 365.
func (s *sentence) days(def int) int {
	if s.iv == nil {
		return def
	}
	return min(max(s.iv.Days(s.now), 1), maxExpiringDays)
}

// who is the customer the sentence names: from the lexicon or an id, else the name guessed
// from what is left.
func (s *sentence) who() string {
	if s.customer != "" {
		return s.customer
	}
	return s.guessName()
}

// month is the billing month (YYYY-MM) the interval falls in, when it names one not in the
// future.
func (s *sentence) month() (string, bool) {
	if s.iv == nil {
		return "", false
	}
	m := s.iv.From.Format("2006-01")
	if m > s.now.Format("2006-01") {
		return "", false
	}
	return m, true
}

// wholeMonth is the month (YYYY-MM) the interval is, when it is one calendar month.
func (s *sentence) wholeMonth() (string, bool) {
	if s.iv == nil {
		return "", false
	}
	f := s.iv.From
	if f.Day() != 1 || f.Hour() != 0 || f.Minute() != 0 || !f.AddDate(0, 1, 0).Equal(s.iv.To) {
		return "", false
	}
	return f.Format("2006-01"), true
}

// isHanName reports whether w reads as a Chinese name: two to eight Chinese characters.
func isHanName(w string) bool {
	n := utf8.RuneCountInString(w)
	return n >= 2 && n <= 8 && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.Is(unicode.Han, r) })
}

// fillersZh are the words of a Chinese question that name nothing.
var fillersZh = []string{
	"帮我", "帮忙", "麻烦", "请问", "请", "查一下", "查一查", "查下", "查查", "查询", "查", "看一下", "看一看", "看下", "看看", "看",
	"一下", "告诉我", "告诉", "知道", "我想", "想", "我们", "我", "你们", "你", "他们", "他", "她", "它", "给", "的", "了", "吗", "呢",
	"吧", "啊", "呀", "嘛", "哦", "有没有", "没有", "有", "哪些", "哪个", "哪家", "哪", "什么", "多少钱", "多少", "几个", "几", "还", "是",
	"都", "在", "要", "能", "可以", "会", "把", "将", "个", "钱", "块", "元", "谁", "是否", "些", "所有", "全部", "列出", "列",
	"显示", "最近", "客户", "公司", "账户", "账号", "一共", "总共", "目前", "现在", "当前", "情况", "那个", "这个", "那", "这",
	"下", "和", "跟", "与", "及", "为", "就", "也", "再", "又", "已经", "快", "要", "会", "得", "地", "着", "过", "被", "让", "号",
	"一", "上", "本", "多", "少", "啥", "怎么样", "怎么", "如何", "时候", "时间", "还有", "剩", "嗯", "好", "谢谢",
}

// stopEn are the words of an English question that name nothing.
var stopEn = map[string]bool{
	"how": true, "much": true, "many": true, "does": true, "do": true, "did": true, "what": true, "which": true, "who": true,
	"whose": true, "is": true, "are": true, "was": true, "were": true, "the": true, "a": true, "an": true, "of": true, "for": true,
	"to": true, "me": true, "my": true, "our": true, "us": true, "please": true, "pls": true, "plz": true, "show": true, "list": true,
	"tell": true, "give": true, "check": true, "find": true, "get": true, "can": true, "you": true, "could": true, "would": true,
	"i": true, "we": true, "there": true, "any": true, "all": true, "have": true, "has": true, "customers": true, "customer": true,
	"clients": true, "client": true, "with": true, "in": true, "on": true, "at": true, "by": true, "from": true, "and": true,
	"or": true, "about": true, "it": true, "its": true, "this": true, "that": true, "these": true, "those": true, "will": true,
	"be": true, "been": true, "need": true, "needs": true, "want": true, "let": true, "lets": true, "see": true, "look": true,
	"up": true, "info": true, "information": true, "details": true, "status": true, "money": true, "left": true, "still": true,
	"now": true, "currently": true, "right": true, "soon": true, "some": true, "one": true, "ones": true, "them": true,
	"their": true, "they": true, "hey": true, "bot": true, "thanks": true, "thank": true, "yet": true, "so": true, "far": true,
	"month": true, "months": true, "week": true, "weeks": true, "day": true, "days": true, "year": true, "years": true,
	"total": true, "account": true, "accounts": true, "company": true, "should": true, "going": true, "gonna": true,
	"s": true, "t": true, "not": true, "no": true, "yes": true, "ok": true, "okay": true, "again": true, "just": true, "know": true,
	"like": true, "something": true, "anything": true, "everything": true, "everyone": true, "anyone": true, "who's": true,
}

// guessName is the customer a sentence names that the lexicon does not know: what is left
// once every rule's words and the filler words are out, when that is one word of 2 to 30
// characters.
func (s *sentence) guessName() string {
	t := s.rest
	for _, r := range intents {
		for _, k := range r.zh {
			t = strings.ReplaceAll(t, k, " ")
		}
		for _, k := range r.qualifiers {
			t = strings.ReplaceAll(t, k, " ")
		}
	}
	for _, f := range fillersZh {
		t = strings.ReplaceAll(t, f, " ")
	}
	var left []string
	for _, w := range strings.Fields(t) {
		if isLatin([]rune(w)[0]) {
			lw := strings.Trim(w, "-.,:/'")
			if stopEn[lw] || enKeyword(lw) || lw == "" {
				continue
			}
		}
		left = append(left, w)
	}
	if len(left) != 1 {
		return ""
	}
	w := left[0]
	n := utf8.RuneCountInString(w)
	if n < 2 || n > 30 || strings.HasPrefix(w, "-") || strings.ContainsFunc(w, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '.' && r != '_'
	}) || !strings.ContainsFunc(w, unicode.IsLetter) {
		return ""
	}
	return w
}
