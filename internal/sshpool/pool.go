// Package sshpool owns the SSH connections to the Docker hosts: one connection per
// host, shared by every worker of that host, with the Docker engine's unix socket
// reached through OpenSSH streamlocal forwarding (no docker CLI, no TCP daemon).
//
// The pool owns liveness. A connection is dialled on first use and whenever the
// last one died; concurrent callers share one dial. Host keys are verified against
// known_hosts. Every connection has a keepalive with a watchdog, so a host that
// silently dies is noticed within KeepaliveTimeout; when the connection's Wait
// returns the pool forgets it and the next Client or DialUnix redials. Callers
// must therefore look up the client at dial time (DialUnix does) and never hold on
// to an *ssh.Client.
//
// A Pool is safe for concurrent use. Close closes every connection and waits for
// the pool's goroutines; the Pool must not be used after it.
package sshpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Options configures a Pool. The zero value of each field is its default.
type Options struct {
	KnownHosts            string // default ~/.ssh/known_hosts; a missing file knows no host
	InsecureIgnoreHostKey bool   // accept any host key; New warns through Warnf

	Identity    string   // a private key file (--identity)
	Passphrase  string   // for Identity (and encrypted default keys); never printed
	AgentSocket string   // ssh-agent's socket (SSH_AUTH_SOCK); empty: no agent
	DefaultKeys []string // nil: ~/.ssh/id_ed25519, id_ecdsa, id_rsa; missing files are skipped

	HandshakeTimeout  time.Duration // TCP connect and SSH handshake together; default 15s
	KeepaliveInterval time.Duration // default 5s
	KeepaliveTimeout  time.Duration // a host silent this long is dead; default 15s; must exceed KeepaliveInterval

	Warnf func(format string, args ...any) // for users; default: stderr
	// OnLost is called with the host's name when its connection is lost, so that
	// work streaming over it can give up at once rather than wait on it.
	OnLost func(host string)
	Logger *slog.Logger                           // diagnostics; default: discarded
	After  func(d time.Duration) <-chan time.Time // the clock; default time.After
}

// Pool holds one SSH connection per host. See the package comment.
type Pool struct {
	opts      Options
	hostKeys  *hostKeys
	keys      *keys
	localUser string
	dialTCP   func(ctx context.Context, addr string) (net.Conn, error)

	ctx    context.Context // cancelled by Close: aborts dials in progress
	cancel context.CancelFunc
	wg     sync.WaitGroup // dials, watchers, keepalives

	mu     sync.Mutex
	closed bool
	conns  map[string]*hostConn
}

// hostConn is the pool's state for one host (one target key).
type hostConn struct {
	t      *target
	client *ssh.Client // the live client; nil when none or it died
	dial   *dialCall   // the dial in progress, if any
	hs     handshake   // what the last dial learned
}

type dialCall struct {
	done   chan struct{}
	client *ssh.Client
	err    error
}

// New loads known_hosts and the key files. It does not dial.
func New(opts Options) (*Pool, error) {
	home, _ := os.UserHomeDir()
	if opts.KnownHosts == "" {
		if home == "" {
			return nil, errors.New("no home directory for ~/.ssh/known_hosts: set the known hosts file explicitly")
		}
		opts.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	if abs, err := filepath.Abs(opts.KnownHosts); err == nil {
		opts.KnownHosts = abs
	}
	if opts.DefaultKeys == nil && home != "" {
		opts.DefaultKeys = defaultKeyFiles(home)
	}
	opts.HandshakeTimeout = orDefault(opts.HandshakeTimeout, 15*time.Second)
	opts.KeepaliveInterval = orDefault(opts.KeepaliveInterval, 5*time.Second)
	opts.KeepaliveTimeout = orDefault(opts.KeepaliveTimeout, 15*time.Second)
	if opts.KeepaliveTimeout <= opts.KeepaliveInterval {
		return nil, fmt.Errorf("ssh keepalive timeout %s must exceed the keepalive interval %s",
			opts.KeepaliveTimeout, opts.KeepaliveInterval)
	}
	if opts.Warnf == nil {
		opts.Warnf = func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "warning: "+format+"\n", args...)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.After == nil {
		opts.After = time.After
	}

	hostKeys, err := loadHostKeys(opts.KnownHosts)
	if err != nil {
		return nil, err
	}
	keys, err := loadKeys(opts)
	if err != nil {
		return nil, err
	}
	p := &Pool{
		opts:      opts,
		hostKeys:  hostKeys,
		keys:      keys,
		localUser: localUser(),
		dialTCP:   defaultDialTCP,
		conns:     make(map[string]*hostConn),
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if opts.InsecureIgnoreHostKey {
		opts.Warnf("SSH host keys are NOT verified (insecure-ignore-host-key): " +
			"anyone on the network path to the hosts can take over their Docker engines")
	}
	return p, nil
}

// Client returns the live client for h, dialling when there is none or the last
// one died. Concurrent callers share one dial; a caller whose ctx ends stops
// waiting but does not abort the dial others may wait for. Errors are a
// *HostKeyError, or a *DialError whose Err may be an *AuthError or *TimeoutError.
//
// The client must not be closed by the caller, nor kept: it may die at any time.
func (p *Pool) Client(ctx context.Context, h Host) (*ssh.Client, error) {
	t, err := p.target(h)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, t.dialError(ErrClosed)
	}
	hc := p.conns[t.key]
	if hc == nil {
		hc = &hostConn{t: t}
		p.conns[t.key] = hc
	}
	if c := hc.client; c != nil {
		p.mu.Unlock()
		return c, nil
	}
	call := hc.dial
	if call == nil {
		call = &dialCall{done: make(chan struct{})}
		hc.dial = call
		p.wg.Add(1)
		go p.runDial(hc, call)
	}
	p.mu.Unlock()

	select {
	case <-call.done:
		return call.client, call.err
	case <-ctx.Done():
		return nil, t.dialError(context.Cause(ctx))
	}
}

// runDial dials hc's host under the pool's context, not a caller's: the dial is
// shared.
func (p *Pool) runDial(hc *hostConn, call *dialCall) {
	defer p.wg.Done()
	c, hs, err := p.dial(p.ctx, hc.t)

	p.mu.Lock()
	hc.dial = nil
	if hs.fingerprint != "" {
		hc.hs.fingerprint, hc.hs.keyStatus = hs.fingerprint, hs.keyStatus
	}
	if err == nil && p.closed {
		c.Close()
		c, err = nil, hc.t.dialError(ErrClosed)
	}
	if err == nil {
		hc.client = c
		hc.hs.auth = hs.auth
		p.wg.Add(1)
		go p.watch(hc, c)
	}
	call.client, call.err = c, err
	p.mu.Unlock()
	close(call.done)

	if err == nil {
		p.opts.Logger.Info("ssh connected", "host", hc.t.Name, "addr", hc.t.addr, "auth", hs.auth, "hostkey", hs.fingerprint)
	} else {
		p.opts.Logger.Info("ssh dial", "host", hc.t.Name, "addr", hc.t.addr, "err", err)
	}
}

// forget drops c, which has died, so the next use of its host redials.
func (p *Pool) forget(hc *hostConn, c *ssh.Client, why error) {
	p.mu.Lock()
	if hc.client == c {
		hc.client = nil
	}
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return
	}
	reason := "the connection closed"
	if why != nil && !errors.Is(why, io.EOF) {
		reason = why.Error()
	}
	p.opts.Logger.Info("ssh connection lost", "host", hc.t.Name, "addr", hc.t.addr, "err", why)
	p.opts.Warnf("ssh connection to %s (%s) lost: %s; it is redialled on next use", hc.t.Name, hc.t.addr, reason)
	if p.opts.OnLost != nil {
		p.opts.OnLost(hc.t.Name)
	}
}

