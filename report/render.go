package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-analyze/charts"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/lang"
)

// The picture's size: tall enough for four panels, narrow enough for a phone to show whole.
const (
	Width  = 1200
	Height = 1500
)

// MaxBytes is the most a report's PNG may weigh (a guard test holds it under).
const MaxBytes = 500 << 10

var (
	colorText   = charts.Color{R: 0x1f, G: 0x29, B: 0x37, A: 0xff}
	colorMuted  = charts.Color{R: 0x6b, G: 0x72, B: 0x80, A: 0xff}
	colorTile   = charts.Color{R: 0xf3, G: 0xf4, B: 0xf6, A: 0xff}
	colorAlert  = charts.Color{R: 0xc0, G: 0x26, B: 0x26, A: 0xff}
	colorOK     = charts.Color{R: 0x05, G: 0x7a, B: 0x55, A: 0xff}
	colorPeriod = charts.Color{R: 0x25, G: 0x63, B: 0xeb, A: 0xff}
	colorUsage  = charts.Color{R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff}
)

func style(size float64, c charts.Color) charts.FontStyle {
	return charts.FontStyle{FontSize: size, FontColor: c, Font: theFont}
}

// Render draws d as a PNG of Width × Height in l's language.
func Render(d Data, l lang.Lang) ([]byte, error) {
	if _, err := loadFont(); err != nil {
		return nil, err
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: Width, Height: Height})
	p.FilledRect(0, 0, Width, Height, charts.ColorWhite, charts.ColorWhite, 0)

	// Heading.
	p.Text(Title(d, l), 40, 58, 0, style(30, colorText))
	p.Text(l.T("report.subtitle", d.Now.In(d.zone()).Format("2006-01-02 15:04 MST"), d.Currency), 40, 92, 0, style(15, colorMuted))

	drawTiles(p, d, l)
	if err := drawSpend(p.Child(charts.PainterBoxOption(charts.NewBox(20, 250, Width-20, 690))), d, l); err != nil {
		return nil, fmt.Errorf("report: spend chart: %w", err)
	}
	if err := drawTop(p.Child(charts.PainterBoxOption(charts.NewBox(20, 700, Width-20, 1100))), d, l); err != nil {
		return nil, fmt.Errorf("report: top spenders: %w", err)
	}
	if err := drawCalendar(p, d, l); err != nil {
		return nil, fmt.Errorf("report: calendar: %w", err)
	}
	buf, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("report: encode: %w", err)
	}
	return buf, nil
}

func (d Data) zone() *time.Location {
	if d.Zone == nil {
		return bss.ChinaTime
	}
	return d.Zone
}

// Title is the report's headline: its period and scope.
func Title(d Data, l lang.Lang) string {
	period := l.T("report.week")
	if d.Period == Month {
		period = l.T("report.month")
	}
	return l.T("report.title", period, ScopeName(d.Scope, l))
}

// ScopeName is how the report names its scope.
func ScopeName(s Scope, l lang.Lang) string {
	switch {
	case s.CustomerID != "":
		if s.Name != "" {
			return s.Name
		}
		return s.CustomerID
	case s.Label != "":
		return l.T("report.scope_label", s.Label)
	}
	return l.T("report.scope_all")
}

// drawTiles draws the four headline figures: this month, arrears, the forecast gap and the
// renewals due.
func drawTiles(p *charts.Painter, d Data, l lang.Lang) {
	cur := d.Currency
	thisMonth := d.Months[len(d.Months)-1]
	n, amount, auto, _ := d.Renewals()
	type tile struct {
		label, value, sub string
		color             charts.Color
	}
	tiles := []tile{
		{l.T("report.kpi.month"), money(thisMonth.Total(), cur), l.T("report.kpi.month_sub", thisMonth.Cycle), colorText},
	}
	if d.HasArrears {
		c := colorOK
		if d.Debtors > 0 {
			c = colorAlert
		}
		tiles = append(tiles, tile{l.T("report.kpi.arrears"), money(d.Arrears, cur), l.T("report.kpi.customers", d.Debtors), c})
	} else {
		tiles = append(tiles, tile{l.T("report.kpi.arrears"), "—", l.T("report.kpi.no_scan"), colorMuted})
	}
	if d.HasForecast {
		c := colorOK
		if d.Gap.Sign() > 0 {
			c = colorAlert
		}
		tiles = append(tiles, tile{l.T("report.kpi.gap"), money(d.Gap, cur), l.T("report.kpi.customers", d.GapCustomers), c},
			tile{l.T("report.kpi.due"), money(amount, cur), l.T("report.kpi.due_sub", n, auto), colorText})
	} else {
		tiles = append(tiles, tile{l.T("report.kpi.gap"), "—", l.T("report.kpi.no_forecast"), colorMuted},
			tile{l.T("report.kpi.due"), "—", l.T("report.kpi.no_forecast"), colorMuted})
	}
	const gap, top, h = 20, 112, 120
	w := (Width - 80 - gap*(len(tiles)-1)) / len(tiles)
	for i, t := range tiles {
		x := 40 + i*(w+gap)
		p.FilledRect(x, top, x+w, top+h, colorTile, colorTile, 0)
		p.FilledRect(x, top, x+6, top+h, t.color, t.color, 0)
		p.Text(t.label, x+20, top+32, 0, style(16, colorMuted))
		p.Text(t.value, x+20, top+74, 0, style(28, t.color))
		p.Text(t.sub, x+20, top+104, 0, style(14, colorMuted))
	}
}

