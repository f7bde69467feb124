package report

import (
	"strings"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// Caption is the report in words: every number of the picture, exact, for chats where images
// are blocked and for screen readers (the image's alt text is the same).
func Caption(d Data, l lang.Lang) string {
	cur := d.Currency
	lines := []string{Title(d, l) + " · " + d.Now.In(d.zone()).Format("2006-01-02 15:04 MST")}
	months := make([]string, len(d.Months))
	for i, m := range d.Months {
		months[i] = l.T("report.cap.month", m.Cycle, lang.Money(m.Total(), cur), lang.Money(m.Period, cur), lang.Money(m.OnDemand, cur))
	}
	lines = append(lines, l.T("report.cap.months", strings.Join(months, l.T("report.cap.sep"))))
	if len(d.Top) == 0 {
		lines = append(lines, l.T("report.cap.top_none", d.TopCycle))
	} else {
		top := make([]string, len(d.Top))
		for i, s := range d.Top {
			top[i] = l.T("report.cap.spender", i+1, s.Name, lang.Money(s.Total, cur))
		}
		lines = append(lines, l.T("report.cap.top", d.TopCycle, len(d.Top), d.Spenders, strings.Join(top, l.T("report.cap.sep"))))
	}
	if d.HasArrears {
		lines = append(lines, l.T("report.cap.arrears", lang.Money(d.Arrears, cur), d.Debtors))
	} else {
		lines = append(lines, l.T("report.cap.arrears_none"))
	}
	if !d.HasForecast {
		lines = append(lines, l.T("report.cap.forecast_none"))
		return strings.Join(lines, "\n")
	}
	n, amount, auto, autoAmount := d.Renewals()
	lines = append(lines, l.T("report.cap.gap", lang.Money(d.Gap, cur), d.GapCustomers),
		l.T("report.cap.due", n, lang.Money(amount, cur), auto, lang.Money(autoAmount, cur)))
	var days []string
	for _, day := range d.Days {
		if day.Manual+day.Auto == 0 {
			continue
		}
		days = append(days, l.T("report.cap.day", day.Date.Format("01-02"), day.Manual, lang.Money(day.ManualAmount, cur),
			day.Auto, lang.Money(day.AutoAmount, cur)))
	}
	if len(days) > 0 {
		lines = append(lines, l.T("report.cap.days", strings.Join(days, l.T("report.cap.sep"))))
	}
	return strings.Join(lines, "\n")
}

// Image draws d and returns it as a chat image whose alt text is the caption, with the
// caption itself.
func Image(d Data, l lang.Lang) (chat.Image, string, error) {
	png, err := Render(d, l)
	if err != nil {
		return chat.Image{}, "", err
	}
	caption := Caption(d, l)
	return chat.Image{Name: FileName(d), Alt: caption, PNG: png}, caption, nil
}

// FileName is the PNG's name: the period and the day, e.g. report-week-2026-12-07.png.
func FileName(d Data) string {
	return "report-" + string(d.Period) + "-" + d.Now.In(d.zone()).Format("2006-01-02") + ".png"
}