// DialUnix opens a connection to the unix socket at socket on h (the Docker
// engine's, usually /var/run/docker.sock) through h's current client, dialling it
// when needed. It is what the Docker client's DialContext calls for every
// connection. A client that turns out dead is dropped and the dial retried once on
// a new one; a refusal by the host (no such socket, forwarding not allowed) is not
// retried.
func (p *Pool) DialUnix(ctx context.Context, h Host, socket string) (net.Conn, error) {
	t, err := p.target(h)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		c, err := p.Client(ctx, h)
		if err != nil {
			return nil, err
		}
		conn, err := c.DialContext(ctx, "unix", socket)
		if err == nil {
			return conn, nil
		}
		var refused *ssh.OpenChannelError
		if errors.As(err, &refused) || ctx.Err() != nil || attempt > 0 {
			e := t.dialError(err)
			e.Socket = socket
			if refused != nil {
				e.Err = fmt.Errorf("%w; %s", err, socketHint(t.User))
			}
			return nil, e
		}
		c.Close() // broken but not yet noticed: watch forgets it
		p.drop(t, c)
	}
}

// socketHint says what to check when the host refused to open a socket. OpenSSH
// gives the same "open failed" whether forwarding is off, the socket is missing or
// access to it is denied.
func socketHint(user string) string {
	return "check that the host's sshd has AllowStreamLocalForwarding yes, that the Docker engine runs there " +
		"with its socket at that path, and that " + user + " may open it (is in the docker group)"
}

// drop forgets c at once, without waiting for its watcher.
func (p *Pool) drop(t *target, c *ssh.Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if hc := p.conns[t.key]; hc != nil && hc.client == c {
		hc.client = nil
	}
}

// AuthMethod says what the last successful handshake with h authenticated with:
// "agent", "key <file>" or "default key <file>"; empty before one succeeded.
func (p *Pool) AuthMethod(h Host) string {
	hc := p.hostConn(h)
	if hc == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return hc.hs.auth
}

// HostKey returns the fingerprint (SHA256:…) of the key h offered at the last
// handshake, and its status: KeyVerified, KeyUnknown, KeyChanged, KeyRevoked or
// KeyNotChecked. Both are empty before a handshake got that far.
func (p *Pool) HostKey(h Host) (fingerprint, status string) {
	hc := p.hostConn(h)
	if hc == nil {
		return "", ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return hc.hs.fingerprint, hc.hs.keyStatus
}

func (p *Pool) hostConn(h Host) *hostConn {
	t, err := p.target(h)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[t.key]
}

// Close closes every connection, aborts dials in progress and waits for the
// pool's goroutines to end.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var clients []*ssh.Client
	for _, hc := range p.conns {
		if hc.client != nil {
			clients = append(clients, hc.client)
		}
	}
	p.mu.Unlock()

	p.cancel()
	for _, c := range clients {
		// An error closing a connection being abandoned is nothing to act on.
		_ = c.Close()
	}
	p.wg.Wait()
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func localUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}
