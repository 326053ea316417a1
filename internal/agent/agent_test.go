package agent

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func main(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestExecPassesArgvVerbatimAndExitCode(t *testing.T) {
	code, out, _ := main(t, "exec", "--", "sh", "-c", `printf '%s\n' "$@"; exit 7`, "sh", "a; rm -rf /", "$(id)")
	if code != 7 {
		t.Errorf("exit code %d, want 7", code)
	}
	if want := "a; rm -rf /\n$(id)\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

func TestExecMissingCommandIs127(t *testing.T) {
	code, _, stderr := main(t, "exec", "--", "/no/such/program")
	if code != ExitNotFound {
		t.Errorf("exit code %d, want %d", code, ExitNotFound)
	}
	if !strings.Contains(stderr, "/no/such/program") {
		t.Errorf("stderr %q does not name the program", stderr)
	}
}

func TestExecKillsWhatTheCommandLeftRunning(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The command starts a background sleeper and exits at once.
	code, _, _ := main(t, "exec", "--", "sh", "-c", `sleep 300 & echo $! > "$1"`, "sh", pidFile)
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	// The sleeper was our grandchild; once killed, it is reaped by init (or is a
	// zombie until then): either way it no longer runs.
	if !gone(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("background process %d still runs", pid)
	}
}

// A process that left the command's process group (setsid) does not outlive
// the command either.
func TestExecKillsWhatEscapedTheProcessGroup(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("needs setsid (util-linux)")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	code, _, _ := main(t, "exec", "--", "sh", "-c", `setsid sh -c 'echo $$ > "$1"; exec sleep 300' sh "$1" </dev/null >/dev/null 2>&1 & sleep 0.3`, "sh", pidFile)
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if !gone(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the setsid process %d still runs", pid)
	}
}

// gone waits a moment for pid to stop running (killed; a zombie counts):
// SIGKILL is delivered asynchronously.
func gone(pid int) bool {
	for range 100 {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestExecCancelKillsTheCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	if code := Main(ctx, []string{"exec", "--", "sleep", "300"}, &o, &e); code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit code %d, want %d", code, 128+int(syscall.SIGKILL))
	}
}

func TestGoList(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "example", "sample.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = "testdata/sample"
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	code, out, stderr := main(t, "golist", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "example/sample.TestAlpha\nexample/sample.TestBeta\nexample/sample.Example_delta\n"
	if out != want {
		t.Errorf("golist printed\n%s\nwant\n%s", out, want)
	}
}

func TestGoListEmptyDirIsAnError(t *testing.T) {
	code, _, stderr := main(t, "golist", t.TempDir())
	if code == 0 || !strings.Contains(stderr, "no <import path>.test binaries") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestRm(t *testing.T) {
	f := filepath.Join(t.TempDir(), "junit.xml")
	os.WriteFile(f, []byte("x"), 0o644)
	if code, _, e := main(t, "rm", f); code != 0 {
		t.Fatalf("rm: %d %s", code, e)
	}
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
	if code, _, e := main(t, "rm", f); code != 0 {
		t.Fatalf("rm of a missing file: %d %s", code, e)
	}
}

func TestExecTimeoutKillsTheCommand(t *testing.T) {
	code, _, stderr := main(t, "exec", "--timeout", "200ms", "--", "sh", "-c", "sleep 300")
	if code != ExitTimeout {
		t.Errorf("exit code %d, want %d", code, ExitTimeout)
	}
	if !strings.Contains(stderr, TimeoutMarker+"200ms") {
		t.Errorf("stderr %q lacks the timeout marker", stderr)
	}
}

func TestIdleEndsWhenTheHeartbeatGoesStale(t *testing.T) {
	hb := filepath.Join(t.TempDir(), "heartbeat")
	var e bytes.Buffer
	done := make(chan struct{})
	go func() {
		idle(context.Background(), 300*time.Millisecond, hb, &e)
		close(done)
	}()
	// Beating keeps it alive…
	for range 10 {
		if err := beat(hb); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
			t.Fatal("idle ended while the master was beating")
		case <-time.After(50 * time.Millisecond):
		}
	}
	// …silence ends it.
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("idle did not end after the heartbeat went stale")
	}
	if !strings.Contains(e.String(), "no word from the master") {
		t.Errorf("stderr %q does not say why it stopped", e.String())
	}
}

// A held heartbeat (beat --hold, for a kept container) keeps an idle agent
// past its TTL, until the hold and then the TTL are over.
func TestIdleWaitsOutAHeldHeartbeat(t *testing.T) {
	hb := filepath.Join(t.TempDir(), "heartbeat")
	done := make(chan struct{})
	go func() {
		idle(context.Background(), 200*time.Millisecond, hb, io.Discard)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond) // idle's own first beat
	if err := beatAt(hb, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	select {
	case <-done:
		t.Fatalf("idle ended after %s, inside the hold", time.Since(begin))
	case <-time.After(time.Second):
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("idle did not end after the hold and its TTL")
	}
}

// The command's processes are what the kernel kills first for lack of memory,
// from their first instruction; the agent keeps its own score.
func TestCommandIsTheOOMKillersFirstChoice(t *testing.T) {
	own, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		t.Skipf("no OOM score here: %v", err)
	}
	code, out, stderr := main(t, "exec", "--", "sh", "-c", "cat /proc/self/oom_score_adj")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if got := strings.TrimSpace(out); got != strconv.Itoa(oomScoreCommand) {
		t.Errorf("the command's OOM score is %s, want %d", got, oomScoreCommand)
	}
	if after, _ := os.ReadFile("/proc/self/oom_score_adj"); !bytes.Equal(after, own) {
		t.Errorf("the agent's own score went from %q to %q", own, after)
	}
}
