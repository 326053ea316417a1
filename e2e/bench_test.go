package e2e

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkDispatch measures what the runner adds per test: each iteration runs a
// suite of trivial tests (`true`) with 20 and with 200 tests on 2 workers; the
// difference, divided by 180, is the marginal cost of one more test — one exec in
// a running container plus the queue, verdict and report work — free of start-up
// and clean-up, which both runs share.
func BenchmarkDispatch(b *testing.B) {
	for _, batch := range []int{1, 10} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			if skipReason != "" || shellImage == "" {
				b.Skip("needs the engine and busybox")
			}
			var marginal, startup time.Duration
			for range b.N {
				small := timeRun(b, 20, batch)
				large := timeRun(b, 200, batch)
				marginal += (large - small) / 180
				startup += small - 20*(large-small)/180
			}
			b.ReportMetric(float64(marginal.Microseconds())/1000/float64(b.N), "ms/test")
			b.ReportMetric(float64(startup.Milliseconds())/float64(b.N), "ms-fixed/run")
		})
	}
}

func timeRun(b *testing.B, n, batch int) time.Duration {
	b.Helper()
	dir := b.TempDir()
	yml := fmt.Sprintf(`
image: %s
pull: never
workers: 2
batch: %d
list: 'i=0; while [ $i -lt %d ]; do echo t$i; i=$((i+1)); done'
command: ['true']
`, shellImage, batch, n)
	writeFile(b, filepath.Join(dir, "paratest.yml"), yml)
	start := time.Now()
	r := paratestB(b, dir, "run", "--run-id", fmt.Sprintf("bench-%d", time.Now().UnixNano()))
	d := time.Since(start)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("%d passed", n)) {
		b.Fatalf("run of %d tests: exit %d\n%s%s", n, r.code, r.stdout, r.stderr)
	}
	return d
}

// BenchmarkStartToFirstTest measures, over 3 sshd hosts × 4 workers with the image
// present, the time from starting the binary to the first finished test on the
// console: SSH handshakes, engine checks, listing and 12 container starts.
func BenchmarkStartToFirstTest(b *testing.B) {
	if skipReason != "" || shellImage == "" {
		b.Skip("needs the engine and busybox")
	}
	hosts := startHostsB(b, 3, 4)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "paratest.yml"), `
image: `+shellImage+`
pull: never
list: 'i=0; while [ $i -lt 24 ]; do echo t$i; i=$((i+1)); done'
command: 'true'
`)
	var total time.Duration
	for range b.N {
		cmd := exec.Command(binary, append([]string{"run", "--run-id", fmt.Sprintf("bench-%d", time.Now().UnixNano())}, hosts.flags()...)...)
		cmd.Dir = dir
		cmd.Env = cleanEnv()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		var first time.Duration
		for sc.Scan() {
			if first == 0 && strings.Contains(sc.Text(), " PASS ") {
				first = time.Since(start)
			}
		}
		if err := cmd.Wait(); err != nil || first == 0 {
			b.Fatalf("run: %v (first test seen: %v)", err, first > 0)
		}
		total += first
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-first-test")
}
