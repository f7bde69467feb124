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

// ToOnDemand requests switching a resource to pay-per-use at expiry: "/to-ondemand <id>".
func ToOnDemand(resourceID string) string { return "/to-ondemand " + Quote(resourceID) }

// Approve approves request id: "/approve <id>".
func Approve(id uint64) string { return "/approve " + strconv.FormatUint(id, 10) }

// Reject rejects request id, with no reason: "/reject <id>".
func Reject(id uint64) string { return "/reject " + strconv.FormatUint(id, 10) }

// Cancel withdraws one's own request id: "/cancel <id>".
func Cancel(id uint64) string { return "/cancel " + strconv.FormatUint(id, 10) }

// Resend queues parked notice id again: "/resend <id>".
func Resend(id uint64) string { return "/resend " + strconv.FormatUint(id, 10) }

// Expiring lists what expires within days of the customers in scope (of every customer when it
// is empty): "/expiring <days> [label:<name>]… [customer:<id>]…", what an expiry digest pages
// through.
func Expiring(days int, scope ExpiringScope) string {
	cmd := "/expiring " + strconv.Itoa(days)
	for _, l := range scope.Labels {
		cmd += " " + Quote("label:"+l)
	}
	for _, id := range scope.Customers {
		cmd += " " + Quote("customer:"+id)
	}
	return cmd
}

// MaxExpiringLabels and MaxExpiringCustomers bound the label: and customer: arguments of one
// /expiring.
const (
	MaxExpiringLabels    = 10
	MaxExpiringCustomers = 50
)

// ExpiringScope is which customers an /expiring lists: those with one of Labels, and those
// whose ids are Customers; every customer when both are empty. It is written as label:NAME and
// customer:ID, as a subscription's scope is.
type ExpiringScope struct {
	Labels    []string
	Customers []string // customer ids
}

// All reports whether the scope is every customer.
func (sc ExpiringScope) All() bool { return len(sc.Labels) == 0 && len(sc.Customers) == 0 }

// Fits reports whether an /expiring can carry the scope: at most 10 labels and 50 customers.
// An expiry digest for a wider channel pages through /resources of one customer at a time.
func (sc ExpiringScope) Fits() bool {
	return len(sc.Labels) <= MaxExpiringLabels && len(sc.Customers) <= MaxExpiringCustomers
}

// ResourcesExpiring lists one customer's resources that expire within days:
// "/resources <customer> --expiring <days>".
func ResourcesExpiring(customerID string, days int) string {
	return "/resources " + Quote(customerID) + " --expiring " + strconv.Itoa(days)
}
