package bsstest

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// ---- ListSubcustomerMonthlyBills: GET /v2/bills/partner-bills/subcustomer-bills/monthly-sum (§4)
//
// The fake computes the sums when asked, in China time and up to 24:00 yesterday as upstream:
// yearly/monthly (charge_mode 1) from the paid orders of resale customers — purchases and
// renewals as consumption (bill_type 0), unsubscribe refunds as bill_type 1 with negative
// amounts — and on-demand (charge_mode 3) from each pay-per-use resource's hours in the cycle
// at its hourly price. Savings plans (11) have no data. debt_amount and adjustment_amount are
// 0 on consumption rows.

type monthlyBillsResp struct {
	Count    int           `json:"count"`
	Currency string        `json:"currency"`
	BillSums []billSumJSON `json:"bill_sums"`
}

type billSumJSON struct {
	CustomerID           string            `json:"customer_id"`
	CloudServiceType     string            `json:"cloud_service_type"`
	CloudServiceTypeName string            `json:"cloud_service_type_name"`
	ResourceTypeCode     string            `json:"resource_type_code"`
	ResourceTypeName     string            `json:"resource_type_name"`
	BillType             string            `json:"bill_type"`
	ChargeMode           string            `json:"charge_mode"`
	Amount               Money             `json:"amount"`
	DebtAmount           *Money            `json:"debt_amount,omitempty"`
	AdjustmentAmount     *Money            `json:"adjustment_amount,omitempty"`
	DiscountAmount       *Money            `json:"discount_amount,omitempty"`
	MeasureID            int               `json:"measure_id"`
	AccountDetails       []billAccountJSON `json:"account_details"`
}

type billAccountJSON struct {
	BalanceType string `json:"balance_type"`
	Amount      Money  `json:"amount"`
	BillType    string `json:"bill_type"`
}

type billKey struct{ customer, svc, res, billType, mode string }

type billSum struct {
	amount, discount, coupon Money
}

func handleMonthlyBills(c *reqCtx) {
	q := c.r.URL.Query()
	cycle := q.Get("cycle")
	start, err := time.ParseInLocation("2006-01", cycle, cst)
	if err != nil || len(cycle) > 10 {
		c.fail(errParam("cycle is required, like 2026-11"))
		return
	}
	mode := q.Get("charge_mode")
	if mode != "1" && mode != "3" && mode != "11" {
		c.fail(errParam("charge_mode is required: 1 (yearly/monthly), 3 (on-demand) or 11 (savings plan)"))
		return
	}
	billType := q.Get("bill_type")
	if billType != "" && billType != "0" && billType != "1" && billType != "2" {
		c.fail(errInvalid("bill_type must be 0, 1 or 2"))
		return
	}
	customerID, service := q.Get("customer_id"), q.Get("cloud_service_type")
	if e := maxLen("customer_id", &customerID, 64); e != nil {
		c.fail(e)
		return
	}
	if e := maxLen("cloud_service_type", &service, 256); e != nil {
		c.fail(e)
		return
	}
	off, lim, e := queryPaging(q)
	if e != nil {
		c.fail(e)
		return
	}
	// Data runs to 24:00 yesterday, China time.
	n := c.now.In(cst)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, cst)
	end := start.AddDate(0, 1, 0)
	if today.Before(end) {
		end = today
	}

	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	reseller, e := st.resellerOf(queryStr(q, "indirect_partner_id"))
	if e != nil {
		c.fail(e)
		return
	}
	inScope := func(id string) bool {
		cu := st.customerOf(id, reseller)
		return cu != nil && cu.AssociationType == "2" && (customerID == "" || id == customerID)
	}
	sums := map[billKey]*billSum{}
	add := func(k billKey, amount, discount, coupon Money) {
		if service != "" && k.svc != service || billType != "" && k.billType != billType {
			return
		}
		s := sums[k]
		if s == nil {
			s = &billSum{}
			sums[k] = s
		}
		s.amount += amount
		s.discount += discount
		s.coupon += coupon
	}
	if end.After(start) {
		switch mode {
		case "1":
			for _, o := range st.orders {
				paid := o.PaymentTime
				if o.Status != 5 || paid.IsZero() || paid.Before(start) || !paid.Before(end) || !inScope(o.CustomerID) {
					continue
				}
				for i, li := range o.LineItems {
					var coupon Money
					if i == 0 {
						coupon = o.CouponAmount
					}
					if o.OrderType == 4 {
						add(billKey{o.CustomerID, li.ServiceTypeCode, li.CategoryCode, "1", "1"}, -li.AmountAfterDiscount, 0, 0)
						continue
					}
					add(billKey{o.CustomerID, li.ServiceTypeCode, li.CategoryCode, "0", "1"}, li.AmountAfterDiscount,
						li.OfficialAmount-li.AmountAfterDiscount, coupon)
				}
			}
		case "3":
			for id, list := range st.onDemand {
				if !inScope(id) {
					continue
				}
				for _, r := range list {
					from, to := start, end
					if r.EffectiveTime.After(from) {
						from = r.EffectiveTime
					}
					if !r.ExpireTime.IsZero() && r.ExpireTime.Before(to) {
						to = r.ExpireTime
					}
					if hours := int64(to.Sub(from) / time.Hour); hours > 0 {
						add(billKey{id, r.ServiceTypeCode, r.ResourceTypeCode, "0", "3"}, r.Hourly*Money(hours), 0, 0)
					}
				}
			}
		}
	}
	keys := make([]billKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b billKey) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.svc, b.svc), cmp.Compare(a.res, b.res), cmp.Compare(a.billType, b.billType))
	})
	resp := monthlyBillsResp{Count: len(keys), Currency: st.currency, BillSums: []billSumJSON{}}
	lo, hi := page(len(keys), off, lim)
	for _, k := range keys[lo:hi] {
		s := sums[k]
		j := billSumJSON{CustomerID: k.customer, CloudServiceType: k.svc, CloudServiceTypeName: zhName(k.svc),
			ResourceTypeCode: k.res, ResourceTypeName: zhName(k.res), BillType: k.billType, ChargeMode: k.mode,
			Amount: s.amount, MeasureID: 1}
		if k.billType == "0" {
			var zero Money
			discount := s.discount
			j.DebtAmount, j.AdjustmentAmount, j.DiscountAmount = &zero, &zero, &discount
			j.AccountDetails = append(j.AccountDetails, billAccountJSON{BalanceType: "BALANCE_TYPE_DEBIT", Amount: s.amount - s.coupon, BillType: k.billType})
			if s.coupon != 0 {
				j.AccountDetails = append(j.AccountDetails, billAccountJSON{BalanceType: "BALANCE_TYPE_COUPON", Amount: s.coupon, BillType: k.billType})
			}
		} else {
			j.AccountDetails = append(j.AccountDetails, billAccountJSON{BalanceType: "BALANCE_TYPE_DEBIT", Amount: s.amount, BillType: k.billType})
		}
		resp.BillSums = append(resp.BillSums, j)
	}
	c.json(http.StatusOK, resp)
}
