package sshdtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// killDescendants kills every process below pid: sshd's per-connection
// processes. sshd -D does not put them in its process group (they call setsid),
// so they are found through /proc. Leaves are killed first, so every process is
// reaped by its own parent and none is left a zombie for an init that may not reap.
func killDescendants(pid int) error {
	deadline := time.After(10 * time.Second)
	for {
		tree := processTree()
		below := descendants(tree, pid)
		if len(below) == 0 {
			return nil
		}
		for _, p := range below {
			if len(tree[p]) == 0 {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}
		select {
		case <-deadline:
			for _, p := range below {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			return fmt.Errorf("sshd sessions %v still running after 10s", below)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// processTree maps a pid to its living children's pids.
func processTree() map[int][]int {
	tree := make(map[int][]int)
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process has gone
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 2 || string(f[0]) == "Z" {
			continue // a zombie is dead already; its parent reaps it
		}
		pid, err1 := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, err2 := strconv.Atoi(string(f[1]))
		if err1 == nil && err2 == nil {
			tree[ppid] = append(tree[ppid], pid)
		}
	}
	return tree
}

func descendants(tree map[int][]int, pid int) []int {
	var out []int
	for _, c := range tree[pid] {
		out = append(out, c)
		out = append(out, descendants(tree, c)...)
	}
	return out
}