// drawSpend is the seven months' consumption, yearly/monthly and pay-per-use stacked.
func drawSpend(p *charts.Painter, d Data, l lang.Lang) error {
	labels := make([]string, len(d.Months))
	period := make([]float64, len(d.Months))
	usage := make([]float64, len(d.Months))
	for i, m := range d.Months {
		labels[i] = m.Cycle
		period[i] = yuan(m.Period)
		usage[i] = yuan(m.OnDemand)
	}
	labels[len(labels)-1] = l.T("report.this_month", d.Months[len(d.Months)-1].Cycle)
	opt := charts.NewBarChartOptionWithData([][]float64{period, usage})
	opt.Theme = charts.GetTheme(charts.ThemeLight).WithSeriesColors([]charts.Color{colorPeriod, colorUsage})
	opt.Title = charts.TitleOption{Text: l.T("report.chart.spend", d.Currency), FontStyle: style(20, colorText)}
	opt.Legend = charts.LegendOption{SeriesNames: []string{l.T("lbl.mode_period"), l.T("lbl.mode_ondemand")},
		Offset: charts.OffsetRight, FontStyle: style(15, colorText)}
	opt.StackSeries = charts.Ptr(true)
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: labels, LabelFontStyle: style(15, colorText), LabelCount: len(labels)}
	opt.ValueAxis = []charts.ValueAxisOption{{LabelFontStyle: style(13, colorMuted), ValueFormatter: short(l), Min: charts.Ptr(0.0)}}
	opt.Padding = charts.NewBox(20, 20, 20, 10)
	opt.BarSize = 0.55
	totals := make([]float64, len(d.Months))
	for i := range totals {
		totals[i] = period[i] + usage[i]
	}
	// The total above each stack: the label of the stack's top series, which the chart asks
	// for month by month (its index is the series').
	next := 0
	opt.SeriesList[1].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: style(14, colorText),
		LabelFormatter: func(_ int, _ string, v float64) (string, *charts.LabelStyle) {
			j := next
			if j >= len(totals) || usage[j] != v {
				j = slices.Index(usage, v)
			}
			next = j + 1
			if j < 0 {
				return short(l)(v), nil
			}
			return short(l)(totals[j]), nil
		}}
	return p.BarChart(opt)
}

// drawTop is the top spenders, largest on top, as horizontal bars.
func drawTop(p *charts.Painter, d Data, l lang.Lang) error {
	title := l.T("report.chart.top", d.TopCycle, len(d.Top), d.Spenders)
	if len(d.Top) == 0 {
		p.Text(title, 20, 30, 0, style(20, colorText))
		p.Text(l.T("report.no_spenders"), 20, 80, 0, style(16, colorMuted))
		return nil
	}
	names := make([]string, len(d.Top))
	values := make([]float64, len(d.Top))
	// Horizontal bars run bottom-up: the largest goes last to sit on top.
	for i, s := range d.Top {
		j := len(d.Top) - 1 - i
		names[j] = truncate(s.Short, 14)
		values[j] = yuan(s.Total)
	}
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.Horizontal = true
	opt.Theme = charts.GetTheme(charts.ThemeLight).WithSeriesColors([]charts.Color{colorPeriod})
	opt.Title = charts.TitleOption{Text: title, FontStyle: style(20, colorText)}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: names, LabelFontStyle: style(15, colorText)}
	opt.ValueAxis = []charts.ValueAxisOption{{LabelFontStyle: style(13, colorMuted), ValueFormatter: short(l), Min: charts.Ptr(0.0)}}
	opt.SeriesLabelPosition = "right"
	opt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: style(14, colorText), ValueFormatter: short(l)}
	opt.Padding = charts.NewBox(20, 20, 40, 10)
	opt.BarSize = 0.6
	return p.BarChart(opt)
}

