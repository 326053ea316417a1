package agent

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
