package lang

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// Money formats an amount with its currency and thousands separators, as replies show it:
// "CNY 12,345.60".
func Money(a bss.Amount, currency string) string {
	s := a.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := sign + b.String() + "." + frac
	if currency == "" {
		currency = "CNY"
	}
	return currency + " " + out
}

// When formats t in loc with a hint relative to now in language l: "2026-11-28 16:00 (2 天后)";
// "-" for the zero time.
func When(l Lang, loc *time.Location, now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04") + " (" + relative(l, now, t) + ")"
}

// relative is how far t is from now, in l: "in 2 days", "today", "3 hours ago".
func relative(l Lang, now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d >= 24*time.Hour:
		return l.T("lbl.in_days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return l.T("lbl.in_hours", int(d/time.Hour))
	case d > -time.Hour:
		return l.T("lbl.today")
	case d > -24*time.Hour:
		return l.T("lbl.hours_ago", int(-d/time.Hour))
	}
	return l.T("lbl.days_ago", int(-d/(24*time.Hour)))
}

// ZoneNote is the line that names the zone of the times a message shows: "时间为北京时间
// (UTC+8)", "Times in Asia/Tokyo (UTC+9)". at picks the offset where the zone has summer time.
func ZoneNote(l Lang, loc *time.Location, at time.Time) string {
	return l.T("lbl.zone", ZoneName(l, loc, at))
}

// ZoneName names loc for people: China's zone by its usual name, any other by its IANA name,
// each with its UTC offset at at.
func ZoneName(l Lang, loc *time.Location, at time.Time) string {
	name, off := at.In(loc).Zone()
	utc := "UTC"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		utc += sign + strconv.Itoa(off/3600)
		if m := off % 3600 / 60; m != 0 {
			utc += fmt.Sprintf(":%02d", m)
		}
	}
	switch id := loc.String(); {
	case beijing[id] || (name == "CST" && utc == "UTC+8"):
		return l.T("lbl.zone_beijing")
	case id == "UTC" || id == "" || id == "Local" && utc == "UTC":
		return "UTC"
	case id == "Local":
		return utc
	default:
		return id + " (" + utc + ")"
	}
}

// beijing are the IANA names of China's zone (UTC+8 all year).
var beijing = map[string]bool{"Asia/Shanghai": true, "Asia/Chongqing": true, "Asia/Chungking": true,
	"Asia/Harbin": true, "PRC": true}

// Describe is a resource's one-line description (name, type and spec) as it is stored: in
// Chinese, which LocalDesc turns into English where it is shown.
func Describe(r bss.Resource) string { return DescribeIn(Zh, r) }

// DescribeIn is a resource's one-line description in l: name, type, spec and size.
func DescribeIn(l Lang, r bss.Resource) string {
	name := r.Name
	if name == "" {
		name = r.ResourceID
	}
	kind := l.BSSName(r.ResourceTypeCode, r.ResourceTypeName)
	if kind == r.ResourceTypeCode {
		kind = strings.TrimPrefix(kind, "hws.resource.type.")
	}
	out := name + " · " + kind
	if r.ResourceSpecCode != "" {
		out += " " + r.ResourceSpecCode
	}
	if r.SpecSize.Sign() > 0 {
		out += " " + r.SpecSize.Exact()
		switch r.SpecSizeMeasureID {
		case 17:
			out += "GB"
		case 15:
			out += "Mbit/s"
		}
	}
	return out
}

// VerifiedText is a customer's verified_status (实名认证) in l: "已实名认证", "not verified"…
func VerifiedText(l Lang, status string) string {
	if status == "" {
		return l.T("verified.none")
	}
	if k := "verified." + status; l.Has(k) {
		return l.T(k)
	}
	return status
}

// CustomerName is how a customer is named to people: its name with the account name beside it
// when the two differ, or whichever of them BSS gave.
func CustomerName(cu bss.Customer) string {
	if cu.Name == "" {
		return cu.AccountName
	}
	if cu.AccountName == "" || cu.AccountName == cu.Name {
		return cu.Name
	}
	return cu.Name + " (" + cu.AccountName + ")"
}

// TopUpLabel is the label of a button that tops up cu's debt (in currency): who, and how much.
func TopUpLabel(l Lang, cu bss.Customer, debt bss.Amount, currency string) string {
	return l.T("btn.topup", CustomerName(cu), Money(debt, currency))
}
