package sshpool_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

// testTimeout bounds every wait in these tests: generous, since it only decides
// how long a broken test hangs, never whether a working one passes.
const testTimeout = 60 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// host is a real sshd that accepts key, and a known_hosts file that knows it.
type host struct {
	srv        *sshdtest.Server
	key        string // private key file
	knownHosts string
	h          sshpool.Host
}

func startHost(t *testing.T, addr string) *host {
	t.Helper()
	srv := sshdtest.Start(t, sshdtest.Options{Addr: addr})
	key, pub := sshdtest.NewKey(t, "")
	srv.AuthorizeKey(pub)
	return &host{
		srv:        srv,
		key:        key,
		knownHosts: sshdtest.KnownHosts(t, srv.KnownHostsLine()),
		h:          sshpool.Host{Name: "build-" + addr, Address: srv.Addr(), Port: srv.Port(), User: currentUser(t)},
	}
}

// options authenticates with the host's key only: never with the keys or agent
// of whoever runs the tests.
func (h *host) options(t *testing.T) sshpool.Options {
	return sshpool.Options{
		KnownHosts:  h.knownHosts,
		Identity:    h.key,
		DefaultKeys: []string{},
		Warnf:       func(format string, args ...any) { t.Logf("warning: "+format, args...) },
	}
}

func newPool(t *testing.T, opts sshpool.Options) *sshpool.Pool {
	t.Helper()
	p, err := sshpool.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// echoSocket serves a line echo on a new unix socket: a target for DialUnix that
// needs no Docker.
func echoSocket(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sshpool-echo") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "echo.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		os.RemoveAll(dir)
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return path
}

// echo sends msg through conn and returns what came back.
func echo(conn net.Conn, msg string) (string, error) {
	if _, err := fmt.Fprintln(conn, msg); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}

// checkEcho dials socket on h through p and checks a message round-trips.
func checkEcho(ctx context.Context, p *sshpool.Pool, h sshpool.Host, socket string) error {
	conn, err := p.DialUnix(ctx, h, socket)
	if err != nil {
		return err
	}
	defer conn.Close()
	msg := "hello " + h.Name
	got, err := echo(conn, msg)
	if err != nil {
		return fmt.Errorf("echo through %s: %w", h.Name, err)
	}
	if got != msg {
		return fmt.Errorf("echo through %s: got %q, want %q", h.Name, got, msg)
	}
	return nil
}

// proxy forwards TCP connections to target and counts them: what reaches the
// network, whatever the pool believes it did.
type proxy struct {
	l        net.Listener
	accepted atomic.Int64
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() *net.TCPAddr { return p.l.Addr().(*net.TCPAddr) }

// warnings collects what the pool warns about; each warning is logged and sent
// on the returned channel, which never blocks the pool.
func warnings(t *testing.T) (warnf func(string, ...any), c <-chan string) {
	ch := make(chan string, 100)
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		t.Logf("warning: %s", msg)
		select {
		case ch <- msg:
		default:
		}
	}, ch
}

// waitWarning waits for a warning that contains want, or fails the test.
func waitWarning(t *testing.T, ctx context.Context, c <-chan string, want string) {
	t.Helper()
	for {
		select {
		case msg := <-c:
			if strings.Contains(msg, want) {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no warning saying %q", want)
		}
	}
}

// waitClosed waits until c's connection has ended, or fails the test.
func waitClosed(t *testing.T, ctx context.Context, c interface{ Wait() error }) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		_ = c.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the connection did not end")
	}
}
