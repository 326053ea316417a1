package sshpool

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrClosed is returned by a Pool that has been closed.
var ErrClosed = errors.New("ssh pool closed")

// DialError is returned when a host cannot be reached, or when a channel to a unix
// socket on it cannot be opened. Err says why; it may be a *TimeoutError or an
// *AuthError. Host key failures are returned as *HostKeyError, not wrapped in a
// DialError: their message names the host itself.
type DialError struct {
	Host   string // the host's Name
	Addr   string // host:port
	Jump   string // host:port of the jump host, if any
	Socket string // for DialUnix: the unix socket on the host
	Err    error
}

func (e *DialError) Error() string {
	where := e.Addr
	if e.Jump != "" {
		where += " via jump host " + e.Jump
	}
	if e.Socket != "" {
		return fmt.Sprintf("dial unix %s on %s (%s): %v", e.Socket, e.Host, where, e.Err)
	}
	return fmt.Sprintf("dial %s (%s): %v", e.Host, where, e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

// TimeoutError says that connecting or the SSH handshake took longer than
// Options.HandshakeTimeout.
type TimeoutError struct {
	Phase string // "TCP connect" or "SSH handshake"
	After time.Duration
}

func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("%s timed out after %s", e.Phase, e.After)
	if e.Phase == phaseHandshake {
		msg += " (is an SSH server listening there, and is the network dropping packets?)"
	}
	return msg
}

// Timeout reports true, as net.Error does for timeouts.
func (e *TimeoutError) Timeout() bool { return true }

const (
	phaseConnect   = "TCP connect"
	phaseHandshake = "SSH handshake"
)

// AuthError says that the host refused every key the pool offered.
type AuthError struct {
	User    string
	Tried   []string // what was offered, in order: "agent (2 keys)", "key /path (SHA256:…)"
	Skipped []string // keys that could not be offered, and why
	Methods []string // the methods the host accepts, when it does not accept public keys
	Err     error    // what ended the attempt early (e.g. the host disconnected), if anything
}

func (e *AuthError) Error() string {
	var b strings.Builder
	switch {
	case e.Methods != nil:
		fmt.Fprintf(&b, "the host does not accept public-key authentication for %s (it offers: %s)",
			e.User, strings.Join(e.Methods, ", "))
	case len(e.Tried) == 0:
		fmt.Fprintf(&b, "no SSH key to offer as %s: no ssh-agent (SSH_AUTH_SOCK), no --identity key, no default key in ~/.ssh", e.User)
	default:
		fmt.Fprintf(&b, "authentication as %s refused; tried %s", e.User, strings.Join(e.Tried, ", "))
	}
	if len(e.Skipped) > 0 {
		fmt.Fprintf(&b, "; skipped %s", strings.Join(e.Skipped, ", "))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "; %v", e.Err)
	}
	if e.Methods == nil && len(e.Tried) > 0 {
		fmt.Fprintf(&b, "; add one of these public keys to ~%s/.ssh/authorized_keys on the host", e.User)
	}
	return b.String()
}

func (e *AuthError) Unwrap() error { return e.Err }
