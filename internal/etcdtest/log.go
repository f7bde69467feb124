package etcdtest

import (
	"fmt"
	"strings"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// maxLogLines bounds what a cluster keeps of its members' logs: the tail is what explains a
// failure, and a long test must not grow without limit.
const maxLogLines = 5000

// logTail is a zap sink that keeps the last maxLogLines lines in memory. etcd logs a great deal
// at info level; the tests stay quiet and show the tail only when they fail.
type logTail struct {
	mu      sync.Mutex
	lines   []string
	dropped int
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimRight(string(p), "\n"))
	if len(l.lines) >= 2*maxLogLines { // trim in batches, not a copy per line
		l.trim()
	}
	return len(p), nil
}

func (l *logTail) Sync() error { return nil }

// trim keeps the last maxLogLines lines.
func (l *logTail) trim() {
	if over := len(l.lines) - maxLogLines; over > 0 {
		l.lines = append(l.lines[:0], l.lines[over:]...)
		l.dropped += over
	}
}

// String is the kept tail, one line per entry, saying how many older lines were dropped.
func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trim()
	var b strings.Builder
	if l.dropped > 0 {
		fmt.Fprintf(&b, "… %d older lines dropped\n", l.dropped)
	}
	for _, line := range l.lines {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// logger writes console-encoded entries at info level and above into the tail.
func (l *logTail) logger() *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	enc.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
	return zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), l, zapcore.InfoLevel))
}
