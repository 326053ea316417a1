package e2e

import (
	"fmt"
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

// BenchmarkStartToFirstTest measures, over 3 sshd hosts × 4 workers and 4 × 8
// with the image present, the time from starting the binary to the first
// finished test on the console: SSH handshakes, engine checks, listing and the
// container starts.
func BenchmarkStartToFirstTest(b *testing.B) {
	for _, size := range []struct{ hosts, workers int }{{3, 4}, {4, 8}} {
		b.Run(fmt.Sprintf("%dx%d", size.hosts, size.workers), func(b *testing.B) {
			if skipReason != "" || shellImage == "" {
				b.Skip("needs the engine and busybox")
			}
			hosts := startHostsB(b, size.hosts, size.workers)
			var total time.Duration
			for range b.N {
				total += startToFirstTest(b, hosts, 2*size.hosts*size.workers)
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-first-test")
		})
	}
}

// startToFirstTest runs n trivial tests over hosts once and returns the time from
// starting the binary to the first finished test on the console.
func startToFirstTest(b *testing.B, hosts *sshHosts, n int) time.Duration {
	b.Helper()
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "paratest.yml"), fmt.Sprintf(`
image: %s
pull: never
list: 'i=0; while [ $i -lt %d ]; do echo t$i; i=$((i+1)); done'
command: 'true'
`, shellImage, n))
	r := runTimed(b, dir, append([]string{"run", "--run-id", benchRunID()}, hosts.flags()...)...)
	if r.code != 0 || r.first == 0 {
		b.Fatalf("run: exit %d (first test seen: %v)\n%s%s", r.code, r.first > 0, tail(r.stdout, 4000), r.stderr)
	}
	return r.first
}
