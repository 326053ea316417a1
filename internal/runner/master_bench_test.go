package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/benchtable"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
)

// masterChildEnv tells a re-executed test binary to be BenchmarkSpeedP4Master's
// child: its value is "<tests>x<workers>".
const masterChildEnv = "PARATEST_MASTER_CHILD"

// masterBudget bounds one child run (PARATEST_BENCH_P4_BUDGET, a Go duration): a
// master slower than that is stopped and reported with how far it got, so make
// bench ends in bounded time whatever the runner's speed.
func masterBudget() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PARATEST_BENCH_P4_BUDGET")); err == nil && d > 0 {
		return d
	}
	return 150 * time.Second
}

// masterUsage is what one child run cost.
type masterUsage struct {
	tests, done int // tests in the suite; verdicts in its journal
	rssMB       float64
	cpu, wall   time.Duration
	stopped     bool // killed at the budget
}

// perTenK is the CPU time per 10,000 tests of the suite. A stopped run would
// have cost at least what it had spent, so its figure is a lower bound.
func (u masterUsage) perTenK() float64 { return u.cpu.Seconds() / float64(u.tests) * 10_000 }

// atLeast is "≥ " for a stopped run's figures.
func (u masterUsage) atLeast() string {
	if u.stopped {
		return "≥ "
	}
	return ""
}

func (u masterUsage) String() string {
	s := fmt.Sprintf("peak RSS %s%.0f MB, %s%.2f CPU-s/10k tests (%.1f CPU-s, %.1f s wall)", u.atLeast(), u.rssMB, u.atLeast(), u.perTenK(), u.cpu.Seconds(), u.wall.Seconds())
	if u.stopped {
		s = fmt.Sprintf("stopped at the %s budget with %d of %d verdicts: %s", masterBudget(), u.done, u.tests, s)
	}
	return s
}

// BenchmarkSpeedP4Master measures the master alone — queue, leases, verdicts,
// journal, reports — on 100,000 trivial tests over 256 workers of the in-process
// fake engine, so no container cost hides it, and, in the same run, on 10,000
// tests for the scaling. Each run happens in a child process (this test binary
// re-executed for TestMasterChild) whose rusage gives the peak RSS and CPU time of
// the whole process: what a Jenkins agent pays for the master. Issue 10's
// targets: ≤ 100 MB and ≤ 1 CPU-second per 10,000 tests.
func BenchmarkSpeedP4Master(b *testing.B) {
	const workers = 256
	if _, err := os.Stat("/bin/busybox"); err != nil {
		b.Skip("needs a static binary at /bin/busybox (apt-get install busybox-static)")
	}
	var big, small masterUsage
	for range b.N {
		small = runMasterChild(b, 10_000, workers)
		big = runMasterChild(b, 100_000, workers)
	}
	b.ReportMetric(big.rssMB, "peak-RSS-MB")
	b.ReportMetric(big.perTenK(), "CPU-s/10k-tests")
	b.ReportMetric(float64(big.done), "tests-done")
	b.ReportMetric(small.rssMB, "peak-RSS-MB@10k")
	b.ReportMetric(small.perTenK(), "CPU-s/10k-tests@10k")
	benchtable.Row(b, "P4", "the master alone, in-process fake engine, trivial tests, batch 1",
		"100,000 tests × 256 workers: "+big.String(),
		"10,000 tests × 256 workers: "+small.String(),
		fmt.Sprintf("RSS %s%.2f× target, CPU %s%.2f× target; CPU-s/10k at 100k ÷ at 10k: %s%.1f",
			big.atLeast(), big.rssMB/100, big.atLeast(), big.perTenK()/1, big.atLeast(), big.perTenK()/small.perTenK()),
		"≤ 100 MB, ≤ 1 CPU-s/10k tests")
}

// runMasterChild runs TestMasterChild on tests × workers in a child process,
// killed at masterBudget, and reads its rusage and its journal.
func runMasterChild(b *testing.B, tests, workers int) masterUsage {
	b.Helper()
	tmp := b.TempDir() // the child's t.TempDir()s, left here also when it is killed
	ctx, cancel := context.WithTimeout(context.Background(), masterBudget())
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestMasterChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%dx%d", masterChildEnv, tests, workers), "TMPDIR="+tmp)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	u := masterUsage{tests: tests, wall: time.Since(start), stopped: ctx.Err() != nil}
	if err != nil && !u.stopped {
		b.Fatalf("master child %d × %d: %v\n%s", tests, workers, err, out.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	u.rssMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	u.cpu = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	u.done = tests
	if u.stopped {
		journals, _ := filepath.Glob(filepath.Join(tmp, "*", "*", "out", "journal.jsonl"))
		u.done = 0
		for _, j := range journals {
			data, _ := os.ReadFile(j)
			u.done += bytes.Count(data, []byte("\n"))
		}
	}
	return u
}

// TestMasterChild is BenchmarkSpeedP4Master's child; on its own it skips.
func TestMasterChild(t *testing.T) {
	spec := os.Getenv(masterChildEnv)
	if spec == "" {
		t.Skip("BenchmarkSpeedP4Master's child process")
	}
	var tests, workers int
	if _, err := fmt.Sscanf(spec, "%dx%d", &tests, &workers); err != nil {
		t.Fatalf("%s=%q: %v", masterChildEnv, spec, err)
	}
	ids := make([]string, tests)
	for i := range ids {
		// 100 tests a file, as in a real suite: each file is one JUnit suite.
		ids[i] = "tests/test_" + strconv.Itoa(i/100) + ".py::test_" + strconv.Itoa(i)
	}
	eng := &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }}
	// The console goes to a file, as a Jenkins agent's goes to the build log: a
	// buffer of 100,000 lines would count against the master's memory.
	console, err := os.Create(filepath.Join(t.TempDir(), "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer console.Close()
	r, err := fakeRunTo(t, ids, eng, console, func(cfg *config.Config) { cfg.Workers = workers })
	if err != nil {
		t.Fatalf("Run: %v (console: %s)", err, console.Name())
	}
	if c := r.Counts(); c.Passed != tests {
		t.Fatalf("counts %+v, want %d passed (console: %s)", c, tests, console.Name())
	}
}
