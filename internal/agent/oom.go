package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// CgroupRoot is where a container sees its own cgroup: the memory controller's
// files are there under cgroup v2, under memory/ under v1.
const CgroupRoot = "/sys/fs/cgroup"

func (s *server) cgroup() string {
	if s.cfg.Cgroup != "" {
		return s.cfg.Cgroup
	}
	return CgroupRoot
}

// oomKills is how many processes of the container the kernel has killed for
// going over its memory limit; 0 when the cgroup does not tell.
func (s *server) oomKills() int64 {
	root := s.cgroup()
	for _, f := range []string{filepath.Join(root, "memory.events"), filepath.Join(root, "memory", "memory.oom_control")} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(data)) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "oom_kill "); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
	}
	return 0
}

// memoryLimit is the container's memory limit in bytes; 0 when it has none or
// the cgroup does not tell.
func memoryLimit(root string) int64 {
	for _, f := range []string{filepath.Join(root, "memory.max"), filepath.Join(root, "memory", "memory.limit_in_bytes")} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || n >= 1<<62 { // "max", or v1's "no limit"
			return 0
		}
		return n
	}
	return 0
}

// What the kernel kills first when a container goes over its memory limit:
// the tests' processes, then the services', never the agent before them, for
// a killed agent loses the worker's session and with it the verdict that says
// "out of memory". An unprivileged process may raise its own score and lower
// it back, never below where it began.
const (
	oomScoreCommand = 1000
	oomScoreService = 500
)

// oomScoreMu keeps one start at a time in the window where the agent carries
// the score its child is to inherit.
var oomScoreMu sync.Mutex

// startScored starts cmd with the kernel's OOM score adjustment set to score:
// the agent takes it on while it forks, so the child inherits it from its first
// instruction (a write to the child's file after the fork would race what the
// child starts), and returns to its own at once. Where the file cannot be
// written (a read-only /proc), cmd starts as it is.
func startScored(cmd *exec.Cmd, score int) error {
	const file = "/proc/self/oom_score_adj"
	oomScoreMu.Lock()
	defer oomScoreMu.Unlock()
	own, err := os.ReadFile(file)
	if err != nil || os.WriteFile(file, []byte(strconv.Itoa(score)), 0) != nil {
		return cmd.Start()
	}
	// The agent may always return to the score it began with.
	defer func() { _ = os.WriteFile(file, own, 0) }()
	return cmd.Start()
}
