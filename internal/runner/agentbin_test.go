package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// The agent is checked and hashed from its file, and what is copied is read
// from the file opened then: replacing the file on disk during the run changes
// neither.
func TestAgentIsStreamedFromTheFileOpened(t *testing.T) {
	want, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skip("needs a static binary at /bin/busybox (apt-get install busybox-static)")
	}
	path := filepath.Join(t.TempDir(), "agent")
	if err := os.WriteFile(path, want, 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := loadAgent(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	sum := sha256.Sum256(want)
	if v := "paratest-agent-" + hex.EncodeToString(sum[:8]); a.volume != v {
		t.Errorf("volume %s, want %s: named by the binary's hash", a.volume, v)
	}
	if err := os.Remove(path); err != nil { // as an upgrade replaces the binary
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // each copy reads it anew
		f := a.file(agentPath)
		r, size := f.Content()
		got, err := io.ReadAll(r)
		if err != nil || size != int64(len(want)) || string(got) != string(want) {
			t.Fatalf("copy %d: %d bytes of %d announced, err %v; want the %d bytes opened", i, len(got), size, err, len(want))
		}
	}
}

// A binary that cannot run in a bare container is a usage error naming it and
// what is wrong, before any host is touched.
func TestAgentMustBeStatic(t *testing.T) {
	text := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, why := range map[string]string{"/bin/ls": "it is dynamically linked", text: "not a linux ELF binary"} {
		if _, err := os.Stat(path); err != nil {
			t.Skipf("needs %s", path)
		}
		_, err := loadAgent(path)
		if exit.Code(err) != exit.Usage || err == nil || !strings.HasPrefix(err.Error(), path+" cannot run inside the test containers: "+why+"; build") {
			t.Errorf("loadAgent(%s) = %v (exit %d), want exit %d naming it: %s", path, err, exit.Code(err), exit.Usage, why)
		}
	}
	if _, err := loadAgent(filepath.Join(t.TempDir(), "missing")); exit.Code(err) != exit.Infra {
		t.Errorf("a missing agent: %v (exit %d), want exit %d", err, exit.Code(err), exit.Infra)
	}
}

// check and clean make a master with no agent: it closes all the same.
func TestCheckAndCleanNeedNoAgent(t *testing.T) {
	eng := &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }}
	cfg := &config.Config{Image: "fake", Pull: engine.PullNever, Workers: 1, RunID: "unit", Color: "never"}
	opts := Options{Stdout: io.Discard, Engine: eng}
	if _, err := Check(context.Background(), cfg, opts); err != nil {
		t.Errorf("Check: %v", err)
	}
	if _, err := Clean(context.Background(), cfg, opts, "unit", false); err != nil {
		t.Errorf("Clean: %v", err)
	}
}
