package bss

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// OpListSubcustomerMonthlyBills is the monthly spend of resale customers (bss-money.md §4).
const (
	OpListSubcustomerMonthlyBills = "ListSubcustomerMonthlyBills"
	pathMonthlyBills              = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
)

// Charge modes and bill types of the monthly sums. The API takes one charge mode per call:
// a month's total is the sum over the modes.
const (
	ChargeModeYearlyMonthly = "1"  // 包年/包月
	ChargeModeOnDemand      = "3"  // 按需
	ChargeModeSavingsPlan   = "11" // 节省计划

	BillConsumption = "0"
	BillUnsubscribe = "1" // a refund: the amount is negative
	BillWriteOff    = "2" // Huawei's write-off: negative too
)

// ChargeModes are the modes a month's total is summed over.
var ChargeModes = []string{ChargeModeYearlyMonthly, ChargeModeOnDemand, ChargeModeSavingsPlan}

var cyclePattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// Cycle is the bill cycle ("2026-11") of t, counted in China time.
func Cycle(t time.Time) string { return t.In(ChinaTime).Format("2006-01") }

// MonthlyBillFilter narrows ListSubcustomerMonthlyBills. Cycle and ChargeMode are required.
type MonthlyBillFilter struct {
	Cycle             string // YYYY-MM
	ChargeMode        string // ChargeModeYearlyMonthly, ChargeModeOnDemand or ChargeModeSavingsPlan
	CustomerID        string // "" = every resale customer spending partner-allocated funds
	CloudServiceType  string
	BillType          string // "" = all; BillConsumption, BillUnsubscribe, BillWriteOff
	IndirectPartnerID string // a tier-2 reseller's customers
}

// BillSum is one line of a month's spend: one customer, service, resource type, bill type and
// charge mode (SDK BillSumInfoV2).
type BillSum struct {
	CustomerID           string          `json:"customer_id"`
	CloudServiceType     string          `json:"cloud_service_type"`
	CloudServiceTypeName string          `json:"cloud_service_type_name"`
	ResourceTypeCode     string          `json:"resource_type_code"`
	ResourceTypeName     string          `json:"resource_type_name"`
	BillType             string          `json:"bill_type"`
	ChargeMode           string          `json:"charge_mode"`
	Amount               Amount          `json:"amount"` // negative for unsubscriptions and write-offs
	DebtAmount           Amount          `json:"debt_amount"`
	AdjustmentAmount     Amount          `json:"adjustment_amount"`
	DiscountAmount       Amount          `json:"discount_amount"`
	MeasureID            int             `json:"measure_id"`
	AccountDetails       []AccountDetail `json:"account_details"`
}

// AccountDetail is how much of a bill line an account type paid.
type AccountDetail struct {
	BalanceType string `json:"balance_type"` // BALANCE_TYPE_DEBIT, _CREDIT, _BONUS, _COUPON, ...
	Amount      Amount `json:"amount"`
	BillType    string `json:"bill_type"`
}

// Refund reports whether the line gives money back (an unsubscription or a write-off).
func (b BillSum) Refund() bool { return b.BillType == BillUnsubscribe || b.BillType == BillWriteOff }

// BillSumPage is one page of ListSubcustomerMonthlyBills. Its total is count, not total_count.
type BillSumPage struct {
	Count    int       `json:"count"`
	Currency string    `json:"currency"`
	BillSums []BillSum `json:"bill_sums"`
}

func (f MonthlyBillFilter) check(c *checker) {
	if !cyclePattern.MatchString(f.Cycle) {
		c.fail("cycle", "a month like 2026-11 (got "+f.Cycle+")", "应为 2026-11 这样的月份（当前 "+f.Cycle+"）")
	}
	c.oneOf("charge_mode", f.ChargeMode, ChargeModes...)
	c.optID("customer_id", f.CustomerID)
	c.maxLen("cloud_service_type", f.CloudServiceType, 256)
	c.noControl("cloud_service_type", f.CloudServiceType)
	if f.BillType != "" {
		c.oneOf("bill_type", f.BillType, BillConsumption, BillUnsubscribe, BillWriteOff)
	}
	c.optID("indirect_partner_id", f.IndirectPartnerID)
}

// ListMonthlyBills returns one page of a month's spend by customer, service and resource type,
// for one charge mode (GET /v2/bills/partner-bills/subcustomer-bills/monthly-sum). The data
// runs to 24:00 yesterday and amounts are before tax.
func (c *Client) ListMonthlyBills(ctx context.Context, f MonthlyBillFilter, offset, limit int) (*BillSumPage, error) {
	if err := c.unavailable(OpListSubcustomerMonthlyBills, http.MethodGet, pathMonthlyBills); err != nil {
		return nil, err
	}
	ck := checker{op: OpListSubcustomerMonthlyBills}
	f.check(&ck)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	q := url.Values{"cycle": {f.Cycle}, "charge_mode": {f.ChargeMode}, "offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	setQuery(q, "customer_id", f.CustomerID)
	setQuery(q, "cloud_service_type", f.CloudServiceType)
	setQuery(q, "bill_type", f.BillType)
	setQuery(q, "indirect_partner_id", f.IndirectPartnerID)
	var page BillSumPage
	if err := c.do(ctx, request{op: OpListSubcustomerMonthlyBills, method: http.MethodGet, path: pathMonthlyBills, query: q, out: &page}); err != nil {
		return nil, err
	}
	return &page, nil
}

// MonthlyBills iterates over every line of a month's spend for one charge mode.
func (c *Client) MonthlyBills(ctx context.Context, f MonthlyBillFilter) iter.Seq2[BillSum, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]BillSum, int, error) {
		p, err := c.ListMonthlyBills(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.BillSums, p.Count, nil
	})
}

// AllMonthlyBills collects a month's spend over every charge mode (the API takes one per
// call; f.ChargeMode is ignored) into one page: Count is the number of lines, Currency the
// first one BSS named. The charge modes are asked side by side (a person waits for the
// slowest, not for the three in a row; BSS counts calls a second, so the three fit one
// second's budget); the page is the same as asking them in order: lines in the order of
// ChargeModes, and on an error those of the modes before the first that failed.
func (c *Client) AllMonthlyBills(ctx context.Context, f MonthlyBillFilter) (*BillSumPage, error) {
	type result struct {
		pages []*BillSumPage
		err   error
	}
	results := make([]result, len(ChargeModes))
	var wg sync.WaitGroup
	for i, mode := range ChargeModes {
		wg.Go(func() {
			f := f
			f.ChargeMode = mode
			r := &results[i]
			for offset := 0; ; {
				p, err := c.ListMonthlyBills(ctx, f, offset, c.cfg.PageSize)
				if err != nil {
					r.err = err
					return
				}
				r.pages = append(r.pages, p)
				offset += len(p.BillSums)
				if len(p.BillSums) == 0 || offset >= p.Count {
					return
				}
			}
		})
	}
	wg.Wait()
	all := &BillSumPage{}
	for _, r := range results {
		for _, p := range r.pages {
			if all.Currency == "" {
				all.Currency = p.Currency
			}
			all.BillSums = append(all.BillSums, p.BillSums...)
		}
		if r.err != nil {
			return all, r.err
		}
	}
	all.Count = len(all.BillSums)
	return all, nil
}
