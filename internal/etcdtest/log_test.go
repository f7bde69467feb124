package etcdtest

import (
	"fmt"
	"strings"
	"testing"
)

func TestLogTailKeepsTheLastLines(t *testing.T) {
	var l logTail
	lg := l.logger().Named("m0")
	for i := range maxLogLines + 3 {
		lg.Info(fmt.Sprintf("entry %d", i))
	}
	lg.Debug("below info")
	got := l.String()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != maxLogLines+1 {
		t.Fatalf("%d lines kept, want %d and the note of what was dropped", len(lines), maxLogLines+1)
	}
	if lines[0] != "… 3 older lines dropped" {
		t.Errorf("first line %q, want the count of dropped lines", lines[0])
	}
	if !strings.Contains(lines[1], "m0") || !strings.HasSuffix(lines[1], "entry 3") {
		t.Errorf("oldest kept line %q, want m0's entry 3", lines[1])
	}
	if !strings.HasSuffix(lines[maxLogLines], fmt.Sprintf("entry %d", maxLogLines+2)) {
		t.Errorf("last line %q, want the last entry", lines[maxLogLines])
	}
	if strings.Contains(got, "below info") {
		t.Error("a debug entry was kept")
	}
}
