package sshpool

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keys holds what the pool authenticates with, loaded once by New. The agent is
// asked for its keys at every handshake: keys added to it later are used.
type keys struct {
	agentSocket string
	files       []keyFile
	skipped     []string // default keys that cannot be used, and why
}

type keyFile struct {
	label  string // what AuthMethod reports: "key <file>" or "default key <file>"
	signer ssh.Signer
}

func loadKeys(opts Options) (*keys, error) {
	k := &keys{agentSocket: opts.AgentSocket}
	if opts.Identity != "" {
		s, err := readKey(opts.Identity, opts.Passphrase)
		if err != nil {
			return nil, fmt.Errorf("read identity %s: %w", opts.Identity, err)
		}
		k.files = append(k.files, keyFile{label: "key " + opts.Identity, signer: s})
	}
	for _, path := range opts.DefaultKeys {
		if path == opts.Identity {
			continue
		}
		s, err := readKey(path, opts.Passphrase)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // default keys are used when present
		case err != nil:
			k.skipped = append(k.skipped, fmt.Sprintf("default key %s (%v)", path, err))
			continue
		}
		k.files = append(k.files, keyFile{label: "default key " + path, signer: s})
	}
	return k, nil
}

var errNeedPassphrase = errors.New("the key is protected by a passphrase: set PARATEST_SSH_PASSPHRASE")

func readKey(path, passphrase string) (ssh.Signer, error) {
	// As OpenSSH does: a key others can read is no secret any more.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("permissions %04o are too open: others can read the key; chmod 600 %s (OpenSSH refuses it too)", fi.Mode().Perm(), path)
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		return s, err
	}
	if passphrase == "" {
		return nil, errNeedPassphrase
	}
	s, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, errors.New("wrong passphrase (PARATEST_SSH_PASSPHRASE)")
	}
	return s, err
}

// defaultKeyFiles are the keys ssh offers by default, in its order.
func defaultKeyFiles(home string) []string {
	var files []string
	for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		files = append(files, filepath.Join(home, ".ssh", name))
	}
	return files
}

// authAttempt offers the keys of one handshake in order, one source at a time,
// remembering which were tried and which one the host accepted. A source is one
// ssh publickey attempt: the agent (all its keys), then each key file.
type authAttempt struct {
	ctx     context.Context
	keys    *keys
	user    string
	next    int    // the next source: 0 is the agent, then keys.files
	current string // the label of the source being tried
	detail  string // current, for messages
	tried   []string
	skipped []string
	agent   net.Conn
}

func newAuthAttempt(ctx context.Context, k *keys, user string) *authAttempt {
	return &authAttempt{ctx: ctx, keys: k, user: user, skipped: slices.Clone(k.skipped)}
}

// callback is the ssh.ClientConfig AuthCallback: x/crypto calls it after the
// "none" method and after every refusal. (ClientConfig.Auth would use only the
// first publickey method, and would not say which key was accepted.)
func (a *authAttempt) callback(ctx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	if !slices.Contains(ctx.AllowedMethods, "publickey") {
		return nil, &AuthError{User: a.user, Methods: slices.Clone(ctx.AllowedMethods)}
	}
	a.fail()
	for ; a.next <= len(a.keys.files); a.next++ {
		if a.next == 0 {
			if signers := a.agentSigners(); len(signers) > 0 {
				a.next++
				a.current, a.detail = "agent", fmt.Sprintf("agent (%d %s)", len(signers), plural(len(signers), "key"))
				return ssh.PublicKeys(signers...), nil
			}
			continue
		}
		f := a.keys.files[a.next-1]
		a.next++
		a.current = f.label
		a.detail = fmt.Sprintf("%s (%s)", f.label, ssh.FingerprintSHA256(f.signer.PublicKey()))
		return ssh.PublicKeys(f.signer), nil
	}
	return nil, a.refused(nil)
}

// fail records that the current source was refused.
func (a *authAttempt) fail() {
	if a.current != "" {
		a.tried = append(a.tried, a.detail)
		a.current, a.detail = "", ""
	}
}

// refused is the error for a handshake that authenticated with nothing.
func (a *authAttempt) refused(err error) *AuthError {
	a.fail()
	return &AuthError{User: a.user, Tried: a.tried, Skipped: a.skipped, Err: err}
}

func (a *authAttempt) agentSigners() []ssh.Signer {
	if a.keys.agentSocket == "" {
		return nil
	}
	var d net.Dialer
	conn, err := d.DialContext(a.ctx, "unix", a.keys.agentSocket)
	if err != nil {
		a.skipped = append(a.skipped, fmt.Sprintf("ssh-agent (%v)", err))
		return nil
	}
	a.agent = conn
	signers, err := agent.NewClient(conn).Signers()
	switch {
	case err != nil:
		a.skipped = append(a.skipped, fmt.Sprintf("ssh-agent %s (%v)", a.keys.agentSocket, err))
	case len(signers) == 0:
		a.skipped = append(a.skipped, "ssh-agent (it holds no keys)")
	}
	return signers
}

// close releases the agent connection; the agent signs only during the handshake.
func (a *authAttempt) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
