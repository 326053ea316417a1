package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"path"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// loadAgent reads the binary that runs inside the containers: the running
// executable unless path says otherwise. It must be a static linux ELF, since the
// test image may have no C library at all.
func loadAgent(path string) ([]byte, error) {
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, exit.Infraf("find own executable: %w", err)
		}
		path = exe
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, exit.Infraf("read agent binary: %w", err)
	}
	if err := checkStatic(data); err != nil {
		return nil, exit.Usagef("%s cannot run inside the test containers: %v; build jenkins-paratest with CGO_ENABLED=0 (make build does)", path, err)
	}
	return data, nil
}

func checkStatic(data []byte) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a linux ELF binary")
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("it is dynamically linked")
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

// agentVolume is the name of the volume holding the agent binary data.
func agentVolume(data []byte) string {
	sum := sha256.Sum256(data)
	return "paratest-agent-" + hex.EncodeToString(sum[:8])
}

// fillAgent makes sure h's engine has the agent volume and returns its name;
// on an engine that cannot give one it is "" and the agent is copied into each
// container instead. claimEngine calls it once per engine.
func (s *master) fillAgent(ctx context.Context, h *host) string {
	name := agentVolume(s.agent)
	// The filling container stays, as one of the run's (removed with them),
	// and keeps the volume from another run's clean-up meanwhile.
	holder := s.labels()
	holder[LabelRole] = "agent-volume"
	err := h.eng.Volume(ctx, name, s.cfg.Image, map[string]string{LabelAgent: name}, holder,
		[]engine.File{{Path: path.Base(agentPath), Mode: 0o755, Data: s.agent}})
	if err != nil {
		s.con.Warnf("host %s: %v; copying the agent into each container instead", h.name, err)
		return ""
	}
	return name
}
