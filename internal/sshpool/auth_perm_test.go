package sshpool

import (
	"crypto/ed25519"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// A private key that others can read is refused, as OpenSSH refuses it; one
// only its owner can read is used.
func TestReadKeyRefusesAKeyOthersCanRead(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readKey(path, ""); err != nil {
		t.Fatalf("a 0600 key: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = readKey(path, "")
	if err == nil || !strings.Contains(err.Error(), "permissions 0644 are too open") || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("a 0644 key: %v, want it refused with chmod 600", err)
	}
}
