// Package sshdtest runs real OpenSSH servers and agents for tests: a fake that
// round-trips through real connections catches what an in-process SSH server
// would not (sshd's forwarding rules, its host key types, its auth limits).
//
// Start runs /usr/sbin/sshd on a free port of a loopback address, with its own host
// keys and authorized_keys file, allowing streamlocal forwarding and root login by
// key. Every process it starts is killed when the test ends. Without sshd (or
// ssh-keygen, ssh-agent) the test is skipped, unless PARATEST_REQUIRE_E2E=1 makes
// that a failure.
package sshdtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const sshdPath = "/usr/sbin/sshd"

// privsepDir is where sshd chroots its unprivileged children; it refuses to start
// without it, and minimal images do not have it.
const privsepDir = "/run/sshd"

// Options configures a Server.
type Options struct {
	Addr         string   // loopback address to listen on; default 127.0.0.1
	HostKeyTypes []string // ssh-keygen -t values; default ["ed25519"]; the first is KnownHostsLine's
	Config       []string // sshd_config lines put before the defaults, so they win (sshd keeps a keyword's first value); no Match blocks
}

// Server is a running sshd.
type Server struct {
	t        testing.TB
	addr     string
	port     int
	dir      string
	config   string
	keyTypes []string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	log     bytes.Buffer
	running bool
}

// Start starts sshd and stops it when the test ends. On failure, the test log gets
// sshd's log.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	require(t, sshdPath, "ssh-keygen")
	if err := privsep(); err != nil {
		skip(t, err.Error())
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1"
	}
	if len(opts.HostKeyTypes) == 0 {
		opts.HostKeyTypes = []string{"ed25519"}
	}
	s := &Server{t: t, addr: opts.Addr, dir: t.TempDir(), keyTypes: opts.HostKeyTypes}
	s.config = filepath.Join(s.dir, "sshd_config")
	s.genHostKeys()
	if err := os.WriteFile(s.authorizedKeys(), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("sshd %s log:\n%s", s.hostPort(), s.Log())
		}
	})

	// A free port may be taken between finding and binding it: try a few.
	var err error
	for range 5 {
		if s.port, err = freePort(s.addr); err != nil {
			t.Fatal(err)
		}
		s.writeConfig(opts.Config)
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("start sshd on %s: %v\n%s", s.addr, err, s.Log())
	return nil
}

// Addr is the address sshd listens on, without the port.
func (s *Server) Addr() string { return s.addr }

// Port is the port sshd listens on.
func (s *Server) Port() int { return s.port }

func (s *Server) hostPort() string { return net.JoinHostPort(s.addr, strconv.Itoa(s.port)) }

// HostKey is sshd's (first) host key.
func (s *Server) HostKey() ssh.PublicKey {
	s.t.Helper()
	b, err := os.ReadFile(s.hostKey(s.keyTypes[0]) + ".pub")
	if err != nil {
		s.t.Fatal(err)
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil {
		s.t.Fatal(err)
	}
	return key
}

// KnownHostsLine is the known_hosts line of sshd's (first) host key:
// "[127.0.0.2]:40123 ssh-ed25519 AAAA…".
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{s.hostPort()}, s.HostKey())
}

