// Command partnerbot is a chat-ops bot for Huawei Cloud partner account managers.
//
//	partnerbot [-config FILE] [-as USER]         run the bot
//	partnerbot exec [-config FILE] [-as P:U] CMD run one chat command, print the reply
//	partnerbot backup [-config FILE] FILE        write a consistent copy of the store
//	partnerbot check-config [-config FILE]       check the configuration and every connection
//	partnerbot compact [-config FILE] NEWFILE    write a compacted copy of the store
//	partnerbot bss [-config FILE] OP [ARGS]      call one read-only BSS operation, print JSON
//	partnerbot sandbox [-listen ADDR] [-config F] serve the sandbox's file over HTTP
//	partnerbot sandbox reset [-config FILE]      start the sandbox's file afresh
//	partnerbot healthcheck [-config F] [-addr A] ask a running bot's /healthz: exit 0 or 1
//	partnerbot version                           print the version, VCS revision and Go version
//
// main only hands over: the subcommands and their wiring live in package cli, the running bot
// in package service.
package main

import (
	"context"
	_ "embed"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // zone data in the binary: Asia/Shanghai works in a distroless image

	"github.com/partnerbot/partnerbot/cli"
)

// exampleConfig is what partnerbot runs without -config: the sandbox and the console.
//
//go:embed config.example.yaml
var exampleConfig []byte

// version is set at link time where the build has no VCS information to stamp (the image is
// built without .git in its context): go build -ldflags "-X main.version=v1.2.3". Empty: the
// module version from the build information.
var version string

func main() {
	cli.Example, cli.Version = exampleConfig, version
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx := cli.OnSignals(context.Background(), sigs, os.Stderr, os.Exit)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	signal.Stop(sigs)
	os.Exit(code)
}
