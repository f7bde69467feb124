package chat

import "context"

// Progress of long work. An adapter that can show it puts a ProgressFunc in the request's
// context (WithProgress). Whoever runs the request (the command router) reads it with Progress
// and installs a Reporter (WithReporter) that decides when and in which words to pass counts
// on; commands and scans report with ReportProgress, which does nothing when nobody listens.

// ProgressFunc shows a long command's progress to the person waiting, in their language. An
// adapter that can edit posts the first report and edits that message with the later ones.
type ProgressFunc func(ctx context.Context, r Reply)

// Reporter receives the counts of ReportProgress: done of total customers are handled.
type Reporter func(ctx context.Context, done, total int)

type progressKey int

const (
	keyProgressFunc progressKey = iota
	keyReporter
)

// WithProgress returns ctx carrying f, for the router to report a long command's progress to.
func WithProgress(ctx context.Context, f ProgressFunc) context.Context {
	return context.WithValue(ctx, keyProgressFunc, f)
}

// Progress returns the ProgressFunc of ctx, or nil when nobody listens.
func Progress(ctx context.Context) ProgressFunc {
	f, _ := ctx.Value(keyProgressFunc).(ProgressFunc)
	return f
}

// WithReporter returns ctx carrying rp, which ReportProgress calls.
func WithReporter(ctx context.Context, rp Reporter) context.Context {
	return context.WithValue(ctx, keyReporter, rp)
}

// ReportProgress tells the person waiting that done of total customers are handled.
func ReportProgress(ctx context.Context, done, total int) {
	if rp, ok := ctx.Value(keyReporter).(Reporter); ok && rp != nil {
		rp(ctx, done, total)
	}
}
