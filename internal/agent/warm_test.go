package agent

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// warmChildEnv makes the test binary `agent warm …` itself: the client execs
// the cold command, which would replace the test process.
const warmChildEnv = "PARATEST_AGENT_WARM_TEST"

func init() {
	if os.Getenv(warmChildEnv) != "" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
}

// runWarm runs `agent warm sock -- cold` in a child process.
func runWarm(t *testing.T, sock string, env []string, cold ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"warm", sock, "--"}, cold...)...)
	cmd.Env = append(append(os.Environ(), warmChildEnv+"=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// fakeServer accepts one client on sock, checks that it sent three
// descriptors and the request, and answers with reply (nil: close at once).
func fakeServer(t *testing.T, sock string, reply func(c *net.UnixConn, req []string)) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		buf, oob := make([]byte, 1<<16), make([]byte, 256)
		n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		if err != nil {
			t.Error(err)
			return
		}
		msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
		var fds []int
		for _, m := range msgs {
			got, _ := syscall.ParseUnixRights(&m)
			fds = append(fds, got...)
		}
		for _, fd := range fds {
			syscall.Close(fd)
		}
		if len(fds) != 3 {
			t.Errorf("the request came with %d descriptors, want stdin, stdout and stderr", len(fds))
		}
		reply(c, strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00"))
	}()
}

func TestWarmExitsWithTheServersChildCode(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	got := make(chan []string, 1)
	fakeServer(t, sock, func(c *net.UnixConn, req []string) {
		got <- req
		c.Write([]byte("pid 999999\nexit 7\n"))
	})
	code, out, _ := runWarm(t, sock, nil, "echo", "cold")
	if code != 7 || out != "" {
		t.Errorf("exit %d, output %q: want the child's 7 and no cold run", code, out)
	}
	req := <-got
	wd, _ := os.Getwd()
	if len(req) < 6 || req[0] != "PARATEST-WARM 1" || req[1] != wd || req[2] != "2" || req[3] != "echo" || req[4] != "cold" {
		t.Errorf("request %q, want the protocol's fields: version, cwd, argc, argv…", req)
	}
	if n, _ := strconv.Atoi(req[5]); n != len(req)-6 || !strings.Contains(strings.Join(req[6:], "\n"), warmChildEnv+"=1") {
		t.Errorf("request environment %q (%s entries)", req[6:], req[5])
	}
}

func TestWarmSignalIs128PlusN(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	fakeServer(t, sock, func(c *net.UnixConn, _ []string) { c.Write([]byte("pid 999999\nsignal 9\n")) })
	if code, _, _ := runWarm(t, sock, nil, "true"); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
}

// No server, a refusing one, or one that dies before the child's status: the
// batch runs cold, and it is said why (but for no server at all).
func TestWarmRunsColdWithoutAServer(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runWarm(t, filepath.Join(dir, "none.sock"), nil, "echo", "cold")
	if code != 0 || out != "cold\n" || errOut != "" {
		t.Errorf("no server: exit %d, %q, %q; want the cold command, silently", code, out, errOut)
	}

	sock := filepath.Join(dir, "refuse.sock")
	fakeServer(t, sock, func(c *net.UnixConn, _ []string) { c.Write([]byte("refuse not mine\n")) })
	code, out, errOut = runWarm(t, sock, nil, "echo", "cold")
	if code != 0 || out != "cold\n" || !strings.Contains(errOut, "refused the batch (not mine)") {
		t.Errorf("refused: exit %d, %q, %q", code, out, errOut)
	}

	// The child the dying server had forked goes with it.
	child := exec.Command("sleep", "60")
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	sock = filepath.Join(dir, "dies.sock")
	fakeServer(t, sock, func(c *net.UnixConn, _ []string) { c.Write([]byte("pid " + strconv.Itoa(child.Process.Pid) + "\n")) })
	code, out, errOut = runWarm(t, sock, nil, "echo", "cold")
	if code != 0 || out != "cold\n" || !strings.Contains(errOut, "it ended before the batch did") {
		t.Errorf("server died: exit %d, %q, %q", code, out, errOut)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		child.Process.Kill()
		t.Error("the dead server's child still runs")
	}
}

// With WarmStartingEnv the client waits for a server whose pid file is not
// written yet, instead of running cold beside it; without it, it does not.
func TestWarmWaitsForAServerJustStarted(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s.sock")
	go func() {
		time.Sleep(300 * time.Millisecond)
		os.WriteFile(sock+".pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
		time.Sleep(300 * time.Millisecond)
		fakeServer(t, sock, func(c *net.UnixConn, _ []string) { c.Write([]byte("pid 999999\nexit 0\n")) })
	}()
	code, out, _ := runWarm(t, sock, []string{WarmStartingEnv + "=5s"}, "echo", "cold")
	if code != 0 || out != "" {
		t.Errorf("exit %d, %q: want the batch served, not run cold", code, out)
	}
	if _, out, _ := runWarm(t, filepath.Join(dir, "other.sock"), nil, "echo", "cold"); out != "cold\n" {
		t.Errorf("without %s: %q, want a cold run at once", WarmStartingEnv, out)
	}
}
