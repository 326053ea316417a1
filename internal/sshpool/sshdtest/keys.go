package sshdtest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NewKey generates an Ed25519 key pair, encrypted with passphrase unless it is
// empty, and returns the private key file and the public key's authorized_keys
// line.
func NewKey(t testing.TB, passphrase string) (privPath, pubLine string) {
	t.Helper()
	require(t, "ssh-keygen")
	privPath = filepath.Join(t.TempDir(), "id_ed25519")
	keygen(t, "-q", "-t", "ed25519", "-N", passphrase, "-C", "sshdtest", "-f", privPath)
	pub, err := os.ReadFile(privPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return privPath, strings.TrimSpace(string(pub))
}

func keygen(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// KnownHosts writes lines to a new known_hosts file and returns its path.
func KnownHosts(t testing.TB, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	var data string
	for _, l := range lines {
		data += l + "\n"
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// StartAgent starts a real ssh-agent holding the given unencrypted private keys
// (added with ssh-add) and returns its socket, for SSH_AUTH_SOCK. The agent is
// killed when the test ends.
func StartAgent(t testing.TB, keys ...string) (socketPath string) {
	t.Helper()
	require(t, "ssh-agent", "ssh-add")
	// Not t.TempDir: a unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "sshdtest-agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socketPath = filepath.Join(dir, "agent.sock")

	cmd := exec.Command("ssh-agent", "-D", "-a", socketPath)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	// With -D, ssh-agent prints its environment once its socket is ready.
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.HasPrefix(line, "SSH_AUTH_SOCK=")
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("ssh-agent did not start")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ssh-agent did not start within 30s")
	}

	for _, key := range keys {
		add := exec.Command("ssh-add", key)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+socketPath, "SSH_ASKPASS_REQUIRE=never", "DISPLAY=")
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %s: %v\n%s", key, err, out)
		}
	}
	return socketPath
}
