package understand

import (
	"regexp"
	"strconv"
	"strings"
)

// tokens are what a sentence names exactly, taken out of it before the words are read, so that
// a resource id's digits are never read as a date nor an amount's as a count of days.
type tokens struct {
	resources []string // resource ids (UUIDs)
	customers []string // customer ids (32 hex digits)
	orders    []string // order ids, upper case as BSS writes them
	requests  []uint64 // request numbers
	amounts   []string // amounts in yuan, as the commands read them ("1000.5")
	period    string   // a renewal period: "1m" … "11m", "1y" … "3y"
	numbers   []int    // other small whole numbers
}

var (
	reUUID       = regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	reCustomerID = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	reOrderID    = regexp.MustCompile(`\bcs[0-9a-z]{8,30}\b`)
	reRequest    = []*regexp.Regexp{
		regexp.MustCompile(`(?:申请|请求|审批|request|req)\s*(?:单|号|编号|no\.?|number|id)?\s*#?\s*(\d{1,9})\b`),
		regexp.MustCompile(`(?:第|#)\s*(\d{1,9})\s*(?:号|个)?\s*(?:申请|请求)?`),
		regexp.MustCompile(`(\d{1,9})\s*号?\s*(?:申请|请求)`),
	}
	reAmount = []*regexp.Regexp{
		regexp.MustCompile(`[¥$]\s*(\d[\d,]*(?:\.\d{1,2})?)\s*(万|千|k)?`),
		regexp.MustCompile(`(\d[\d,]*(?:\.\d{1,2})?)\s*(万|千|k)?\s*(?:元|块钱|块|rmb|yuan|cny|dollars|dollar|usd)`),
		regexp.MustCompile(`(\d+(?:\.\d{1,2})?)\s*(万|千|k\b)`),
		regexp.MustCompile(`([零〇一二两三四五六七八九十百千万]+)\s*(?:元|块钱|块)`),
		regexp.MustCompile(`([零〇一二两三四五六七八九十]+[百千万][零〇一二两三四五六七八九十百千万]*)`),
	}
	rePeriod = []*regexp.Regexp{
		regexp.MustCompile(`(` + numPattern + `|半)\s*个?\s*(月|年)`),
		regexp.MustCompile(`\b` + enNum + `\s*(months|month|mo|years|year|yr|yrs|m|y)\b`),
	}
	reNumber = regexp.MustCompile(`\b\d{1,6}\b`)
)

// cut removes text[i:j], leaving a space.
func cut(text string, i, j int) string { return text[:i] + " " + text[j:] }

// takeIDs takes the ids, request numbers and amounts out of text.
func (t *tokens) takeIDs(text string) string {
	for _, m := range reUUID.FindAllString(text, -1) {
		t.resources = appendNew(t.resources, m)
	}
	text = reUUID.ReplaceAllString(text, " ")
	for _, m := range reCustomerID.FindAllString(text, -1) {
		t.customers = appendNew(t.customers, m)
	}
	text = reCustomerID.ReplaceAllString(text, " ")
	for _, m := range reOrderID.FindAllString(text, -1) {
		t.orders = appendNew(t.orders, strings.ToUpper(m))
	}
	text = reOrderID.ReplaceAllString(text, " ")
	for _, re := range reRequest {
		for {
			m := re.FindStringSubmatchIndex(text)
			if m == nil {
				break
			}
			if n, err := strconv.ParseUint(text[m[2]:m[3]], 10, 64); err == nil && n > 0 {
				t.requests = append(t.requests, n)
			}
			// the word 申请 stays: it also says what is asked about
			text = cut(text, m[2], m[3])
		}
	}
	return text
}

// takeAmounts takes the amounts of money out of text.
func (t *tokens) takeAmounts(text string) string {
	for _, re := range reAmount {
		for {
			m := re.FindStringSubmatchIndex(text)
			if m == nil {
				break
			}
			raw := text[m[2]:m[3]]
			mult := ""
			if len(m) > 5 && m[4] >= 0 {
				mult = text[m[4]:m[5]]
			}
			if a, ok := amountOf(raw, mult); ok {
				t.amounts = append(t.amounts, a)
			}
			text = cut(text, m[0], m[1])
		}
	}
	return text
}

// amountOf is raw (digits with an optional decimal part, or Chinese numerals) times the
// multiplier 万, 千 or k, written as the commands read an amount.
func amountOf(raw, mult string) (string, bool) {
	raw = strings.ReplaceAll(raw, ",", "")
	whole, frac, _ := strings.Cut(raw, ".")
	n, ok := parseNumber(whole)
	if !ok {
		return "", false
	}
	cents := int64(0)
	if frac != "" {
		if len(frac) == 1 {
			frac += "0"
		}
		c, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return "", false
		}
		cents = c
	}
	total := n*100 + cents
	switch mult {
	case "万":
		total *= 10000
	case "千", "k":
		total *= 1000
	}
	if total <= 0 || total > maxNumber*100 {
		return "", false
	}
	s := strconv.FormatInt(total/100, 10)
	if c := total % 100; c != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(100+c, 10)[1:], "0")
	}
	return s, true
}

// takePeriod takes a renewal period out of text: 一个月, 3个月, 半年, 一年, 2 years.
func (t *tokens) takePeriod(text string) string {
	for _, re := range rePeriod {
		m := re.FindStringSubmatchIndex(text)
		if m == nil {
			continue
		}
		n, unit := text[m[2]:m[3]], text[m[4]:m[5]]
		months := 0
		if n == "半" {
			months = 6
		} else if k, ok := num(n); ok {
			months = k
		}
		if strings.HasPrefix(unit, "年") || strings.HasPrefix(unit, "y") {
			if n == "半" {
				months = 6
			} else {
				months *= 12
			}
		} else if n == "半" {
			months = 0 // 半月: no such period
		}
		text = cut(text, m[0], m[1])
		switch {
		case months >= 1 && months <= 11:
			t.period = strconv.Itoa(months) + "m"
		case months >= 12 && months <= 36 && months%12 == 0:
			t.period = strconv.Itoa(months/12) + "y"
		}
		return text
	}
	return text
}

// takeNumbers takes the remaining small whole numbers out of text.
func (t *tokens) takeNumbers(text string) string {
	for _, m := range reNumber.FindAllString(text, 8) {
		if n, err := strconv.Atoi(m); err == nil {
			t.numbers = append(t.numbers, n)
		}
	}
	return reNumber.ReplaceAllString(text, " ")
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
