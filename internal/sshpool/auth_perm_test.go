package sshpool_test

import (
	"os"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
)

// A private key that others can read is refused, as OpenSSH refuses it; one
// only its owner can read is used.
func TestReadKeyRefusesAKeyOthersCanRead(t *testing.T) {
	path, _ := writeClientKey(t)
	if _, err := sshpool.ReadKey(path, ""); err != nil {
		t.Fatalf("a 0600 key: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sshpool.ReadKey(path, "")
	if err == nil || !strings.Contains(err.Error(), "permissions 0644 are too open") || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("a 0644 key: %v, want it refused with chmod 600", err)
	}
}
