package runner

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// agentBinary is the binary that runs inside the containers, open for the
// run and streamed into each copy: never held in memory (it is tens of MB).
type agentBinary struct {
	f      *os.File
	size   int64
	volume string // the name of the host volume that holds it: by its hash
}

// loadAgent opens the binary that runs inside the containers: the running
// executable unless path says otherwise. It must be a static linux ELF, since the
// test image may have no C library at all. Holding the file open keeps what was
// checked and hashed what is copied, even if the file is replaced meanwhile.
func loadAgent(path string) (*agentBinary, error) {
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, exit.Infraf("find own executable: %w", err)
		}
		path = exe
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, exit.Infraf("read agent binary: %w", err)
	}
	a, err := checkAgent(f)
	if err != nil {
		f.Close()
		if why := notStatic(""); errors.As(err, &why) {
			return nil, exit.Usagef("%s cannot run inside the test containers: %v; build jenkins-paratest with CGO_ENABLED=0 (make build does)", path, err)
		}
		return nil, exit.Infraf("read agent binary %s: %w", path, err)
	}
	return a, nil
}

// notStatic is what checkStatic finds wrong with a binary.
type notStatic string

func (n notStatic) Error() string { return string(n) }

// checkAgent checks that f is a static linux ELF and hashes it.
func checkAgent(f *os.File) (*agentBinary, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkStatic(f); err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, st.Size())); err != nil {
		return nil, err
	}
	return &agentBinary{f: f, size: st.Size(), volume: "paratest-agent-" + hex.EncodeToString(h.Sum(nil)[:8])}, nil
}

// file is the agent as a file to copy to p.
func (a *agentBinary) file(p string) engine.File {
	return engine.File{Path: p, Mode: 0o755, From: a.f, Size: a.size}
}

// close closes the file; a master of clean or check has no agent (nil).
func (a *agentBinary) close() {
	if a != nil {
		a.f.Close()
	}
}

func checkStatic(r io.ReaderAt) error {
	f, err := elf.NewFile(r)
	if err != nil {
		return notStatic("not a linux ELF binary")
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return notStatic("it is dynamically linked")
		}
	}
	return nil
}

// The agent reaches the workers of a host through one volume, filled once per
// host, mounted read-only into each: a host gets the 18 MB binary once, not once
// per worker. The volume is named by the binary's hash, so a volume found with
// that name holds this very agent, and runs of the same version share it.
const (
	// LabelAgent marks the agent volumes, with the binary's hash as its value.
	LabelAgent = "paratest.agent"
	agentDir   = "/.paratest/bin" // where the volume is mounted
)

// fillAgent makes sure h's engine has the agent volume and returns its name;
// on an engine that cannot give one it is "" and the agent is copied into each
// container instead. claimEngine calls it once per engine.
func (s *master) fillAgent(ctx context.Context, h *host) string {
	name := s.agent.volume
	// The filling container stays, as one of the run's (removed with them),
	// and keeps the volume from another run's clean-up meanwhile.
	holder := s.labels()
	holder[LabelRole] = "agent-volume"
	err := h.eng.Volume(ctx, name, s.cfg.Image, map[string]string{LabelAgent: name}, holder,
		[]engine.File{s.agent.file(path.Base(agentPath))})
	if err != nil {
		s.con.Warnf("host %s: %v; copying the agent into each container instead", h.name, err)
		return ""
	}
	return name
}
