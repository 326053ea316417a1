package agent

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// MarkEnv is the variable that marks every process of one command: its value
// is unique to the command, and children inherit it, also those that leave the
// command's process group with setsid or a double fork, so that they can be
// found and killed when the command ends. Only a process that replaces its
// whole environment (env -i) loses the mark.
const MarkEnv = "PARATEST_COMMAND_MARK"

var marks atomic.Uint64

// newMark is a MarkEnv entry no other command of this container has.
func newMark() string {
	return fmt.Sprintf("%s=%d.%d.%d", MarkEnv, os.Getpid(), time.Now().UnixNano(), marks.Add(1))
}

// procRoot is where the processes are listed.
var procRoot = "/proc"

// killMarked kills every process whose environment holds mark (KEY=VALUE),
// until none is left: a process may fork while its siblings are killed. It
// gives up after a second.
func killMarked(mark string) {
	want := append([]byte(mark), 0)
	deadline := time.Now().Add(time.Second)
	for {
		found := false
		dirs, _ := filepath.Glob(filepath.Join(procRoot, "[0-9]*"))
		for _, d := range dirs {
			pid, err := strconv.Atoi(filepath.Base(d))
			if err != nil || pid == os.Getpid() {
				continue
			}
			env, err := os.ReadFile(filepath.Join(d, "environ"))
			if err != nil || !hasEntry(env, want) {
				continue
			}
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				found = true
			}
		}
		if !found || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hasEntry reports whether the NUL-separated environment env holds entry
// (KEY=VALUE followed by its NUL).
func hasEntry(env, entry []byte) bool {
	return bytes.HasPrefix(env, entry) || bytes.Contains(env, append([]byte{0}, entry...))
}
