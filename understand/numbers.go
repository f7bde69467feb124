package understand

import (
	"strconv"
	"strings"
)

// cnDigit is the value of a Chinese digit.
var cnDigit = map[rune]int64{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// cnUnit is the value of a Chinese power of ten below 万.
var cnUnit = map[rune]int64{'十': 10, '百': 100, '千': 1000}

// numPattern is a number as people type it: ASCII digits or Chinese numerals.
const numPattern = `(?:\d+|[零〇一二两三四五六七八九十百千万]+)`

// maxNumber bounds every number read: larger ones are not this domain's.
const maxNumber = 1_000_000_000

// parseNumber reads ASCII digits ("12", "1,000") or Chinese numerals ("十二", "一千二", "两万",
// "三百零五"). ok is false for anything else or a number above maxNumber.
func parseNumber(s string) (int64, bool) {
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxNumber {
			return 0, false
		}
		return n, true
	}
	return parseChinese(s)
}

// parseChinese reads Chinese numerals, with the colloquial elision of the last unit: 一千二 is
// 1200, 三万五 is 35000, 一百五 is 150.
func parseChinese(s string) (int64, bool) {
	rs := []rune(s)
	var total, section, digit int64
	lastUnit := int64(0) // the unit of the last digit written, for 一千二
	hasDigit := false
	for i, r := range rs {
		if d, ok := cnDigit[r]; ok {
			if hasDigit && d != 0 && i > 0 && cnDigit[rs[i-1]] != 0 {
				return 0, false // "一二": two digits in a row are not a number
			}
			digit, hasDigit = d, true
			continue
		}
		if u, ok := cnUnit[r]; ok {
			if !hasDigit {
				if u != 10 {
					return 0, false // "百" alone
				}
				digit = 1 // 十二 is 12
			}
			section += digit * u
			digit, hasDigit, lastUnit = 0, false, u
			continue
		}
		if r == '万' {
			if hasDigit {
				section += digit
			}
			if section == 0 {
				section = 1
			}
			total += section * 10000
			section, digit, hasDigit, lastUnit = 0, 0, false, 10000
			continue
		}
		return 0, false
	}
	if hasDigit {
		// A last digit right after a unit is the next lower unit: 一千二 = 1200, 三万五 = 35000.
		if len(rs) >= 2 && lastUnit >= 10 {
			if _, afterDigit := cnDigit[rs[len(rs)-2]]; !afterDigit {
				section += digit * (lastUnit / 10)
				digit = 0
			}
		}
		section += digit
	}
	n := total + section
	if n > maxNumber {
		return 0, false
	}
	return n, true
}
