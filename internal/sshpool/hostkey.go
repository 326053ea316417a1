package sshpool

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The status HostKey reports for a host's key.
const (
	KeyVerified   = "verified"           // matches known_hosts
	KeyUnknown    = "unknown"            // known_hosts has no key for the host
	KeyChanged    = "CHANGED"            // known_hosts has a different key
	KeyRevoked    = "revoked"            // known_hosts marks the key @revoked
	KeyNotChecked = "ignored (insecure)" // Options.InsecureIgnoreHostKey
)

// HostKeyError says a host's key could not be verified against known_hosts.
type HostKeyError struct {
	Host        string
	Addr        string        // host:port
	Fingerprint string        // SHA256:… of the key the host offered
	Key         ssh.PublicKey // the key the host offered
	Unknown     bool          // known_hosts has no key for the host
	Changed     bool          // known_hosts has other keys for the host
	Revoked     bool          // known_hosts marks the key @revoked
	Known       []knownhosts.KnownKey
	KnownHosts  string // the known_hosts file
	fetch       string // the command that fetches the host's key
}

func (e *HostKeyError) Error() string {
	file := tildePath(e.KnownHosts)
	switch {
	case e.Revoked:
		return fmt.Sprintf("host key of %s (%s) is REVOKED: %s is marked @revoked; the host needs a new key",
			e.Host, e.Addr, knownLines(e.Known))
	case e.Changed:
		return fmt.Sprintf("host key of %s (%s) CHANGED: the host offers %s %s, but %s has %s; "+
			"someone may be intercepting the connection. If the host was reinstalled, remove the old key with: "+
			"ssh-keygen -R %s -f %s ; then add the new one with: %s >> %s (after checking the fingerprint)",
			e.Host, e.Addr, e.Key.Type(), e.Fingerprint, "known_hosts", knownLines(e.Known),
			shellQuote(knownhosts.Normalize(e.Addr)), file, e.fetch, file)
	default:
		return fmt.Sprintf("host key of %s (%s) is unknown: %s ; add it with: %s >> %s (after checking the fingerprint)",
			e.Host, e.Addr, e.Fingerprint, e.fetch, file)
	}
}

func knownLines(keys []knownhosts.KnownKey) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = fmt.Sprintf("%s %s at %s:%d", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line)
	}
	return strings.Join(s, ", ")
}

// hostKeys checks host keys against one known_hosts file.
type hostKeys struct {
	file  string
	check ssh.HostKeyCallback
	probe ssh.PublicKey // a key no host has, to ask which keys a host is known by
}

func loadHostKeys(file string) (*hostKeys, error) {
	var files []string
	switch _, err := os.Stat(file); {
	case err == nil:
		files = append(files, file)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read known hosts: %w", err)
	}
	// A missing file knows no host: every host is then reported unknown, with the
	// command that adds it.
	check, err := knownhosts.New(files...)
	if err != nil {
		return nil, fmt.Errorf("read known hosts %s: %w", file, err)
	}
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &hostKeys{file: file, check: check, probe: probe}, nil
}

// known returns the keys known_hosts has for addr (host:port).
func (k *hostKeys) known(addr string) []knownhosts.KnownKey {
	var keyErr *knownhosts.KeyError
	if errors.As(k.check(addr, fakeRemote(addr), k.probe), &keyErr) {
		return keyErr.Want
	}
	return nil
}

// algorithms returns the host key algorithms to negotiate with addr: those of the
// keys known_hosts has for it. Without this, x/crypto prefers ECDSA over Ed25519 and
// a host known by its Ed25519 key alone (what ssh writes after the first
// connection) would look CHANGED. Nil, the default list, when the host is unknown.
func (k *hostKeys) algorithms(addr string) []string {
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	for _, kk := range k.known(addr) {
		switch t := kk.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

// verify checks key against known_hosts and returns a *HostKeyError when it does
// not match. fetch is the command that would fetch the key, for the message.
func (k *hostKeys) verify(t *target, remote net.Addr, key ssh.PublicKey) error {
	err := k.check(t.addr, remote, key)
	if err == nil {
		return nil
	}
	e := &HostKeyError{
		Host: t.Name, Addr: t.addr, Key: key, Fingerprint: ssh.FingerprintSHA256(key),
		KnownHosts: k.file, fetch: fetchCommand(t),
	}
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	switch {
	case errors.As(err, &revoked):
		e.Revoked, e.Known = true, []knownhosts.KnownKey{revoked.Revoked}
	case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
		e.Changed, e.Known = true, keyErr.Want
	case errors.As(err, &keyErr):
		e.Unknown = true
	default:
		return fmt.Errorf("host key of %s (%s): %w", t.Name, t.addr, err)
	}
	return e
}

func (e *HostKeyError) status() string {
	switch {
	case e.Revoked:
		return KeyRevoked
	case e.Changed:
		return KeyChanged
	}
	return KeyUnknown
}

// fetchCommand is the command that prints t's key as a known_hosts line: run on
// the jump host when there is one, since this machine may not reach t.
func fetchCommand(t *target) string {
	scan := fmt.Sprintf("ssh-keyscan -p %d %s", t.Port, t.Address)
	if t.jump == nil {
		return scan
	}
	return fmt.Sprintf("ssh -p %d %s@%s %s", t.jump.Port, t.jump.User, t.jump.Address, scan)
}

// fakeRemote is a remote address for addr, which knownhosts needs to parse even
// when it checks the host name.
func fakeRemote(addr string) net.Addr {
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return &net.TCPAddr{IP: net.IPv4zero, Port: n}
}

func tildePath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") && rel != "." {
		return "~/" + rel
	}
	return p
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, "[]*? '\"$") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
