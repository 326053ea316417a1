package sshpool_test

import (
	"crypto/ed25519"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

// mutableServer is an in-process SSH server that can stop answering global
// requests while keeping the TCP connection open: a host that hangs, which a real
// sshd can't be made to do.
type mutableServer struct {
	l          net.Listener
	hostKey    ssh.Signer
	clientKey  string // private key file the server accepts
	muted      atomic.Bool
	accepted   atomic.Int64
	keepalives chan struct{} // one value per keepalive received
	wg         sync.WaitGroup
}

func startMutableServer(t *testing.T) *mutableServer {
	t.Helper()
	_, hostPriv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, clientPub := writeClientKey(t)
	authorized, err := ssh.NewPublicKey(clientPub)
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(authorized.Marshal()) {
				return nil, nil
			}
			return nil, os.ErrPermission
		},
	}
	config.AddHostKey(hostKey)

	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mutableServer{l: l, hostKey: hostKey, clientKey: keyFile, keepalives: make(chan struct{}, 1000)}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		s.wg.Wait()
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c, config)
			}()
		}
	}()
	return s
}

func (s *mutableServer) serve(c net.Conn, config *ssh.ServerConfig) {
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, config)
	if err != nil {
		return
	}
	go func() {
		for ch := range chans {
			_ = ch.Reject(ssh.Prohibited, "no channels here")
		}
	}()
	for req := range reqs {
		select {
		case s.keepalives <- struct{}{}:
		default: // nobody counts any more
		}
		if !s.muted.Load() {
			_ = req.Reply(false, nil) // as sshd answers keepalive@openssh.com
		}
		// Muted: never answer, keep reading. The connection stays up.
	}
}

func (s *mutableServer) host() sshpool.Host {
	addr := s.l.Addr().(*net.TCPAddr)
	return sshpool.Host{Name: "hangs", Address: addr.IP.String(), Port: addr.Port, User: "ci"}
}

func (s *mutableServer) options(t *testing.T) sshpool.Options {
	return sshpool.Options{
		KnownHosts:        sshdtest.KnownHosts(t, knownhosts.Line([]string{s.l.Addr().String()}, s.hostKey.PublicKey())),
		Identity:          s.clientKey,
		DefaultKeys:       []string{},
		KeepaliveInterval: 20 * time.Millisecond,
		KeepaliveTimeout:  200 * time.Millisecond,
	}
}

// TestKeepaliveKeepsLiveConnection: a host that answers keeps its connection.
func TestKeepaliveKeepsLiveConnection(t *testing.T) {
	ctx := testContext(t)
	s := startMutableServer(t)
	p := newPool(t, s.options(t))
	c1, err := p.Client(ctx, s.host())
	if err != nil {
		t.Fatal(err)
	}
	// Ten keepalives take longer than KeepaliveTimeout: the watchdog has had its
	// chance to misfire.
	for range 10 {
		select {
		case <-s.keepalives:
		case <-ctx.Done():
			t.Fatal("no keepalive arrived")
		}
	}
	c2, err := p.Client(ctx, s.host())
	if err != nil || c2 != c1 {
		t.Errorf("Client = %p, %v; want the first client %p", c2, err, c1)
	}
	if n := s.accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestKeepaliveWatchdog: a host that stops answering is declared dead, its
// connection closed, and the next use redials.
func TestKeepaliveWatchdog(t *testing.T) {
	ctx := testContext(t)
	s := startMutableServer(t)
	opts := s.options(t)
	var warned <-chan string
	opts.Warnf, warned = warnings(t)
	p := newPool(t, opts)
	c1, err := p.Client(ctx, s.host())
	if err != nil {
		t.Fatal(err)
	}
	s.muted.Store(true)
	// The TCP connection stays up: only the watchdog can end this one.
	waitWarning(t, ctx, warned, "lost: no answer to keepalive for 200ms")
	waitClosed(t, ctx, c1)

	s.muted.Store(false)
	c2, err := p.Client(ctx, s.host())
	if err != nil {
		t.Fatal(err)
	}
	if c2 == c1 {
		t.Error("Client returned the dead client")
	}
	if n := s.accepted.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// writeClientKey writes a new ed25519 private key, 0600, and returns its file
// and public half.
func writeClientKey(t *testing.T) (string, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pub
}
