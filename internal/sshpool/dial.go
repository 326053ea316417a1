package sshpool

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshake is what one dial learned, kept for AuthMethod and HostKey even when
// the dial fails.
type handshake struct {
	auth        string // the source the host accepted
	fingerprint string
	keyStatus   string
}

// seenKey is what the host key callback found. x/crypto calls it from its key
// exchange goroutine, which may outlive a handshake its deadline cut short.
type seenKey struct {
	mu          sync.Mutex
	fingerprint string
	status      string
	err         *HostKeyError
}

// dial connects to t and authenticates. TCP connect and handshake together are
// bounded by HandshakeTimeout: ClientConfig.Timeout would cover only the connect,
// and a host that accepts TCP but never speaks SSH would hang the handshake
// forever. The bound is enforced by closing the connection, which works for a
// channel through a jump host too (those have no deadlines).
func (p *Pool) dial(ctx context.Context, t *target) (*ssh.Client, handshake, error) {
	var seen seenKey
	c, auth, err := p.handshake(ctx, t, &seen)
	seen.mu.Lock()
	defer seen.mu.Unlock()
	hs := handshake{auth: auth, fingerprint: seen.fingerprint, keyStatus: seen.status}
	if seen.err != nil {
		err = seen.err // whatever else went wrong, this is what to fix
	}
	return c, hs, err
}

// handshake dials t and returns the client and the auth source it used.
func (p *Pool) handshake(ctx context.Context, t *target, seen *seenKey) (*ssh.Client, string, error) {
	ctx, cancel := p.withTimeout(ctx, p.opts.HandshakeTimeout, phaseConnect)
	defer cancel()

	conn, err := p.connect(ctx, t)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		var keyErr *HostKeyError
		if errors.As(err, &keyErr) { // the jump host's key
			return nil, "", err
		}
		return nil, "", t.dialError(err)
	}

	auth := newAuthAttempt(ctx, p.keys, t.User)
	defer auth.close()
	config := &ssh.ClientConfig{
		User:              t.User,
		AuthCallback:      auth.callback,
		HostKeyAlgorithms: p.hostKeys.algorithms(t.addr),
		HostKeyCallback: func(_ string, remote net.Addr, key ssh.PublicKey) error {
			return p.checkHostKey(t, remote, key, seen)
		},
	}
	if p.opts.InsecureIgnoreHostKey {
		config.HostKeyAlgorithms = nil
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, t.addr, config)
	if !stop() { // the deadline or Close closed the connection
		if err == nil {
			c.Close()
		}
		err = context.Cause(ctx)
		var te *TimeoutError
		if errors.As(err, &te) {
			err = &TimeoutError{Phase: phaseHandshake, After: te.After}
		}
		return nil, "", t.dialError(err)
	}
	if err != nil {
		var authErr *AuthError
		switch {
		case errors.As(err, &authErr):
			err = authErr // without x/crypto's "ssh: handshake failed: "
		case auth.current != "" || len(auth.tried) > 0:
			err = auth.refused(err) // e.g. sshd disconnected after MaxAuthTries
		}
		return nil, "", t.dialError(err)
	}
	used := auth.current
	if used == "" {
		used = "none"
	}
	return ssh.NewClient(c, chans, reqs), used, nil
}

// connect opens the byte stream the SSH connection runs over: TCP to t, or a
// channel through t's jump host.
func (p *Pool) connect(ctx context.Context, t *target) (net.Conn, error) {
	if t.jump == nil {
		conn, err := p.dialTCP(ctx, t.addr)
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			err = opErr.Err // "connect: connection refused", without repeating the address
		}
		return conn, err
	}
	for attempt := 0; ; attempt++ {
		bastion, err := p.Client(ctx, t.jump.Host)
		if err != nil {
			return nil, err
		}
		conn, err := bastion.DialContext(ctx, "tcp", t.addr)
		var refused *ssh.OpenChannelError
		if err == nil || errors.As(err, &refused) || ctx.Err() != nil || attempt > 0 {
			return conn, err
		}
		// The bastion's connection died and the pool has not noticed yet.
		bastion.Close()
		p.drop(t.jump, bastion)
	}
}

func (p *Pool) checkHostKey(t *target, remote net.Addr, key ssh.PublicKey, seen *seenKey) error {
	var err error
	status := KeyNotChecked
	if !p.opts.InsecureIgnoreHostKey {
		err = p.hostKeys.verify(t, remote, key)
		status = KeyVerified
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	seen.fingerprint, seen.status = ssh.FingerprintSHA256(key), status
	var keyErr *HostKeyError
	if errors.As(err, &keyErr) {
		seen.status, seen.err = keyErr.status(), keyErr
	} else if err != nil {
		seen.status = ""
	}
	return err
}

// withTimeout is context.WithTimeout on the pool's clock; the cause says which
// phase timed out.
func (p *Pool) withTimeout(parent context.Context, d time.Duration, phase string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	timer := p.opts.After(d)
	go func() {
		select {
		case <-timer:
			cancel(&TimeoutError{Phase: phase, After: d})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(context.Canceled) }
}

func defaultDialTCP(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}
