package bss

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Amount is a money value in yuan (or the account's currency), kept exactly as a fixed-point
// number of micro-units (6 decimal places, the API's default inquiry precision). BSS sends
// amounts as JSON numbers almost everywhere and as JSON strings in a few responses (renew-rate),
// so Amount decodes both. It never goes through float64.
type Amount struct{ micros int64 }

const microsPerUnit = 1_000_000

// NewAmount builds an Amount from whole units and micro-units (1/1,000,000).
func NewAmount(units, micros int64) Amount { return Amount{units*microsPerUnit + micros} }

// ParseAmount parses a decimal such as "1200.5", "-3", "0.000001" or "1e2" exactly (no
// float64 on the way). Digits past the sixth decimal are rounded half away from zero. Values
// beyond ±9,223,372,036,854 units, hexadecimal and other forms are refused.
func ParseAmount(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Amount{}, errors.New("empty amount")
	}
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E':
		default:
			return Amount{}, fmt.Errorf("invalid amount %q", s)
		}
	}
	if a, ok := parsePlain(s); ok {
		return a, nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !digits {
		return Amount{}, fmt.Errorf("invalid amount %q", s)
	}
	r.Mul(r, big.NewRat(microsPerUnit, 1))
	// Round half away from zero: trunc(r + sign(r)/2).
	half := big.NewRat(1, 2)
	if r.Sign() < 0 {
		half.Neg(half)
	}
	r.Add(r, half)
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return Amount{}, fmt.Errorf("amount %q out of range", s)
	}
	return Amount{q.Int64()}, nil
}

// parsePlain is the fast path for what BSS sends: [-+]digits[.digits] with at most 12 integer
// digits (so no overflow is possible). Anything else goes the exact, slower way.
func parsePlain(s string) (Amount, bool) {
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || len(intPart) > 12 {
		return Amount{}, false
	}
	var v int64
	for i := 0; i < len(intPart); i++ {
		c := intPart[i]
		if c < '0' || c > '9' {
			return Amount{}, false
		}
		v = v*10 + int64(c-'0')
	}
	v *= microsPerUnit
	scale := int64(microsPerUnit / 10)
	round := false
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return Amount{}, false
		}
		switch {
		case i < 6:
			v += int64(c-'0') * scale
			scale /= 10
		case i == 6:
			round = c >= '5'
		}
	}
	if round {
		v++
	}
	if neg {
		v = -v
	}
	return Amount{v}, true
}

// MustAmount is ParseAmount for constants in code and tests; it panics on a malformed literal.
func MustAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// Micros returns the value in millionths of a unit.
func (a Amount) Micros() int64 { return a.micros }

// Cents returns the value in hundredths, rounded half away from zero.
func (a Amount) Cents() int64 {
	const d = microsPerUnit / 100
	if a.micros < 0 {
		return -((-a.micros + d/2) / d)
	}
	return (a.micros + d/2) / d
}

// IsZero, Sign, Add, Sub, Neg and Cmp are the arithmetic the bot needs.
func (a Amount) IsZero() bool        { return a.micros == 0 }
func (a Amount) Sign() int           { return cmpInt(a.micros, 0) }
func (a Amount) Add(b Amount) Amount { return Amount{a.micros + b.micros} }
func (a Amount) Sub(b Amount) Amount { return Amount{a.micros - b.micros} }
func (a Amount) Neg() Amount         { return Amount{-a.micros} }
func (a Amount) Cmp(b Amount) int    { return cmpInt(a.micros, b.micros) }

// Abs is the amount without its sign.
func (a Amount) Abs() Amount {
	if a.micros < 0 {
		return Amount{-a.micros}
	}
	return a
}

// Mul multiplies by a whole number (quantities, months).
func (a Amount) Mul(n int64) Amount { return Amount{a.micros * n} }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// String formats with two decimals ("1200.50"), the way amounts are shown to people.
func (a Amount) String() string {
	c := a.Cents()
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// Exact formats with as many decimals as needed (up to six), for the wire.
func (a Amount) Exact() string {
	m := a.micros
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := fmt.Sprintf("%s%d.%06d", sign, m/microsPerUnit, m%microsPerUnit)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// MarshalJSON writes a JSON number.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.Exact()), nil }

// UnmarshalJSON accepts a JSON number, a JSON string holding a number, or null (zero).
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*a = Amount{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("amount: %w", err)
		}
		if strings.TrimSpace(s) == "" {
			*a = Amount{}
			return nil
		}
		b = []byte(s)
	}
	v, err := ParseAmount(string(b))
	if err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	*a = v
	return nil
}

// Money is an amount with its currency, formatted "CNY 1200.50" (¥ for CNY is the chat layer's choice).
type Money struct {
	Amount   Amount
	Currency string
}

func (m Money) String() string {
	if m.Currency == "" {
		return m.Amount.String()
	}
	return m.Currency + " " + m.Amount.String()
}
