package cmdline

import (
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/bss"
)

// Quote is s as one argument of a command line: quoted, with \\ and the closing quotes escaped,
// when it holds white space or a quote, or is empty; as it is otherwise. Parse reads it back as s.
func Quote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		closers, _ := parseQuote(r)
		return IsSpace(r) || closers != "" || r == '\\'
	}) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `＂`, `\＂`).Replace(s) + `"`
}

// The command lines other packages print, mostly as the Command of a chat.Button: a click runs
// exactly what typing the line would. Ids are written with Quote, which leaves BSS's ids (hex and
// dashes) as they are.

// TopUp files a top-up of amount for a customer: "/topup <customer> <amount>".
func TopUp(customerID string, amount bss.Amount) string {
	return "/topup " + Quote(customerID) + " " + amount.String()
}

// Renew asks to renew a yearly/monthly resource for the default period: "/renew <resource>".
func Renew(resourceID string) string { return "/renew " + Quote(resourceID) }

// Approve approves request id: "/approve <id>".
func Approve(id uint64) string { return "/approve " + strconv.FormatUint(id, 10) }

// Reject rejects request id, with no reason: "/reject <id>".
func Reject(id uint64) string { return "/reject " + strconv.FormatUint(id, 10) }

// Cancel withdraws one's own request id: "/cancel <id>".
func Cancel(id uint64) string { return "/cancel " + strconv.FormatUint(id, 10) }

// Resend queues parked notice id again: "/resend <id>".
func Resend(id uint64) string { return "/resend " + strconv.FormatUint(id, 10) }

// Expiring lists what expires within days, of the customers with any of labels (of every
// customer when none): "/expiring <days> [label:<name>]…", what an expiry digest pages through.
func Expiring(days int, labels ...string) string {
	cmd := "/expiring " + strconv.Itoa(days)
	for _, l := range labels {
		cmd += " " + Quote("label:"+l)
	}
	return cmd
}

// ResourcesExpiring lists one customer's resources that expire within days:
// "/resources <customer> --expiring <days>".
func ResourcesExpiring(customerID string, days int) string {
	return "/resources " + Quote(customerID) + " --expiring " + strconv.Itoa(days)
}
