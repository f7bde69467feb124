package commands

import (
	"context"
	"sort"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// maxIssuedQuotas bounds the issued quotas /quotas reads.
const maxIssuedQuotas = 1000

// runQuotas lists the coupon quotas the partner issued to tier-2 resellers
// (ListIssuedCouponQuotas), those /reclaim can take back first, each with a button to file it:
// for operators, who may /reclaim.
func runQuotas(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpListIssuedCouponQuotas); err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	var qs []bss.IssuedQuota
	for offset := 0; len(qs) < maxIssuedQuotas; {
		p, err := c.r.bss.ListIssuedQuotas(ctx, bss.IssuedQuotaFilter{}, offset, 100)
		if err != nil {
			return chat.Reply{}, c.bssError(err)
		}
		qs = append(qs, p.Quotas...)
		offset += len(p.Quotas)
		if len(p.Quotas) == 0 || offset >= p.TotalCount {
			break
		}
	}
	rep := chat.Reply{Title: c.Lang.T("quotas.title")}
	if len(qs) == 0 {
		rep.Text = c.Lang.T("quotas.none")
		return rep, nil
	}
	reclaimable := func(q bss.IssuedQuota) bool { return q.QuotaStatus == bss.QuotaNormal && q.Balance.Sign() > 0 }
	sort.SliceStable(qs, func(i, j int) bool {
		if a, b := reclaimable(qs[i]), reclaimable(qs[j]); a != b {
			return a
		}
		if !qs[i].ExpireTime.Equal(qs[j].ExpireTime.Time) {
			return qs[i].ExpireTime.Before(qs[j].ExpireTime.Time)
		}
		return qs[i].QuotaID < qs[j].QuotaID
	})
	var left bss.Amount
	n := 0
	for _, q := range qs {
		if reclaimable(q) {
			left, n = left.Add(q.Balance), n+1
		}
	}
	rep.Text = c.Lang.T("quotas.reclaimable", n, lang.Money(left, qs[0].Currency))
	lo, hi, pages, err := c.pageRange(len(qs), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{c.Lang.T("quotas.col.id"), c.Lang.T("quotas.col.reseller"), c.Lang.T("quotas.col.balance"),
		c.Lang.T("quotas.col.expires"), c.Lang.T("quotas.col.status")}}
	mayReclaim := c.mayRequest(bss.OpReclaimCouponQuotas)
	for _, q := range qs[lo:hi] {
		reseller := q.IndirectPartnerName
		if q.IndirectPartnerAccountName != "" && q.IndirectPartnerAccountName != reseller {
			reseller += " (" + q.IndirectPartnerAccountName + ")"
		}
		if reseller == "" {
			reseller = q.IndirectPartnerID
		}
		t.Rows = append(t.Rows, []string{q.QuotaID, reseller, lang.Money(q.Balance, q.Currency), c.date(q.ExpireTime.Time), c.enum("quota.status", q.QuotaStatus)})
		if mayReclaim && reclaimable(q) && len(rep.Buttons) < 3 {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("btn.quota_reclaim", q.QuotaID), Command: "/reclaim " + q.QuotaID, Style: "danger"})
		}
	}
	t.Head = []int{0, 1} // a compact entry: the quota and its reseller, then balance, expiry and status
	rep.Table = t
	c.pager(&rep, "/quotas", page, pages, len(qs))
	return rep, nil
}
