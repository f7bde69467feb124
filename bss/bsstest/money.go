package bsstest

import (
	"errors"
	"strconv"
	"strings"
)

// Money is an amount of yuan held exactly as an integer number of fen (0.01 yuan).
// It encodes to JSON as a number with two decimals (1200.5 yuan → 1200.50).
type Money int64

// ParseMoney parses a decimal amount of yuan such as "1200.5", "-3" or "0.07".
// At most two decimals are accepted.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && frac == "" || hasDot && frac == "" || len(frac) > 2 {
		return 0, errors.New("bsstest: invalid amount " + strconv.Quote(s))
	}
	if whole == "" {
		whole = "0"
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, errors.New("bsstest: invalid amount " + strconv.Quote(s))
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (1<<62)/100 {
		return 0, errors.New("bsstest: amount out of range " + strconv.Quote(s))
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, nil
}

// MustMoney is ParseMoney that panics on a malformed amount; for literals in code and tests.
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Yuan returns whole yuan as Money.
func Yuan(y int64) Money { return Money(y * 100) }

// String formats the amount with exactly two decimals, e.g. "1200.50" or "-3.00".
func (m Money) String() string {
	v := int64(m)
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v
	}
	frac := v % 100
	s := sign + strconv.FormatInt(v/100, 10) + "."
	if frac < 10 {
		s += "0"
	}
	return s + strconv.FormatInt(frac, 10)
}

// Sign returns -1, 0 or +1 for a negative, zero or positive amount.
func (m Money) Sign() int {
	switch {
	case m < 0:
		return -1
	case m > 0:
		return 1
	}
	return 0
}

// MarshalJSON encodes the amount as a JSON number with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// percent returns m*p/100 rounded half away from zero.
func (m Money) percent(p int64) Money {
	v := int64(m) * p
	if v >= 0 {
		return Money((v + 50) / 100)
	}
	return Money((v - 50) / 100)
}

// scale returns m*num/den rounded half away from zero (den > 0).
func (m Money) scale(num, den int64) Money {
	if den <= 0 {
		return 0
	}
	v := int64(m) * num
	if v >= 0 {
		return Money((v + den/2) / den)
	}
	return Money((v - den/2) / den)
}

// moneyString encodes a Money as a JSON string ("432.10"), the quirk of the renew-rate API.
type moneyString Money

func (m moneyString) MarshalJSON() ([]byte, error) {
	return []byte(`"` + Money(m).String() + `"`), nil
}
