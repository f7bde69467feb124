package understand

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// benchEntries are n customers with Chinese names and account names, and ten labels.
func benchEntries(n int) []Entry {
	surnames := []rune("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗")
	words := []rune("华信达通远恒泰盛鑫源科技云网数智创新联合发展")
	es := make([]Entry, 0, n+10)
	for i := range n {
		name := string(surnames[i%len(surnames)]) + string(words[(i/len(surnames))%len(words)]) +
			string(words[(i/7)%len(words)]) + fmt.Sprintf("%d号", i)
		es = append(es, Entry{Kind: KindCustomer, ID: fmt.Sprintf("%032x", i+1), Name: name, Account: fmt.Sprintf("acct%05d", i)})
	}
	for i := range 10 {
		es = append(es, Entry{Kind: KindLabel, Name: fmt.Sprintf("label%d", i)})
	}
	return es
}

// BenchmarkUnderstand is one sentence naming a customer, a date and an intent, against a
// lexicon of 10,000 customers; it also reports what building that lexicon takes (time and the
// heap it holds).
func BenchmarkUnderstand(b *testing.B) {
	es := benchEntries(10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	lx := NewLexicon(es)
	build := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	text := "帮我查一下" + es[4321].Name + "下周有哪些资源到期"
	if r := Understand(text, testNow, testLoc, lx); r.Name != "expiring" || len(r.Args) != 2 {
		b.Fatalf("%q understood as %q", text, r.Line)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Understand(text, testNow, testLoc, lx)
	}
	b.StopTimer()
	// Reported after the loop: ResetTimer deletes the metrics reported before it.
	b.ReportMetric(float64(build.Nanoseconds()), "lexicon-build-ns")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "lexicon-MiB")
	runtime.KeepAlive(lx)
}
