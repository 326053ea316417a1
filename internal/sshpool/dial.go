package sshpool

import (
	"context"
	"errors"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshake is what one dial learned, kept for AuthMethod and HostKey even when
// the dial fails.
type handshake struct {
	auth        string // the source the host accepted
	fingerprint string
	keyStatus   string
	keyErr      *HostKeyError
}

// dial connects to t and authenticates. TCP connect and handshake together are
// bounded by HandshakeTimeout: ClientConfig.Timeout would cover only the connect,
// and a host that accepts TCP but never speaks SSH would hang the handshake
// forever. The bound is enforced by closing the connection, which works for a
// channel through a jump host too (those have no deadlines).
func (p *Pool) dial(ctx context.Context, t *target, hs *handshake) (*ssh.Client, error) {
	ctx, cancel := p.withTimeout(ctx, p.opts.HandshakeTimeout, phaseConnect)
	defer cancel()

	conn, err := p.connect(ctx, t)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		var keyErr *HostKeyError
		if errors.As(err, &keyErr) { // the jump host's key
			return nil, err
		}
		return nil, t.dialError(err)
	}

	auth := newAuthAttempt(ctx, p.keys, t.User)
	defer auth.close()
	config := &ssh.ClientConfig{
		User:              t.User,
		AuthCallback:      auth.callback,
		HostKeyAlgorithms: p.hostKeys.algorithms(t.addr),
		HostKeyCallback: func(_ string, remote net.Addr, key ssh.PublicKey) error {
			return p.checkHostKey(t, remote, key, hs)
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
		return nil, t.dialError(err)
	}
	if err != nil {
		if hs.keyErr != nil {
			return nil, hs.keyErr
		}
		var authErr *AuthError
		switch {
		case errors.As(err, &authErr):
			err = authErr // without x/crypto's "ssh: handshake failed: "
		case auth.current != "" || len(auth.tried) > 0:
			err = auth.refused(err) // e.g. sshd disconnected after MaxAuthTries
		}
		return nil, t.dialError(err)
	}
	hs.auth = auth.current
	if hs.auth == "" {
		hs.auth = "none"
	}
	return ssh.NewClient(c, chans, reqs), nil
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
	bastion, err := p.Client(ctx, t.jump.Host)
	if err != nil {
		return nil, err
	}
	return bastion.DialContext(ctx, "tcp", t.addr)
}

func (p *Pool) checkHostKey(t *target, remote net.Addr, key ssh.PublicKey, hs *handshake) error {
	hs.fingerprint = ssh.FingerprintSHA256(key)
	if p.opts.InsecureIgnoreHostKey {
		hs.keyStatus = KeyNotChecked
		return nil
	}
	err := p.hostKeys.verify(t, remote, key)
	var keyErr *HostKeyError
	switch {
	case err == nil:
		hs.keyStatus = KeyVerified
	case errors.As(err, &keyErr):
		hs.keyStatus, hs.keyErr = keyErr.status(), keyErr
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
