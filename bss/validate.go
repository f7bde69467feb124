package bss

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits checked before any call (bss-api.md; the error names the argument and the limit).
const (
	MaxIDLen           = 64
	MaxQueryResources  = 50  // resource_ids in a resource query
	MaxActionResources = 10  // resource_ids in renew / unsubscribe / renew-rate
	MaxQuotaIDs        = 10  // quota_ids in a reclaim
	MaxRemarkLen       = 256 // reclaim remark, in characters
	MaxBalanceBatch    = 100 // customer_infos per balance query (UNCONFIRMED in the docs; the client batches)
	MaxStatuses        = 10
	MaxAutoRenewTimes  = 99
	MaxProducts        = 100 // product_infos per period inquiry (the fake's assumption)
)

// checker collects the first argument error of an operation.
type checker struct {
	op  string
	err *ArgumentError
}

func (c *checker) fail(arg, en, zh string) {
	if c.err == nil {
		c.err = &ArgumentError{Op: c.op, Arg: arg, Limit: en, Zh: zh}
	}
}

func (c *checker) maxLen(arg, v string, n int) {
	if utf8.RuneCountInString(v) > n {
		c.fail(arg, fmt.Sprintf("at most %d characters (got %d)", n, utf8.RuneCountInString(v)),
			fmt.Sprintf("最多 %d 个字符（当前 %d）", n, utf8.RuneCountInString(v)))
	}
}

func (c *checker) required(arg, v string) {
	if strings.TrimSpace(v) == "" {
		c.fail(arg, "is required", "不能为空")
	}
}

// id checks a required identifier: present, at most 64 characters, no control characters.
func (c *checker) id(arg, v string) {
	c.required(arg, v)
	c.optID(arg, v)
}

func (c *checker) optID(arg, v string) {
	c.maxLen(arg, v, MaxIDLen)
	c.noControl(arg, v)
}

func (c *checker) noControl(arg, v string) {
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		c.fail(arg, "must not contain control characters", "不能包含控制字符")
	}
}

// ids checks a list of identifiers: between lo and hi items, each a valid id, no duplicates.
func (c *checker) ids(arg string, v []string, lo, hi int) {
	if len(v) < lo || len(v) > hi {
		if lo == hi {
			c.fail(arg, fmt.Sprintf("exactly %d items", lo), fmt.Sprintf("必须是 %d 项", lo))
		} else {
			c.fail(arg, fmt.Sprintf("%d to %d items (got %d)", lo, hi, len(v)), fmt.Sprintf("%d 到 %d 项（当前 %d 项）", lo, hi, len(v)))
		}
	}
	seen := make(map[string]bool, len(v))
	for _, s := range v {
		c.id(arg, s)
		if seen[s] {
			c.fail(arg, "duplicate id "+s, "重复的 ID "+s)
		}
		seen[s] = true
	}
}

func (c *checker) between(arg string, v, lo, hi int) {
	if v < lo || v > hi {
		c.fail(arg, fmt.Sprintf("between %d and %d (got %d)", lo, hi, v), fmt.Sprintf("必须在 %d 到 %d 之间（当前 %d）", lo, hi, v))
	}
}

func (c *checker) oneOf(arg, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.fail(arg, "one of "+strings.Join(allowed, ", "), "只能是 "+strings.Join(allowed, "、"))
}

func (c *checker) page(offset, limit int) {
	c.between("offset", offset, 0, maxOffset)
	c.between("limit", limit, 1, maxLimit)
}

func (c *checker) result() error {
	if c.err == nil {
		return nil
	}
	return c.err
}
