package etcdtest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// peerProxy listens on a member's advertised peer URL and forwards each connection to the
// member's real peer listener. Every member reaches this member through it.
//
// etcd's raft transport (rafthttp) carries a message from A to B on a connection that B dialled
// to A (stream readers pull), or that A dialled to B (pipeline posts), so cutting only the
// proxy of the member to isolate would leave half of its traffic flowing. Each proxy therefore
// reads the first request of every connection and notes its sender from the X-Server-From
// header rafthttp sets on stream and pipeline requests: a partition refuses connections to the
// isolated member, connections from it to anyone, and, while any partition stands, connections
// whose sender is unknown (probes and version checks, which carry no header and would otherwise
// be reused by a keep-alive pipeline).
type peerProxy struct {
	ln net.Listener

	mu     sync.Mutex
	target string                  // host:port of the member's peer listener
	refuse func(from string) bool  // nil: pass everything
	conns  map[*proxyConn]struct{} // open connections
	closed bool
}

// proxyConn is one forwarded connection; from is the sender's member id ("" when unknown).
type proxyConn struct {
	from    string
	in, out net.Conn
}

func (c *proxyConn) close() {
	c.in.Close()
	if c.out != nil {
		c.out.Close()
	}
}

// headerTimeout bounds how long a new connection may take to send its first request's header.
const headerTimeout = 5 * time.Second

func newPeerProxy() (*peerProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &peerProxy{ln: ln, conns: map[*proxyConn]struct{}{}}
	go p.serve()
	return p, nil
}

// addr is the proxy's host:port: the member's advertised peer address.
func (p *peerProxy) addr() string { return p.ln.Addr().String() }

func (p *peerProxy) setTarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

func (p *peerProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(in)
	}
}

func (p *peerProxy) handle(in net.Conn) {
	// Read the first request's header through a tee, so that every byte taken from the
	// connection is forwarded as it came.
	var head bytes.Buffer
	_ = in.SetReadDeadline(time.Now().Add(headerTimeout))
	req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(in, &head)))
	_ = in.SetReadDeadline(time.Time{})
	if err != nil {
		in.Close()
		return
	}
	c := &proxyConn{from: req.Header.Get("X-Server-From"), in: in}

	p.mu.Lock()
	target := p.target
	if p.closed || p.refuse != nil && p.refuse(c.from) {
		p.mu.Unlock()
		in.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()
	defer p.forget(c)

	out, err := net.DialTimeout("tcp", target, time.Second)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	_, open := p.conns[c]
	if open {
		c.out = out
	}
	p.mu.Unlock()
	if !open { // cut while dialling
		in.Close()
		out.Close()
		return
	}
	if _, err := out.Write(head.Bytes()); err != nil {
		c.close()
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(out, in)
		c.close()
		close(done)
	}()
	_, _ = io.Copy(in, out)
	c.close()
	<-done
}

func (p *peerProxy) forget(c *proxyConn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// setRefuse installs the rule for new connections and cuts the open ones it refuses.
func (p *peerProxy) setRefuse(refuse func(from string) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = refuse
	if refuse == nil {
		return
	}
	for c := range p.conns {
		if refuse(c.from) {
			c.close()
			delete(p.conns, c)
		}
	}
}

// close stops listening and cuts every connection.
func (p *peerProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for c := range p.conns {
		c.close()
		delete(p.conns, c)
	}
}
