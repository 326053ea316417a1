package runner

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"

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
