package agent

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// warm is `agent warm SOCKET -- COMMAND...`: the client of a preset's warm
// runner (the pytest preset's run.py serve, the rspec preset's server.rb). It
// runs one batch in the server listening on the unix socket SOCKET, or runs
// COMMAND itself — the batch's cold command — when there is none. It is the
// agent, already in the container, so a batch pays no interpreter start for
// its client.
//
// The protocol. The client connects and sends one request, its own stdin,
// stdout and stderr riding on it (SCM_RIGHTS). The request is NUL-terminated
// fields, bytes as they are (argv and the environment cannot hold NUL):
//
//	PARATEST-WARM 1, the working directory, len(COMMAND), COMMAND..., the
//	number of environment entries, KEY=VALUE...
//
// The server forks a child from its preloaded state; the child takes the
// three descriptors as 0, 1 and 2 and runs COMMAND as the cold command would.
// The server answers with lines:
//
//	refuse WHY     before forking: this command is not the server's
//	pid N          the child, leader of its own process group
//	exit N         the child exited with N
//	signal N       the child was killed by signal N
//
// and the client exits with the child's code, or 128+N as a shell would. When
// the client goes (the agent's timeout kills its process group), the server
// kills the child's group. A verdict never depends on the server: the client
// execs COMMAND itself when PARATEST_WARM is off, when no server listens and
// none is loading (a server that loads has its pid in SOCKET.pid and listens
// once loaded; with WarmStartingEnv the client waits for that pid file), when one has been loading for longer than warmWait
// (it then leaves SOCKET.slow, so that later batches do not wait), when the
// server refuses, or when it dies before the child's status (after killing
// the child's group and waiting for it to be gone).
func warm(path string, cmd []string, stderr io.Writer) int {
	if len(cmd) == 0 {
		fmt.Fprintln(stderr, "agent: usage: warm SOCKET -- COMMAND...")
		return 2
	}
	switch strings.ToLower(os.Getenv("PARATEST_WARM")) {
	case "0", "false", "no", "off":
		return cold(cmd, "", stderr)
	}
	conn := warmConnect(path)
	if conn == nil {
		return cold(cmd, "", stderr)
	}
	defer conn.Close()
	req, err := warmRequest(cmd)
	if err != nil {
		return cold(cmd, fmt.Sprintf("cannot send the batch (%v)", err), stderr)
	}
	rights := syscall.UnixRights(0, 1, 2)
	n, _, err := conn.WriteMsgUnix(req, rights, nil)
	if err == nil && n < len(req) {
		_, err = conn.Write(req[n:])
	}
	if err != nil {
		return cold(cmd, fmt.Sprintf("cannot send the batch (%v)", err), stderr)
	}
	pid := 0
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break // as if the server died
		}
		word, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		n, nerr := strconv.Atoi(rest)
		switch {
		case word == "refuse":
			return cold(cmd, "refused the batch ("+rest+")", stderr)
		case nerr != nil:
			// a broken line: as if the server died
		case word == "pid":
			pid = n
			continue
		case word == "exit":
			return n
		case word == "signal":
			return 128 + n
		default:
			continue
		}
		break
	}
	// The server died before the child's status: the child goes too, and the
	// batch runs again on its own.
	if pid > 0 {
		killGroup(pid, 10*time.Second)
	}
	return cold(cmd, "it ended before the batch did", stderr)
}

// warmWait is how long a batch waits for a server still loading the suite.
const warmWait = 60 * time.Second

// WarmStartingEnv, a duration, tells `agent warm` that the server was started
// just before its command: it waits that long for the server's pid file to
// appear before it runs the command cold.
const WarmStartingEnv = "PARATEST_WARM_STARTING"

// warmConnect is a connection to the server at path, or nil when there is
// none to wait for: no pid file, a dead server, one loading for longer than
// warmWait.
func warmConnect(path string) *net.UnixConn {
	start := time.Now()
	deadline := start.Add(warmWait)
	// The runner sets WarmStartingEnv on a command it sends right after
	// starting the server: its pid file may not be written yet.
	starting, _ := time.ParseDuration(os.Getenv(WarmStartingEnv))
	for {
		c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
		if err == nil {
			return c
		}
		pid := readPid(path + ".pid")
		if pid <= 0 && time.Since(start) < starting {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if pid <= 0 || !processAlive(pid) {
			return nil
		}
		if _, err := os.Stat(path + ".slow"); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			if f, err := os.Create(path + ".slow"); err == nil {
				f.Close()
			}
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readPid(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// warmRequest is the request for cmd: NUL-terminated fields.
func warmRequest(cmd []string) ([]byte, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	fields := append([]string{"PARATEST-WARM 1", wd, strconv.Itoa(len(cmd))}, cmd...)
	fields = append(append(fields, strconv.Itoa(len(env))), env...)
	var b bytes.Buffer
	for _, f := range fields {
		b.WriteString(f)
		b.WriteByte(0)
	}
	return b.Bytes(), nil
}

// killGroup kills the process group pgid until it has no process left, for at
// most within.
func killGroup(pgid int, within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
			return // ESRCH: gone; EPERM: not ours to kill
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cold replaces the agent with cmd, found on PATH as a shell would, after
// saying why when why is not "". It returns only when cmd cannot be run, with
// a shell's exit code for that.
func cold(cmd []string, why string, stderr io.Writer) int {
	if why != "" {
		fmt.Fprintf(stderr, "paratest: warm runner: %s; running the batch cold\n", why)
	}
	exe, err := exec.LookPath(cmd[0])
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return ExitNotFound
	}
	err = syscall.Exec(exe, cmd, os.Environ())
	fmt.Fprintf(stderr, "agent: exec %s: %v\n", exe, err)
	return ExitNotExecutable
}
