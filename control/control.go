// Package control is the local control socket of a running partnerbot. bbolt lets one process
// hold the store file, so while the bot runs, `partnerbot exec` and `partnerbot backup` reach
// the store through the bot: over a unix socket beside the store file ([SocketPath]), mode 0600,
// open only to the bot's own user (on Linux every peer's uid is checked with SO_PEERCRED, and the
// client checks the server's likewise).
//
// # Protocol (version 1)
//
// One request per connection. The client sends one line of JSON,
//
//	{"v":1,"op":"exec","platform":"console","user":"alice","text":"/expiring 7","timeout_ms":120000}
//	{"v":1,"op":"backup"}
//	{"v":1,"op":"status"}
//
// and the server answers one line of JSON, {"v":1,"ok":true,...} or {"v":1,"ok":false,
// "error":"..."}, then closes the connection:
//
//	exec    "reply": the reply as plain text, "failed": the command failed, "not_command": the
//	        text is not a command
//	backup  "size": N, followed by exactly N bytes: a consistent copy of the store file
//	status  "pid", "store", "started"
//
// "v" is the protocol version the sender speaks; a server refuses a request of a version it does
// not know, saying its own, so a CLI and a bot of different releases fail with a clear message
// rather than misread each other. A request line is at most [MaxRequestBytes].
package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the protocol version this package speaks.
const Version = 1

// Operations.
const (
	OpStatus = "status"
	OpExec   = "exec"
	OpBackup = "backup"
)

// MaxRequestBytes bounds one request line.
const MaxRequestBytes = 64 << 10

// ErrNoServer means no running partnerbot serves the socket: there is no socket file, or a stale
// one left by a bot that crashed (nobody listens on it).
var ErrNoServer = errors.New("no running partnerbot serves the control socket")

// SocketPath is the control socket of the store file at storePath: beside it, ".sock" appended.
func SocketPath(storePath string) string { return storePath + ".sock" }

// ExecRequest is a chat command to run inside the bot, as Platform:User.
type ExecRequest struct {
	Platform, User, Text string
	Timeout              time.Duration // 0 = DefaultExecTimeout; at most MaxExecTimeout
}

// ExecResult is how a command ended.
type ExecResult struct {
	Reply      string // the reply, rendered as plain text
	Failed     bool   // the command failed (an error reply, or it ran out of time)
	NotCommand bool   // the text is not a command; nothing ran
}

// Status describes the running bot.
type Status struct {
	Version int       // the protocol version the bot speaks
	PID     int       // its process id
	Store   string    // the store file it holds
	Started time.Time // when it started serving
}

// Limits of an exec.
const (
	DefaultExecTimeout = 2 * time.Minute
	MaxExecTimeout     = time.Hour
)

// request is the line a client sends.
type request struct {
	V         int    `json:"v"`
	Op        string `json:"op"`
	Platform  string `json:"platform,omitempty"`
	User      string `json:"user,omitempty"`
	Text      string `json:"text,omitempty"`
	TimeoutMS int64  `json:"timeout_ms,omitempty"`
}

// response is the line a server answers; a backup's bytes follow it.
type response struct {
	V     int    `json:"v"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`

	PID     int       `json:"pid,omitempty"`
	Store   string    `json:"store,omitempty"`
	Started time.Time `json:"started,omitzero"`

	Reply      string `json:"reply,omitempty"`
	Failed     bool   `json:"failed,omitempty"`
	NotCommand bool   `json:"not_command,omitempty"`

	Size int64 `json:"size,omitempty"`
}

// encodeLine is v as one line of JSON.
func encodeLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("control: encode: %w", err)
	}
	return append(b, '\n'), nil
}
