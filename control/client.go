package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"
)

// StatusOf asks the bot serving the socket at path who it is. ErrNoServer when none does.
func StatusOf(ctx context.Context, path string) (Status, error) {
	conn, _, resp, err := call(ctx, path, request{Op: OpStatus})
	if err != nil {
		return Status{}, err
	}
	conn.Close()
	return Status{Version: resp.V, PID: resp.PID, Store: resp.Store, Started: resp.Started}, nil
}

// Exec runs a command inside the bot serving the socket at path. ErrNoServer when none does;
// then nothing ran.
func Exec(ctx context.Context, path string, er ExecRequest) (ExecResult, error) {
	req := request{Op: OpExec, Platform: er.Platform, User: er.User, Text: er.Text, TimeoutMS: er.Timeout.Milliseconds()}
	conn, _, resp, err := call(ctx, path, req)
	if err != nil {
		return ExecResult{}, err
	}
	conn.Close()
	return ExecResult{Reply: resp.Reply, Failed: resp.Failed, NotCommand: resp.NotCommand}, nil
}

// Backup has the bot serving the socket at path send a consistent copy of its store, written to
// the writer sink returns (called once with the copy's size). It returns the bytes written; a
// copy that ends short is an error. ErrNoServer when no bot serves the socket.
func Backup(ctx context.Context, path string, sink func(size int64) (io.Writer, error)) (int64, error) {
	conn, r, resp, err := call(ctx, path, request{Op: OpBackup})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	w, err := sink(resp.Size)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(w, io.LimitReader(r, resp.Size))
	if err != nil {
		if ctx.Err() != nil {
			return n, fmt.Errorf("control: backup: %w", ctx.Err())
		}
		return n, fmt.Errorf("control: backup: reading the copy: %w", err)
	}
	if n != resp.Size {
		return n, fmt.Errorf("control: backup: the bot stopped after %d of %d bytes (see its log)", n, resp.Size)
	}
	return n, nil
}

// call connects, sends req and reads the response line. On success the caller closes conn and
// reads what follows from r.
func call(ctx context.Context, path string, req request) (net.Conn, *bufio.Reader, response, error) {
	conn, err := dial(ctx, path)
	if err != nil {
		return nil, nil, response{}, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (net.Conn, *bufio.Reader, response, error) {
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil, nil, response{}, fmt.Errorf("control: %s: %w", req.Op, ctx.Err())
		}
		return nil, nil, response{}, err
	}
	req.V = Version
	line, err := encodeLine(req)
	if err != nil {
		return fail(err)
	}
	if len(line) > MaxRequestBytes {
		return fail(fmt.Errorf("control: %s: request of %d bytes is longer than %d", req.Op, len(line), MaxRequestBytes))
	}
	_, werr := conn.Write(line)
	// A bot that refuses us answers before reading: its answer may be waiting although our
	// request could not be sent.
	r := bufio.NewReader(conn)
	raw, err := r.ReadBytes('\n')
	if err != nil {
		if werr != nil {
			return fail(fmt.Errorf("control: %s: send: %w", req.Op, werr))
		}
		return fail(fmt.Errorf("control: %s: the bot closed the connection without answering: %w", req.Op, err))
	}
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fail(fmt.Errorf("control: %s: unreadable answer: %w", req.Op, err))
	}
	if !resp.OK {
		return fail(&RefusedError{Op: req.Op, Msg: resp.Error, Version: resp.V})
	}
	return &stoppingConn{Conn: conn, stop: stop}, r, resp, nil
}

// stoppingConn releases the context watch when closed.
type stoppingConn struct {
	net.Conn
	stop func() bool
}

func (c *stoppingConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// RefusedError is a bot's refusal of a request (another user, another protocol version, a
// failed backup).
type RefusedError struct {
	Op, Msg string
	Version int // the protocol version the bot speaks
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("control: %s: the bot says: %s", e.Op, e.Msg)
}

// dial connects to the socket at path and checks that the bot runs as this user.
func dial(ctx context.Context, path string) (net.Conn, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("control: %s: %w", path, ErrNoServer) // known before any deadline
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return nil, fmt.Errorf("control: %s: %w", path, ErrNoServer)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("control: %s belongs to another user: run partnerbot as the bot's user: %w", path, err)
	default:
		return nil, fmt.Errorf("control: connect to %s: %w", path, err)
	}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("control: %s: not a unix socket connection", path)
	}
	uid, _, err := peer(uc)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("control: %s: %w", path, err)
	}
	if peerCredsChecked && uid != os.Getuid() {
		conn.Close()
		return nil, fmt.Errorf("control: %s is served by uid %d, not by this user (uid %d); refusing to talk to it", path, uid, os.Getuid())
	}
	return conn, nil
}
