package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// socketMode is the control socket's permission: its owner only.
const socketMode fs.FileMode = 0o600

// Server timing and limits.
const (
	requestTimeout = 10 * time.Second // to read the request line
	idleWrite      = 30 * time.Second // longest a client may leave a write (a backup's bytes) unread
	maxConns       = 16               // connections handled at once; more wait to be accepted
	staleDial      = time.Second      // how long RemoveStale waits for an answer
)

// Handler is what a server runs for its clients.
type Handler struct {
	// Exec runs one chat command inside the bot.
	Exec func(ctx context.Context, r ExecRequest) ExecResult
	// Backup writes a consistent copy of the store to the writer sink returns, calling sink once
	// with the copy's size before the first byte (*store.Store's Backup).
	Backup func(ctx context.Context, sink func(size int64) (io.Writer, error)) (int64, error)
}

// Server is a listening control socket. Serve answers clients until its context ends.
type Server struct {
	path    string
	store   string
	ln      *net.UnixListener
	uid     int // the only peer uid let in
	log     *slog.Logger
	started time.Time
}

// Listen creates the control socket at path (see SocketPath) for the store file at storePath,
// with mode 0600. The caller must hold the store's lock: a socket file already at path is then
// stale (a bot that crashed) and is removed, as RemoveStale does. A socket another process still
// answers on, or a path that is not a socket, is an error and left alone.
func Listen(path, storePath string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := RemoveStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		if len(path) > 100 {
			return nil, fmt.Errorf("control: listen on %s: %w (a unix socket path is limited to about 104 bytes: put the store on a shorter path)", path, err)
		}
		return nil, fmt.Errorf("control: listen on %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(true)
	// Connecting needs write permission on the socket: the owner's alone from here on. Until this
	// chmod the umask applies; the peer check below turns away anyone else who got in between.
	if err := os.Chmod(path, socketMode); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("control: %s: restrict to the owner: %w", path, err)
	}
	return &Server{path: path, store: storePath, ln: ln, uid: os.Getuid(), log: log, started: time.Now()}, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Serve answers clients with h until ctx ends, then closes the socket (removing its file) and
// returns once the requests in flight, whose contexts end with ctx, have returned.
func (s *Server) Serve(ctx context.Context, h Handler) {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { _ = s.ln.Close() })
	defer stop()
	sem := make(chan struct{}, maxConns)
	for {
		conn, err := s.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.log.Error("control socket: accept", "error", err)
				// A persistent accept failure (out of descriptors) must not spin.
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
					continue
				}
			}
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			_ = conn.Close()
			continue // the listener is closing: Accept fails next
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.handle(ctx, conn, h)
		}()
	}
	_ = s.ln.Close()
	wg.Wait()
}

// handle answers one connection.
func (s *Server) handle(ctx context.Context, conn *net.UnixConn, h Handler) {
	defer conn.Close()
	uid, pid, err := peer(conn)
	if err != nil {
		s.log.Error("control socket: refusing a client whose identity cannot be read", "error", err)
		s.answer(conn, response{Error: "the bot cannot tell who you are; refused"})
		return
	}
	if peerCredsChecked && uid != s.uid {
		s.log.Warn("control socket: refused a client of another user", "peer_uid", uid, "peer_pid", pid, "bot_uid", s.uid)
		s.answer(conn, response{Error: fmt.Sprintf("refused: you are uid %d, the bot runs as uid %d; run partnerbot as the bot's user", uid, s.uid)})
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(requestTimeout))
	r := bufio.NewReaderSize(io.LimitReader(conn, MaxRequestBytes+1), 4096)
	line, err := r.ReadBytes('\n')
	if err != nil {
		if len(line) > MaxRequestBytes {
			s.answer(conn, response{Error: fmt.Sprintf("request longer than %d bytes", MaxRequestBytes)})
		}
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		s.answer(conn, response{Error: "the request is not JSON: " + err.Error()})
		return
	}
	if req.V < 1 || req.V > Version {
		s.answer(conn, response{Error: fmt.Sprintf("control protocol version %d is not one this bot speaks (1 to %d): use the partnerbot release the bot runs", req.V, Version)})
		return
	}
	switch req.Op {
	case OpStatus:
		s.answer(conn, response{OK: true, PID: os.Getpid(), Store: s.store, Started: s.started})
	case OpExec:
		s.exec(ctx, conn, req, h)
	case OpBackup:
		s.backup(ctx, conn, h)
	default:
		s.answer(conn, response{Error: fmt.Sprintf("unknown operation %q", req.Op)})
	}
}

