package bsstest

import "time"

// A sandbox file's world keeps its shape across pauses: when a server opens the file after the
// world stood unused for a while, every time in the state moves forward by the whole days it
// stood unused (persist.go measures the pause). So a week after a demo, the resources that
// expired in 3 days at the demo still expire in 3 days, and the renewals, orders, top-ups and
// coupons made during the demo keep their place among the demo's own records. Amounts, ids and
// statuses stay as they are: an order id keeps the date it was made on, as a real one would.
//
// Whole days of 24 hours rather than the exact pause, because
//   - times keep their time of day, in UTC and in China Standard Time (BSS's bill cycles and
//     ledger dates) alike: the demo's expiries stay on the hours it laid them on (06:00 Beijing
//     time), a record stays on its side of midnight and in its bill cycle relative to the
//     others, and nothing depends on the zone of the process that moves it (24-hour steps on
//     instants, not calendar days in a local zone, which a daylight-saving change would stretch);
//   - a pause shorter than a day moves nothing: the world's expiry times stay the same from one
//     run to the next, which the bot's alert records compare to tell a renewal from an expiry
//     that was already announced. A shift by the exact pause would move them at every start.
// The hours beyond the last whole day pass as time does while the world is in use: at a
// reopening, what was due in 3 days is due in 2 to 3 days, never later than it was.

// shift moves every time in sv forward by d; zero times (not paid, never used, still running)
// stay zero. Every time field of the state must be moved here: TestShiftMovesEveryTime fails
// on one that is not. sv must own its data (decodeSaved's), as nested slices are changed in
// place.
func (sv *savedState) shift(d time.Duration) {
	if d == 0 {
		return
	}
	mv := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.Add(d)
		}
	}
	ds := &sv.Data
	for i := range ds.Customers {
		mv(&ds.Customers[i].AssociatedOn)
	}
	for i := range ds.Resources {
		r := &ds.Resources[i]
		mv(&r.EffectiveTime)
		mv(&r.ExpireTime)
		mv(&r.UpdateTime)
	}
	for i := range ds.Orders {
		o := &ds.Orders[i]
		mv(&o.CreateTime)
		mv(&o.PaymentTime)
		mv(&o.PendingPaymentEndTime)
		for j := range o.LineItems {
			mv(&o.LineItems[j].EffectiveTime)
			mv(&o.LineItems[j].ExpireTime)
		}
	}
	for i := range ds.Quotas {
		q := &ds.Quotas[i]
		mv(&q.CreateTime)
		mv(&q.LastUpdateTime)
		mv(&q.EffectiveTime)
		mv(&q.ExpireTime)
		for j := range q.Records {
			mv(&q.Records[j].Time)
		}
	}
	for i := range ds.Ledger {
		mv(&ds.Ledger[i].Time)
	}
	for i := range ds.AdjustRecords {
		mv(&ds.AdjustRecords[i].Time)
	}
	for i := range ds.Coupons {
		c := &ds.Coupons[i]
		mv(&c.CreateTime)
		mv(&c.EffectiveTime)
		mv(&c.ExpireTime)
		mv(&c.LastUsedTime)
	}
	for i := range ds.OnDemand {
		mv(&ds.OnDemand[i].EffectiveTime)
		mv(&ds.OnDemand[i].ExpireTime)
	}
	for _, list := range sv.History {
		for i := range list {
			mv(&list[i].Prior)
		}
	}
}
