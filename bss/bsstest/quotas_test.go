package bsstest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestListQuotas(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	quotas := s.Quotas()
	if len(quotas) != 11 { // ten, and demoHealth's lapsing one
		t.Fatalf("demo has %d quotas, want 11", len(quotas))
	}
	count := func(pred func(Quota) bool) int {
		n := 0
		for _, q := range quotas {
			if pred(q) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name string
		body any
		want int
	}{
		{"default type 0", `{}`, count(func(q Quota) bool { return q.QuotaType == 0 })},
		{"type 1", `{"quota_type":1}`, count(func(q Quota) bool { return q.QuotaType == 1 })},
		{"normal", `{"quota_status_list":[0]}`, count(func(q Quota) bool { return q.QuotaType == 0 && q.QuotaStatus == 0 })},
		{"invalid or frozen", `{"quota_status_list":[3,5]}`, count(func(q Quota) bool { return q.QuotaType == 0 && (q.QuotaStatus == 3 || q.QuotaStatus == 5) })},
		{"by id", map[string]any{"quota_ids": []string{quotas[0].QuotaID}}, 1},
		{"created window excludes all", `{"create_time_end":"2000-01-01T00:00:00Z"}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			var out struct {
				TotalCount int `json:"total_count"`
				Quotas     []struct {
					QuotaID    string  `json:"quota_id"`
					QuotaValue float64 `json:"quota_value"`
					Balance    float64 `json:"balance"`
				} `json:"quotas"`
			}
			p.post(pathQuotas, tc.body).want(t, 200, "").into(t, &out)
			if out.TotalCount != tc.want {
				t.Errorf("total_count = %d, want %d", out.TotalCount, tc.want)
			}
		})
	}
	p.t = t
	p.post(pathQuotas, `{"quota_status_list":[1]}`).want(t, 400, "CBC.0101")
	p.post(pathQuotas, `{"quota_type":2}`).want(t, 400, "CBC.0101")
	p.post(pathQuotas, `{"limit":101}`).want(t, 400, "CBC.0101")
}

// TestQuotaLimitShape checks limit_infos[].limit_values[] against the SDK's model: a list of
// objects {"value1","value2"} (model_limit_value.go), not of strings.
func TestQuotaLimitShape(t *testing.T) {
	s := newFake(t, Options{})
	var out struct {
		Quotas []struct {
			QuotaID    string `json:"quota_id"`
			LimitInfos []struct {
				LimitKey    string            `json:"limit_key"`
				LimitValues []json.RawMessage `json:"limit_values"`
			} `json:"limit_infos"`
		} `json:"quotas"`
	}
	partner(t, s).post(pathQuotas, `{"limit":100}`).want(t, 200, "").into(t, &out)
	restricted := 0
	for _, q := range out.Quotas {
		for _, l := range q.LimitInfos {
			restricted++
			if l.LimitKey == "" || len(l.LimitValues) == 0 {
				t.Errorf("quota %s: empty restriction %+v", q.QuotaID, l)
			}
			for _, raw := range l.LimitValues {
				var v map[string]any
				if err := json.Unmarshal(raw, &v); err != nil {
					t.Fatalf("quota %s: limit value %s is not an object", q.QuotaID, raw)
				}
				if v1, ok := v["value1"].(string); !ok || v1 == "" {
					t.Errorf("quota %s: limit value %s has no value1 string", q.QuotaID, raw)
				}
				for k := range v {
					if k != "value1" && k != "value2" {
						t.Errorf("quota %s: unexpected key %q in %s", q.QuotaID, k, raw)
					}
				}
			}
		}
	}
	if restricted == 0 {
		t.Error("no demo quota carries a restriction")
	}
}

func TestReclaimQuotas(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	var reclaimable, own, invalid Quota
	for _, q := range s.Quotas() {
		switch {
		case q.IndirectPartnerID != "" && q.QuotaStatus == 0 && q.Balance > 0 && reclaimable.QuotaID == "":
			reclaimable = q
		case q.IndirectPartnerID == "" && own.QuotaID == "":
			own = q
		case q.QuotaStatus == 3 && invalid.QuotaID == "":
			invalid = q
		}
	}
	if reclaimable.QuotaID == "" || own.QuotaID == "" || invalid.QuotaID == "" {
		t.Fatal("demo quotas lack a reclaimable, an own or an invalid quota")
	}
	remark := strings.Repeat("回", 256) // 256 characters, 768 bytes: allowed
	var out struct {
		SimpleQuotaInfos []struct {
			QuotaID      string  `json:"quota_id"`
			QuotaBalance float64 `json:"quota_balance"`
		} `json:"simple_quota_infos"`
		ErrorDetails []struct {
			ID        string `json:"id"`
			ErrorCode string `json:"error_code"`
		} `json:"error_details"`
	}
	r := p.post(pathReclaim, map[string]any{"quota_ids": []string{reclaimable.QuotaID, own.QuotaID, invalid.QuotaID, "QNOSUCH"}, "remark": remark}).want(t, 200, "")
	r.into(t, &out)
	if len(out.SimpleQuotaInfos) != 1 || out.SimpleQuotaInfos[0].QuotaID != reclaimable.QuotaID || out.SimpleQuotaInfos[0].QuotaBalance != 0 {
		t.Errorf("simple_quota_infos: %s", r.body)
	}
	if !contains(string(r.body), `"quota_balance":0.00`) {
		t.Errorf("quota_balance encoding: %s", r.body)
	}
	if len(out.ErrorDetails) != 3 {
		t.Fatalf("error_details: %s", r.body)
	}
	for _, e := range out.ErrorDetails {
		if e.ErrorCode != "CBC.99000012" {
			t.Errorf("error detail %+v", e)
		}
	}
	for _, q := range s.Quotas() {
		if q.QuotaID != reclaimable.QuotaID {
			continue
		}
		last := q.Records[len(q.Records)-1]
		if q.Balance != 0 || last.OperationType != "11" || last.Amount != reclaimable.Balance || last.Remark != remark {
			t.Errorf("after reclaim: balance %v, record %+v", q.Balance, last)
		}
	}
	// A second reclaim finds nothing left.
	p.post(pathReclaim, map[string]any{"quota_ids": []string{reclaimable.QuotaID}}).into(t, &out)
	if len(out.SimpleQuotaInfos) != 0 || len(out.ErrorDetails) != 1 {
		t.Errorf("second reclaim: %+v", out)
	}

	for _, tc := range []struct{ name, body, code string }{
		{"remark 257 characters", `{"quota_ids":["Q1"],"remark":"` + strings.Repeat("回", 257) + `"}`, "CBC.0101"},
		{"11 ids", `{"quota_ids":["1","2","3","4","5","6","7","8","9","10","11"]}`, "CBC.0101"},
		{"no ids", `{}`, "CBC.0100"},
		{"null ids", `{"quota_ids":null}`, "CBC.0100"},
		{"remark not a string", `{"quota_ids":["Q1"],"remark":5}`, "CBC.0100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			p.post(pathReclaim, tc.body).want(t, 400, tc.code)
		})
	}
	p.t = t
	p.post(pathReclaim, `{"quota_ids":["QNOSUCH"],"remark":""}`).want(t, 200, "")
}
