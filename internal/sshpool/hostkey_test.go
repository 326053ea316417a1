package sshpool_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

func TestHostKeyVerified(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	p := newPool(t, h.options(t))
	if _, err := p.Client(testContext(t), h.h); err != nil {
		t.Fatal(err)
	}
	fp, status := p.HostKey(h.h)
	if want := ssh.FingerprintSHA256(h.srv.HostKey()); fp != want || status != sshpool.KeyVerified {
		t.Errorf("HostKey = %q, %q; want %q, %q", fp, status, want, sshpool.KeyVerified)
	}
}

func TestUnknownHostKey(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	opts := h.options(t)
	opts.KnownHosts = sshdtest.KnownHosts(t) // empty
	p := newPool(t, opts)

	_, err := p.Client(testContext(t), h.h)
	var keyErr *sshpool.HostKeyError
	if !errors.As(err, &keyErr) || !keyErr.Unknown {
		t.Fatalf("Client = %v, want a *HostKeyError for an unknown key", err)
	}
	fp := ssh.FingerprintSHA256(h.srv.HostKey())
	want := fmt.Sprintf("host key of %s (%s:%d) is unknown: %s ; add it with: ssh-keyscan -p %d %s >> %s (after checking the fingerprint)",
		h.h.Name, h.srv.Addr(), h.srv.Port(), fp, h.srv.Port(), h.srv.Addr(), opts.KnownHosts)
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if gotFP, status := p.HostKey(h.h); gotFP != fp || status != sshpool.KeyUnknown {
		t.Errorf("HostKey = %q, %q; want %q, %q", gotFP, status, fp, sshpool.KeyUnknown)
	}
}

func TestMissingKnownHostsFile(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	opts := h.options(t)
	opts.KnownHosts = t.TempDir() + "/no/known_hosts"
	p := newPool(t, opts)
	_, err := p.Client(testContext(t), h.h)
	var keyErr *sshpool.HostKeyError
	if !errors.As(err, &keyErr) || !keyErr.Unknown {
		t.Fatalf("Client = %v, want a *HostKeyError for an unknown key", err)
	}
}

func TestChangedHostKey(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	p := newPool(t, h.options(t))
	if _, err := p.Client(ctx, h.h); err != nil {
		t.Fatal(err)
	}
	old := ssh.FingerprintSHA256(h.srv.HostKey())

	h.srv.Rekey() // drops the connection too
	_, err := p.DialUnix(ctx, h.h, echoSocket(t))
	var keyErr *sshpool.HostKeyError
	if !errors.As(err, &keyErr) || !keyErr.Changed {
		t.Fatalf("Client after Rekey = %v, want a *HostKeyError for a changed key", err)
	}
	fp := ssh.FingerprintSHA256(h.srv.HostKey())
	msg := err.Error()
	for _, want := range []string{
		fmt.Sprintf("host key of %s (%s:%d) CHANGED", h.h.Name, h.srv.Addr(), h.srv.Port()),
		"the host offers ssh-ed25519 " + fp,
		fmt.Sprintf("but known_hosts has ssh-ed25519 %s at %s:1", old, h.knownHosts),
		fmt.Sprintf("ssh-keygen -R '[%s]:%d' -f %s", h.srv.Addr(), h.srv.Port(), h.knownHosts),
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if gotFP, status := p.HostKey(h.h); gotFP != fp || status != sshpool.KeyChanged {
		t.Errorf("HostKey = %q, %q; want %q, %q", gotFP, status, fp, sshpool.KeyChanged)
	}
}

func TestInsecureIgnoreHostKey(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	opts := h.options(t)
	opts.KnownHosts = sshdtest.KnownHosts(t) // empty
	opts.InsecureIgnoreHostKey = true
	var mu sync.Mutex
	var warnings []string
	opts.Warnf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}
	p := newPool(t, opts)
	socket := echoSocket(t)
	for range 2 {
		if err := checkEcho(testContext(t), p, h.h, socket); err != nil {
			t.Fatal(err)
		}
	}
	if fp, status := p.HostKey(h.h); fp != ssh.FingerprintSHA256(h.srv.HostKey()) || status != sshpool.KeyNotChecked {
		t.Errorf("HostKey = %q, %q; want the fingerprint, %q", fp, status, sshpool.KeyNotChecked)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "NOT verified") {
		t.Errorf("warnings = %q, want one saying host keys are NOT verified", warnings)
	}
}

// TestKnownKeyTypeNegotiated: a host with ECDSA and Ed25519 keys, known by its
// Ed25519 key alone (what ssh records), is verified: x/crypto by default prefers
// ECDSA and would report the key CHANGED.
func TestKnownKeyTypeNegotiated(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.2", HostKeyTypes: []string{"ed25519", "ecdsa", "rsa"}})
	key, pub := sshdtest.NewKey(t, "")
	srv.AuthorizeKey(pub)
	h := sshpool.Host{Name: "build-01", Address: srv.Addr(), Port: srv.Port()}
	p := newPool(t, sshpool.Options{
		KnownHosts: sshdtest.KnownHosts(t, srv.KnownHostsLine()), Identity: key, DefaultKeys: []string{},
	})
	if _, err := p.Client(testContext(t), h); err != nil {
		t.Fatal(err)
	}
	if _, status := p.HostKey(h); status != sshpool.KeyVerified {
		t.Errorf("host key status %q, want %q", status, sshpool.KeyVerified)
	}
}
