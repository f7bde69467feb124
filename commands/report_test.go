package commands_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/report"
	"github.com/partnerbot/partnerbot/store"
)

// TestReportOnSandbox: /report answers with one 1200×1500 PNG whose alt text is the reply's
// caption; before any scan it says there is no forecast nor arrears scan yet, after the
// expiry and arrears scans it states the gap and the arrears; a label and a customer narrow
// it; --out writes the PNG on the console and is refused elsewhere.
func TestReportOnSandbox(t *testing.T) {
	e := newForecastEnv(t)
	rep, text, _ := e.say(t, "console:admin", "/report")
	if rep.Error || len(rep.Images) != 1 || !strings.Contains(text, "尚无预测") || !strings.Contains(text, "尚无欠费扫描") {
		t.Fatalf("before any scan:\n%s", text)
	}
	if !strings.Contains(text, "--out") {
		t.Errorf("the console is not told where to get the picture:\n%s", text)
	}
	e.expiryScan(t)
	if _, err := e.Store.AddSubscription(context.Background(), store.Subscription{Platform: "slack", Channel: "C1", Kind: "arrears",
		Scope: "*", CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Scanner.Scan(context.Background(), alerts.KindArrears); err != nil {
		t.Fatal(err)
	}
	rep, text, _ = e.say(t, "slack:U1", "/报告 月")
	if rep.Error || len(rep.Images) != 1 {
		t.Fatalf("/报告 月:\n%s", text)
	}
	// The README's example (docs/report-example.png) is this picture:
	// PARTNERBOT_REPORT_EXAMPLE=$PWD/docs/report-example.png go test ./commands -run TestReportOnSandbox
	if path := os.Getenv("PARTNERBOT_REPORT_EXAMPLE"); path != "" {
		if err := os.WriteFile(path, rep.Images[0].PNG, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := rep.Images[0]
	if img.Alt != rep.Text || !strings.Contains(rep.Text, "合作伙伴月报 · 全部客户") || !strings.Contains(rep.Text, "未来 30 天预测缺口：CNY ") ||
		!strings.Contains(rep.Text, "欠费：CNY ") || !strings.Contains(rep.Text, "2026-10 消费前 10 名") || img.Name != "report-month-2026-11-18.png" {
		t.Errorf("caption / alt / name %q:\n%s", img.Name, rep.Text)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img.PNG))
	if err != nil || cfg.Width != report.Width || cfg.Height != report.Height || len(img.PNG) >= report.MaxBytes {
		t.Errorf("png %dx%d, %d bytes, %v", cfg.Width, cfg.Height, len(img.PNG), err)
	}
	if strings.Contains(text, "--out") {
		t.Errorf("slack is told about --out:\n%s", text)
	}

	rep, text, _ = e.say(t, "slack:U1", "/report week label:vip")
	if rep.Error || !strings.Contains(rep.Text, "合作伙伴周报 · 标签 vip") {
		t.Errorf("label:vip:\n%s", text)
	}
	rep, text, _ = e.say(t, "slack:U1", "/report month hooli")
	if rep.Error || !strings.Contains(rep.Text, "合作伙伴月报 · Hooli (hooli)") || !strings.Contains(rep.Text, "（共 1 个客户有消费）：1. Hooli (hooli) CNY 6,713.21\n") {
		t.Errorf("one customer:\n%s", text)
	}
	if rep, text, _ := e.say(t, "slack:U1", "/report --out /tmp/x.png"); !rep.Error || !strings.Contains(text, "--out 只能在控制台") {
		t.Errorf("--out on slack:\n%s", text)
	}
	out := filepath.Join(t.TempDir(), "r.png")
	rep, text, _ = e.say(t, "console:admin", "/report --out "+out)
	b, err := os.ReadFile(out)
	if rep.Error || err != nil || !bytes.Equal(b, rep.Images[0].PNG) || !strings.Contains(text, out) {
		t.Errorf("--out %s: %v\n%s", out, err, text)
	}
	rep, text, _ = e.say(t, "console:alice", "/订阅 报告 label:vip")
	subs, err := e.Store.Subscriptions(context.Background(), "console", "c1")
	if rep.Error || err != nil || len(subs) != 1 || subs[0].Kind != "report" || subs[0].Scope != "label:vip" || subs[0].Days != nil {
		t.Errorf("/订阅 报告 label:vip: %+v %v\n%s", subs, err, text)
	}
	e.say(t, "console:admin", "/lang en")
	if rep, text, _ := e.say(t, "console:admin", "/report month label:"); !rep.Error || !strings.Contains(text, "label: needs a label name") {
		t.Errorf("empty label:\n%s", text)
	}
}
