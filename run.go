package main

import (
	"context"
	"fmt"
	"io"
)

// runBot runs the chat bot. Until the command router lands it serves the sandbox's BSS client
// to nothing; see `partnerbot bss`.
func runBot(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "partnerbot: the chat router is not built yet; use `partnerbot bss` for now")
	return exitUsage
}
