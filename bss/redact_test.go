package bss_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestAnswersHideCredentials: what BSS echoes of the credentials a call was signed with — in an
// error message, or in a per-item error of a 2xx answer — is hidden before anyone reads it.
func TestAnswersHideCredentials(t *testing.T) {
	ctx := context.Background()
	ak, sk := bsstest.SandboxCredentials.AccessKey, bsstest.SandboxCredentials.SecretKey
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)

	srv.Inject("POST", "/v2/accounts/partner-accounts/adjust-amount", bsstest.Fault{EchoCredentials: true, Times: 1})
	_, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1")})
	for _, text := range []string{err.Error(), bss.Explain(err, "en"), bss.ExplainFor(err, "zh", true)} {
		if strings.Contains(text, ak) || strings.Contains(text, sk) || !strings.Contains(text, "Access=[REDACTED]") {
			t.Errorf("error shown as %q", text)
		}
	}

	srv.Inject("POST", "/v2/promotions/benefits/partner-coupons", bsstest.Fault{Times: 1,
		Body: `{"coupon_infos":[],"error_details":[{"id":"` + zs.ID + `","error_code":"CBC.0100","error_msg":"key ` + ak + ` refused"}]}`})
	res, err := c.IssueCoupons(ctx, bss.CouponIssue{QuotaID: "Q1", CustomerIDs: []string{zs.ID}, FaceValue: bss.MustAmount("1")})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].ErrorMsg != "key [REDACTED] refused" {
		t.Errorf("per-item error %+v, %v", res, err)
	}
}
