package runner

import (
	"context"
	"errors"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
)

// HostCheck is one row of `jenkins-paratest check`: what was found on one host.
type HostCheck struct {
	Host        string // matrix name, or "local"
	Address     string // host:port, "" for the local engine
	SSH         string // "ok", or the error
	Auth        string // auth method used: "agent", "key FILE", …
	HostKey     string // "verified SHA256:…", "unknown SHA256:…", "CHANGED SHA256:…", "ignored (insecure)"
	Engine      string // "28.2.2 (API 1.41)", or the error
	Image       string // "present sha256:…", "missing", or the error
	CPUs        int
	MemoryBytes int64
	Workers     int
	OK          bool // the host can run workers
}

// Check connects to every host of the run (the matrix, or the local engine) and
// reports what it finds, without starting anything.
func Check(ctx context.Context, cfg *config.Config, opts Options) ([]HostCheck, error) {
	return nil, errors.New("not implemented")
}

// Removed is what `jenkins-paratest clean` removed on one host.
type Removed struct {
	Host       string
	Containers []string // short ids
	Err        error
}

// Clean removes the paratest-labelled containers on every host: all of them, or
// those of one run when runID is not "".
func Clean(ctx context.Context, cfg *config.Config, opts Options, runID string) ([]Removed, error) {
	return nil, errors.New("not implemented")
}
