package sshpool_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

// TestDockerPing talks to the real Docker engine through sshd, the way the Docker
// client will: an http.Transport whose DialContext is DialUnix.
func TestDockerPing(t *testing.T) {
	const socket = "/var/run/docker.sock"
	if _, err := os.Stat(socket); err != nil {
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
			t.Fatalf("PARATEST_REQUIRE_E2E=1 but there is no Docker socket: %v", err)
		}
		t.Skipf("no Docker socket: %v", err)
	}
	h := startHost(t, "127.0.0.2")
	p := newPool(t, h.options(t))
	httpc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return p.DialUnix(ctx, h.h, socket)
		},
	}}
	defer httpc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || string(body) != "OK" {
		t.Errorf("GET /_ping = %s %q, want 200 \"OK\"", resp.Status, body)
	}
}

func TestTwoHostsConcurrently(t *testing.T) {
	ctx := testContext(t)
	a, b := startHost(t, "127.0.0.2"), startHost(t, "127.0.0.3")
	b.srv.AuthorizeKey(mustRead(t, a.key+".pub"))
	opts := a.options(t)
	opts.KnownHosts = sshdtest.KnownHosts(t, a.srv.KnownHostsLine(), b.srv.KnownHostsLine())
	p := newPool(t, opts)
	socket := echoSocket(t)

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		h := a.h
		if i%2 == 1 {
			h = b.h
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- checkEcho(ctx, p, h, socket)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ca, err := p.Client(ctx, a.h)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := p.Client(ctx, b.h)
	if err != nil {
		t.Fatal(err)
	}
	if ca == cb {
		t.Error("both hosts share one client")
	}
}

// TestConcurrentDialUnixOneConnection: the workers of a host dial at once; one
// SSH connection serves them all.
func TestConcurrentDialUnixOneConnection(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	px := startProxy(t, net.JoinHostPort(h.srv.Addr(), itoa(h.srv.Port())))
	opts := h.options(t)
	opts.KnownHosts = sshdtest.KnownHosts(t, knownhosts.Line([]string{px.addr().String()}, h.srv.HostKey()))
	p := newPool(t, opts)
	host := sshpool.Host{Name: "build-01", Address: px.addr().IP.String(), Port: px.addr().Port}
	socket := echoSocket(t)

	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- checkEcho(ctx, p, host, socket)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := px.accepted.Load(); n != 1 {
		t.Errorf("%d TCP connections reached the host, want 1", n)
	}
}

func TestRedialAfterSessionsKilled(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	opts := h.options(t)
	var warned <-chan string
	opts.Warnf, warned = warnings(t)
	p := newPool(t, opts)
	socket := echoSocket(t)

	t.Run("after the pool noticed", func(t *testing.T) {
		c1, err := p.Client(ctx, h.h)
		if err != nil {
			t.Fatal(err)
		}
		h.srv.KillSessions()
		waitWarning(t, ctx, warned, "lost: the connection closed")
		if err := checkEcho(ctx, p, h.h, socket); err != nil {
			t.Fatal(err)
		}
		if c2, err := p.Client(ctx, h.h); err != nil || c2 == c1 {
			t.Errorf("Client = %p, %v; want a new client", c2, err)
		}
	})
	t.Run("at once", func(t *testing.T) {
		// DialUnix may still find the dead client current: it must redial anyway.
		if _, err := p.Client(ctx, h.h); err != nil {
			t.Fatal(err)
		}
		h.srv.KillSessions()
		if err := checkEcho(ctx, p, h.h, socket); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("after restart", func(t *testing.T) {
		c1, err := p.Client(ctx, h.h)
		if err != nil {
			t.Fatal(err)
		}
		h.srv.Restart()
		waitClosed(t, ctx, c1)
		if err := checkEcho(ctx, p, h.h, socket); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStoppedHost(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	opts := h.options(t)
	opts.HandshakeTimeout = 2 * time.Second
	p := newPool(t, opts)
	if _, err := p.Client(ctx, h.h); err != nil {
		t.Fatal(err)
	}
	h.srv.Stop()
	_, err := p.DialUnix(ctx, h.h, echoSocket(t))
	var dialErr *sshpool.DialError
	if !errors.As(err, &dialErr) {
		t.Fatalf("DialUnix = %v, want a *DialError", err)
	}
	want := "dial " + h.h.Name + " (" + h.srv.Addr() + ":" + itoa(h.srv.Port()) + "): connect: connection refused"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), "failed to") {
		t.Errorf("error %q says \"failed to\"", err)
	}
}

// TestHandshakeTimeout: a host that accepts TCP but never speaks SSH fails the
// dial after HandshakeTimeout instead of hanging it.
func TestHandshakeTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	key, _ := sshdtest.NewKey(t, "")
	p := newPool(t, sshpool.Options{
		KnownHosts: sshdtest.KnownHosts(t), Identity: key, DefaultKeys: []string{},
		HandshakeTimeout: 300 * time.Millisecond,
	})
	addr := l.Addr().(*net.TCPAddr)
	_, err = p.Client(testContext(t), sshpool.Host{Name: "mute", Address: addr.IP.String(), Port: addr.Port})
	var timeout *sshpool.TimeoutError
	if !errors.As(err, &timeout) || timeout.Phase != "SSH handshake" {
		t.Fatalf("Client = %v, want an SSH handshake *TimeoutError", err)
	}
	if !strings.HasPrefix(err.Error(), "dial mute ("+addr.String()+"): SSH handshake timed out after 300ms") {
		t.Errorf("error %q", err)
	}
}

// TestCallerGivesUp: a caller whose context ends stops waiting for the shared
// dial; the dial goes on for the others.
func TestCallerGivesUp(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	px := startProxy(t, net.JoinHostPort(h.srv.Addr(), itoa(h.srv.Port())))
	opts := h.options(t)
	opts.KnownHosts = sshdtest.KnownHosts(t, knownhosts.Line([]string{px.addr().String()}, h.srv.HostKey()))
	p := newPool(t, opts)
	host := sshpool.Host{Name: "build-01", Address: px.addr().IP.String(), Port: px.addr().Port}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Client(cancelled, host); !errors.Is(err, context.Canceled) {
		t.Fatalf("Client with a cancelled context = %v, want context.Canceled", err)
	}
	if _, err := p.Client(ctx, host); err != nil {
		t.Fatal(err)
	}
	if n := px.accepted.Load(); n != 1 {
		t.Errorf("%d TCP connections, want 1: the given-up dial should have been shared", n)
	}
}

func TestSocketRefused(t *testing.T) {
	ctx := testContext(t)
	t.Run("no such socket", func(t *testing.T) {
		h := startHost(t, "127.0.0.2")
		p := newPool(t, h.options(t))
		_, err := p.DialUnix(ctx, h.h, "/nonexistent/docker.sock")
		var dialErr *sshpool.DialError
		if !errors.As(err, &dialErr) || dialErr.Socket != "/nonexistent/docker.sock" {
			t.Fatalf("DialUnix = %v, want a *DialError for the socket", err)
		}
		if !strings.HasPrefix(err.Error(), "dial unix /nonexistent/docker.sock on "+h.h.Name) ||
			!strings.Contains(err.Error(), "docker group") {
			t.Errorf("error %q", err)
		}
		// The refusal came through a live connection: it is still current.
		if err := checkEcho(ctx, p, h.h, echoSocket(t)); err != nil {
			t.Error(err)
		}
	})
	t.Run("forwarding not allowed", func(t *testing.T) {
		srv := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.2", Config: []string{"AllowStreamLocalForwarding no"}})
		key, pub := sshdtest.NewKey(t, "")
		srv.AuthorizeKey(pub)
		p := newPool(t, sshpool.Options{KnownHosts: sshdtest.KnownHosts(t, srv.KnownHostsLine()), Identity: key, DefaultKeys: []string{}})
		_, err := p.DialUnix(ctx, sshpool.Host{Address: srv.Addr(), Port: srv.Port()}, echoSocket(t))
		if err == nil || !strings.Contains(err.Error(), "sshd has AllowStreamLocalForwarding yes") {
			t.Errorf("DialUnix = %v, want an error naming AllowStreamLocalForwarding", err)
		}
	})
}

func TestClose(t *testing.T) {
	ctx := testContext(t)
	h := startHost(t, "127.0.0.2")
	p, err := sshpool.New(h.options(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Client(ctx, h.h)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ctx, c)
	if _, err := p.DialUnix(ctx, h.h, echoSocket(t)); !errors.Is(err, sshpool.ErrClosed) {
		t.Errorf("DialUnix after Close = %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestHostWithoutAddress(t *testing.T) {
	p := newPool(t, sshpool.Options{KnownHosts: sshdtest.KnownHosts(t), DefaultKeys: []string{}})
	if _, err := p.Client(testContext(t), sshpool.Host{Name: "b01"}); err == nil || !strings.Contains(err.Error(), `"b01" has no address`) {
		t.Errorf("Client = %v, want an error saying b01 has no address", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