// exec runs a command; the client hanging up cancels it.
func (s *Server) exec(ctx context.Context, conn *net.UnixConn, req request, h Handler) {
	if h.Exec == nil {
		s.answer(conn, response{Error: "this bot does not run commands"})
		return
	}
	if req.Platform == "" || req.User == "" || req.Text == "" {
		s.answer(conn, response{Error: "exec needs a platform, a user and a text"})
		return
	}
	timeout := time.Duration(req.TimeoutMS) * time.Millisecond
	if timeout <= 0 {
		timeout = DefaultExecTimeout
	}
	timeout = min(timeout, MaxExecTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The client sends nothing more: a read that ends means it hung up (Ctrl-C, its deadline).
	go func() {
		var b [1]byte
		_, _ = conn.Read(b[:])
		cancel()
	}()
	res := h.Exec(ctx, ExecRequest{Platform: req.Platform, User: req.User, Text: req.Text, Timeout: timeout})
	s.log.Info("control socket: exec", "platform", req.Platform, "user", req.User, "failed", res.Failed, "not_command", res.NotCommand)
	s.answer(conn, response{OK: true, Reply: res.Reply, Failed: res.Failed, NotCommand: res.NotCommand})
}

// backup streams a consistent copy of the store after a line giving its size.
func (s *Server) backup(ctx context.Context, conn *net.UnixConn, h Handler) {
	if h.Backup == nil {
		s.answer(conn, response{Error: "this bot does not take backups"})
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &deadlineWriter{conn: conn}
	bw := bufio.NewWriterSize(w, 256<<10)
	started := false
	n, err := h.Backup(ctx, func(size int64) (io.Writer, error) {
		line, err := encodeLine(response{V: Version, OK: true, Size: size})
		if err != nil {
			return nil, err
		}
		started = true
		if _, err := bw.Write(line); err != nil {
			return nil, err
		}
		return bw, nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr // on an error, what is buffered still goes: the client then sees the copy end short
	}
	switch {
	case err != nil && !started:
		s.log.Error("control socket: backup", "error", err)
		s.answer(conn, response{Error: "backup: " + err.Error()})
	case err != nil:
		// The size is sent: the client sees the copy end short.
		s.log.Error("control socket: backup cut short", "error", err, "bytes", n)
	default:
		s.log.Info("control socket: backup sent", "bytes", n)
	}
}

// answer writes r as the response line.
func (s *Server) answer(conn net.Conn, r response) {
	r.V = Version
	line, err := encodeLine(r)
	if err != nil {
		s.log.Error("control socket: answer", "error", err)
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(idleWrite))
	if _, err := conn.Write(line); err != nil {
		s.log.Warn("control socket: the client left before the answer", "error", err)
	}
}

// deadlineWriter gives every write idleWrite to go through, so a client that stops reading
// cannot hold a backup's read transaction open for ever.
type deadlineWriter struct{ conn net.Conn }

func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.conn.SetWriteDeadline(time.Now().Add(idleWrite))
	return d.conn.Write(p)
}

// RemoveStale removes the socket file at path when nobody listens on it (a bot that crashed
// left it). The caller must hold the store's lock, so that no bot of this store can be starting
// to serve it. No file is fine; a socket something answers on, or a path that is not a socket,
// is an error and left alone.
func RemoveStale(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	if info.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("control: %s is in the way of the control socket and is not a socket (%s); move it away", path, info.Mode().Type())
	}
	conn, err := net.DialTimeout("unix", path, staleDial)
	if err == nil {
		_ = conn.Close()
		return fmt.Errorf("control: another process answers on %s although this one holds the store; is a second partnerbot sharing the file through another path?", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("control: cannot tell whether %s is stale: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("control: remove the stale socket: %w", err)
	}
	return nil
}
