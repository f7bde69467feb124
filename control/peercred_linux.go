//go:build linux

package control

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerCredsChecked: on Linux the kernel tells each end of a unix socket who the other is.
const peerCredsChecked = true

// peer is the process at the other end of c, as the kernel recorded it at connect (SO_PEERCRED):
// it cannot be forged by the peer.
func peer(c *net.UnixConn) (uid, pid int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, 0, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return -1, 0, fmt.Errorf("peer credentials: %w", err)
	}
	if serr != nil {
		return -1, 0, fmt.Errorf("peer credentials (SO_PEERCRED): %w", serr)
	}
	return int(cred.Uid), int(cred.Pid), nil
}
