package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/config"
)

// TestBSSClientFromRateKeys: the client starts from every rate key check-config accepts — an
// operation added in November named in bss.rate_per_operation, a cap over all — and a file
// that still sets the retired bss.interactive_share starts with a warning that says so.
func TestBSSClientFromRateKeys(t *testing.T) {
	t.Setenv(bss.EnvAccessKey, "AK")
	t.Setenv(bss.EnvSecretKey, "SK")
	cfg, err := config.Parse([]byte("bss:\n  sandbox: false\n  rate_per_second: 8\n  interactive_share: 0.25\n" +
		"  rate_per_operation:\n    ListSubcustomerMonthlyBills: 4\n    ListCustomerOrders: 15\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	client, stop, err := newBSSClient(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if client == nil {
		t.Fatal("no client")
	}
	if !strings.Contains(logs.String(), "bss.interactive_share is no longer used") {
		t.Errorf("no warning about interactive_share in:\n%s", logs.String())
	}
}