// drawCalendar is the next 30 days: how many renewals fall due each day, then for how much,
// manual and auto-renewing on rows of their own.
func drawCalendar(p *charts.Painter, d Data, l lang.Lang) error {
	p.Text(l.T("report.chart.calendar"), 40, 1128, 0, style(20, colorText))
	if !d.HasForecast {
		p.Text(l.T("report.kpi.no_forecast"), 40, 1180, 0, style(16, colorMuted))
		return nil
	}
	days := make([]string, len(d.Days))
	counts := [][]float64{make([]float64, len(d.Days)), make([]float64, len(d.Days))}
	amounts := [][]float64{make([]float64, len(d.Days)), make([]float64, len(d.Days))}
	for i, day := range d.Days {
		days[i] = strconv.Itoa(day.Date.Day())
		if day.Date.Day() == 1 || i == 0 {
			days[i] = day.Date.Format("1/2")
		}
		counts[0][i], counts[1][i] = cell(float64(day.Manual)), cell(float64(day.Auto))
		amounts[0][i], amounts[1][i] = cell(yuan(day.ManualAmount)), cell(yuan(day.AutoAmount))
	}
	rows := []string{l.T("report.row.manual"), l.T("report.row.auto")}
	for k, part := range []struct {
		title  string
		values [][]float64
		top    int
		format charts.ValueFormatter
	}{
		{l.T("report.chart.cal_count"), counts, 1140, func(v float64) string { return strconv.Itoa(int(v)) }},
		{l.T("report.chart.cal_amount", d.Currency), amounts, 1315, kilo},
	} {
		opt := charts.NewHeatMapOptionWithData(part.values)
		opt.Theme = charts.GetTheme(charts.ThemeLight).WithSeriesColors([]charts.Color{[]charts.Color{colorAlert, colorPeriod}[k]})
		opt.Title = charts.TitleOption{Text: part.title, FontStyle: style(15, colorMuted), Offset: charts.OffsetStr{Left: charts.PositionRight}}
		opt.XAxis = charts.HeatMapAxis{Labels: days, LabelFontStyle: style(12, colorText), LabelCount: len(days)}
		opt.YAxis = charts.HeatMapAxis{Labels: rows, LabelFontStyle: style(14, colorText)}
		opt.ScaleMinValue = charts.Ptr(0.0)
		opt.ValuesLabel = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: style(11, colorText), ValueFormatter: part.format}
		opt.Padding = charts.NewBox(20, 10, 20, 10)
		c := p.Child(charts.PainterBoxOption(charts.NewBox(20, part.top, Width-20, part.top+175)))
		if err := c.HeatMapChart(opt); err != nil {
			return err
		}
	}
	return nil
}

// cell is a calendar cell's value: a day with nothing due stays blank.
func cell(v float64) float64 {
	if v == 0 {
		return charts.GetNullValue()
	}
	return v
}

// kilo writes a calendar cell's amount in a cell's width: 950, 1.4k, 12k.
func kilo(v float64) string {
	switch {
	case v >= 9_950:
		return strconv.FormatFloat(math.Round(v/1000), 'f', 0, 64) + "k"
	case v >= 1000:
		return trim(v/1000) + "k"
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

// yuan is a in yuan as a float, for drawing only (every figure the caption states is exact).
func yuan(a bss.Amount) float64 { return float64(a.Micros()) / 1e6 }

// money is an amount as the tiles show it: whole yuan with thousands separators.
func money(a bss.Amount, cur string) string {
	s := lang.Money(a, cur)
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	return s
}

// short writes an axis or bar value compactly: 1.2万 / 3.4亿 in Chinese, 1.2k / 3.4M in English.
func short(l lang.Lang) charts.ValueFormatter {
	return func(v float64) string {
		a := math.Abs(v)
		var s string
		switch {
		case l != lang.En && a >= 1e8:
			s = trim(v/1e8) + "亿"
		case l != lang.En && a >= 1e4:
			s = trim(v/1e4) + "万"
		case l == lang.En && a >= 1e6:
			s = trim(v/1e6) + "M"
		case l == lang.En && a >= 1e3:
			s = trim(v/1e3) + "k"
		default:
			s = strconv.FormatFloat(math.Round(v), 'f', 0, 64)
		}
		return s
	}
}

func trim(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