// AuthorizeKey lets the key of pubLine (an authorized_keys line) log in.
func (s *Server) AuthorizeKey(pubLine string) {
	s.t.Helper()
	f, err := os.OpenFile(s.authorizedKeys(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, strings.TrimSpace(pubLine)); err != nil {
		s.t.Fatal(err)
	}
}

// Log is what sshd has logged so far (LogLevel VERBOSE).
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// KillSessions kills sshd's per-connection processes: every client connection
// breaks, as when the host drops them; sshd keeps listening.
func (s *Server) KillSessions() {
	s.t.Helper()
	s.mu.Lock()
	cmd, running := s.cmd, s.running
	s.mu.Unlock()
	if !running {
		return
	}
	if err := killDescendants(cmd.Process.Pid); err != nil {
		s.t.Error(err)
	}
}

// Stop is the host going away: sessions are killed and sshd stops listening, so
// connecting is refused. Stop of a stopped server does nothing.
func (s *Server) Stop() {
	s.t.Helper()
	s.KillSessions()
	s.mu.Lock()
	cmd, exited, running := s.cmd, s.exited, s.running
	s.running = false
	s.mu.Unlock()
	if !running {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Restart stops sshd and starts it again on the same port with the same host keys.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for range 5 { // the port may linger for a moment
		if err = s.start(); err == nil {
			return
		}
		<-time.After(200 * time.Millisecond)
	}
	s.t.Fatalf("restart sshd on %s: %v\n%s", s.hostPort(), err, s.Log())
}

// Rekey gives sshd new host keys and restarts it, as a reinstalled host (or a
// machine in the middle) would look.
func (s *Server) Rekey() {
	s.t.Helper()
	s.genHostKeys()
	s.Restart()
}

func (s *Server) authorizedKeys() string { return filepath.Join(s.dir, "authorized_keys") }

func (s *Server) hostKey(typ string) string {
	return filepath.Join(s.dir, "ssh_host_"+typ+"_key")
}

func (s *Server) genHostKeys() {
	s.t.Helper()
	for _, typ := range s.keyTypes {
		path := s.hostKey(typ)
		os.Remove(path)
		os.Remove(path + ".pub")
		keygen(s.t, "-q", "-t", typ, "-N", "", "-C", "sshdtest-host", "-f", path)
	}
}

func (s *Server) writeConfig(extra []string) {
	s.t.Helper()
	lines := append(slices.Clone(extra),
		"ListenAddress "+s.hostPort(),
		"AuthorizedKeysFile "+s.authorizedKeys(),
		"PidFile none",
		"UsePAM no",
		"StrictModes no",
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"AllowStreamLocalForwarding yes",
		"AllowTcpForwarding yes",
		"LogLevel VERBOSE",
	)
	for _, typ := range s.keyTypes {
		lines = append(lines, "HostKey "+s.hostKey(typ))
	}
	lines = append(lines, s.penaltiesOff(lines)...)
	if err := os.WriteFile(s.config, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// start runs sshd and waits until it listens, or exits.
func (s *Server) start() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", s.config)
	// An *os.File, not a buffer: the session processes inherit stderr, and Wait
	// must not wait for them to close it.
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return err
	}
	w.Close()
	listening := make(chan struct{})
	go s.readLog(r, listening)
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case <-listening:
	case <-exited:
		return errors.New("sshd exited")
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("sshd did not start listening within 30s")
	}
	s.mu.Lock()
	s.cmd, s.exited, s.running = cmd, exited, true
	s.mu.Unlock()
	return nil
}

// readLog copies sshd's log until every sshd process has closed it, and closes
// listening when sshd says it listens.
func (s *Server) readLog(r *os.File, listening chan struct{}) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.log.WriteString(line + "\n")
		s.mu.Unlock()
		if listening != nil && strings.HasPrefix(line, "Server listening on") {
			close(listening)
			listening = nil
		}
	}
}

func freePort(addr string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var penalties struct {
	once      sync.Once
	supported bool
}

// penaltiesOff turns off OpenSSH 9.8's PerSourcePenalties, which would refuse
// connections from 127.0.0.1 after the failed logins some tests make on purpose.
// Older sshd rejects the option, so it is tried once on a copy of config.
func (s *Server) penaltiesOff(config []string) []string {
	penalties.once.Do(func() {
		probe := filepath.Join(s.dir, "sshd_config.probe")
		data := strings.Join(append(config, "PerSourcePenalties no"), "\n") + "\n"
		if err := os.WriteFile(probe, []byte(data), 0o600); err != nil {
			return
		}
		defer os.Remove(probe)
		penalties.supported = exec.Command(sshdPath, "-t", "-f", probe).Run() == nil
	})
	if penalties.supported {
		return []string{"PerSourcePenalties no"}
	}
	return nil
}

func privsep() error {
	if _, err := os.Stat(privsepDir); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("sshd needs its privilege separation directory %s (mkdir -m 755 %s as root)", privsepDir, privsepDir)
	}
	if err := os.MkdirAll(privsepDir, 0o755); err != nil {
		return fmt.Errorf("create sshd's privilege separation directory: %w", err)
	}
	return nil
}

// require skips (or fails, with PARATEST_REQUIRE_E2E=1) the test when a tool is
// missing.
func require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			skip(t, fmt.Sprintf("%s is not installed (OpenSSH server and client are needed): %v", tool, err))
		}
	}
}

func skip(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
		t.Fatalf("PARATEST_REQUIRE_E2E=1 but %s", reason)
	}
	t.Skip(reason)
}
