package sshpool_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

func TestKeyFileAuth(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	p := newPool(t, h.options(t))
	if err := checkEcho(ctx, p, h.h, echoSocket(t)); err != nil {
		t.Fatal(err)
	}
	if got, want := p.AuthMethod(h.h), "key "+h.key; got != want {
		t.Errorf("AuthMethod = %q, want %q", got, want)
	}
}

// TestAuthOrder checks which source the pool authenticates with when several
// are present: agent, then --identity, then default keys.
func TestAuthOrder(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	socket := echoSocket(t)
	authorized := h.key
	stranger, _ := sshdtest.NewKey(t, "") // not authorized on the host
	missing := t.TempDir() + "/id_ecdsa"

	type testCase struct {
		name        string
		agentKeys   []string
		identity    string
		defaultKeys []string
		want        string
	}
	fn := func(t *testing.T, tc testCase) {
		opts := h.options(t)
		opts.Identity, opts.DefaultKeys = tc.identity, tc.defaultKeys
		if tc.agentKeys != nil {
			opts.AgentSocket = sshdtest.StartAgent(t, tc.agentKeys...)
		}
		p := newPool(t, opts)
		if err := checkEcho(testContext(t), p, h.h, socket); err != nil {
			t.Fatal(err)
		}
		if got := p.AuthMethod(h.h); got != tc.want {
			t.Errorf("AuthMethod = %q, want %q", got, tc.want)
		}
	}
	for _, tc := range []testCase{{
		name:      "agent first",
		agentKeys: []string{authorized}, identity: authorized, want: "agent",
	}, {
		name:      "agent without the key, then identity",
		agentKeys: []string{stranger}, identity: authorized, want: "key " + authorized,
	}, {
		name:      "empty agent, then identity",
		agentKeys: []string{}, identity: authorized, want: "key " + authorized,
	}, {
		name:     "identity refused, then default key",
		identity: stranger, defaultKeys: []string{missing, authorized}, want: "default key " + authorized,
	}} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestPassphraseKey(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	key, pub := sshdtest.NewKey(t, "s3cret phrase")
	h.srv.AuthorizeKey(pub)
	opts := h.options(t)
	opts.Identity = key

	t.Run("with passphrase", func(t *testing.T) {
		opts := opts
		opts.Passphrase = "s3cret phrase"
		p := newPool(t, opts)
		if err := checkEcho(testContext(t), p, h.h, echoSocket(t)); err != nil {
			t.Fatal(err)
		}
		if got, want := p.AuthMethod(h.h), "key "+key; got != want {
			t.Errorf("AuthMethod = %q, want %q", got, want)
		}
	})
	t.Run("without passphrase", func(t *testing.T) {
		_, err := sshpool.New(opts)
		if err == nil || !strings.Contains(err.Error(), "set PARATEST_SSH_PASSPHRASE") || !strings.Contains(err.Error(), key) {
			t.Fatalf("New = %v, want an error naming %s and saying to set PARATEST_SSH_PASSPHRASE", err, key)
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		opts := opts
		opts.Passphrase = "wrong"
		_, err := sshpool.New(opts)
		if err == nil || !strings.Contains(err.Error(), "wrong passphrase") || strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("New = %v, want a wrong passphrase error", err)
		}
	})
	t.Run("encrypted default key without passphrase is skipped", func(t *testing.T) {
		opts := opts
		opts.Identity, opts.DefaultKeys = "", []string{key}
		p := newPool(t, opts)
		_, err := p.Client(testContext(t), h.h)
		var authErr *sshpool.AuthError
		if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "default key "+key+" (the key is protected by a passphrase: set PARATEST_SSH_PASSPHRASE)") {
			t.Fatalf("Client = %v, want an *AuthError saying the default key was skipped", err)
		}
	})
}

func TestAuthRefused(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	stranger, _ := sshdtest.NewKey(t, "")
	opts := h.options(t)
	opts.Identity = stranger
	opts.AgentSocket = sshdtest.StartAgent(t, stranger)
	p := newPool(t, opts)

	_, err := p.Client(testContext(t), h.h)
	var authErr *sshpool.AuthError
	if !errors.As(err, &authErr) {
		t.Fatalf("Client = %v, want an *AuthError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"dial " + h.h.Name + " (" + h.srv.Addr() + ":",
		"authentication as " + h.h.User + " refused",
		"tried agent (1 key), key " + stranger + " (SHA256:",
		"authorized_keys",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if p.AuthMethod(h.h) != "" {
		t.Errorf("AuthMethod = %q after a refusal, want empty", p.AuthMethod(h.h))
	}
}

func TestNoKeys(t *testing.T) {
	h := startHost(t, "127.0.0.2")
	opts := h.options(t)
	opts.Identity = ""
	p := newPool(t, opts)
	_, err := p.Client(testContext(t), h.h)
	if err == nil || !strings.Contains(err.Error(), "no SSH key to offer") {
		t.Fatalf("Client = %v, want no SSH key to offer", err)
	}
}
