package sshpool_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

// TestJumpHost reaches host B through bastion A, both real sshd. The pool's own
// TCP dials are recorded: it must never dial B itself.
func TestJumpHost(t *testing.T) {
	ctx := testContext(t)
	a, b := startHost(t, "127.0.0.2"), startHost(t, "127.0.0.3")
	b.srv.AuthorizeKey(mustRead(t, a.key+".pub"))
	opts := a.options(t)
	opts.KnownHosts = sshdtest.KnownHosts(t, a.srv.KnownHostsLine(), b.srv.KnownHostsLine())
	p := newPool(t, opts)
	var mu sync.Mutex
	var dialled []string
	sshpool.SetDialTCP(p, func(ctx context.Context, addr string) (net.Conn, error) {
		mu.Lock()
		dialled = append(dialled, addr)
		mu.Unlock()
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	})
	target := b.h
	target.Jump = &sshpool.Jump{Address: a.srv.Addr(), Port: a.srv.Port(), User: a.h.User}

	if err := checkEcho(ctx, p, target, echoSocket(t)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if want := []string{net.JoinHostPort(a.srv.Addr(), itoa(a.srv.Port()))}; !slices.Equal(dialled, want) {
		t.Errorf("the pool dialled %q itself, want only the bastion %q", dialled, want)
	}
	mu.Unlock()
	if got, want := p.AuthMethod(target), "key "+a.key; got != want {
		t.Errorf("AuthMethod = %q, want %q", got, want)
	}
	if _, status := p.HostKey(target); status != sshpool.KeyVerified {
		t.Errorf("host key status %q, want %q", status, sshpool.KeyVerified)
	}

	// The bastion dying takes the target's connection with it; both are redialled.
	c1, err := p.Client(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	a.srv.KillSessions()
	waitClosed(t, ctx, c1)
	if err := checkEcho(ctx, p, target, echoSocket(t)); err != nil {
		t.Fatal(err)
	}
}

// TestJumpHostUnknownTarget: the target's key is checked too, and the fix runs
// ssh-keyscan on the bastion, since this machine may not reach the target.
func TestJumpHostUnknownTarget(t *testing.T) {
	a, b := startHost(t, "127.0.0.2"), startHost(t, "127.0.0.3")
	b.srv.AuthorizeKey(mustRead(t, a.key+".pub"))
	p := newPool(t, a.options(t)) // knows A only
	target := b.h
	target.Jump = &sshpool.Jump{Address: a.srv.Addr(), Port: a.srv.Port(), User: a.h.User}

	_, err := p.Client(testContext(t), target)
	var keyErr *sshpool.HostKeyError
	if !errors.As(err, &keyErr) || !keyErr.Unknown || keyErr.Host != b.h.Name {
		t.Fatalf("Client = %v, want an unknown host key error for %s", err, b.h.Name)
	}
	want := "add it with: ssh -p " + itoa(a.srv.Port()) + " " + a.h.User + "@" + a.srv.Addr() +
		" ssh-keyscan -p " + itoa(b.srv.Port()) + " " + b.srv.Addr() + " >> "
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
}
