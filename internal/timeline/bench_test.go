package timeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// bigRun is a run of n tests on hosts × perHost workers: durations heavy-tailed
// (log-normal, median 1 s), 1 % failing once and passing on the rerun, each
// worker taking the next test when it is free, with the phases and container
// events a real run records.
func bigRun(n, hosts, perHost int) *result.Run {
	rng := rand.New(rand.NewPCG(1, 2))
	workers := hosts * perHost
	run := &result.Run{ID: "bench", Start: t0, Workers: workers}
	free := make([]time.Time, workers)
	place := func(w int) (string, string) {
		return fmt.Sprintf("h%02d", w/perHost), fmt.Sprintf("w%d", w%perHost)
	}
	for w := range workers {
		host, name := place(w)
		start := t0.Add(time.Duration(w%perHost) * 300 * time.Millisecond)
		free[w] = start.Add(2 * time.Second)
		run.Events = append(run.Events,
			result.WorkerEvent{Time: start, Host: host, Worker: name, Kind: result.EventStarting},
			result.WorkerEvent{Time: free[w], Host: host, Worker: name, Kind: result.EventReady})
	}
	next := func() int { // the worker free first
		best := 0
		for w := range free {
			if free[w].Before(free[best]) {
				best = w
			}
		}
		return best
	}
	attempt := func(status result.Status, round int) result.Attempt {
		w := next()
		d := time.Duration(math.Exp(rng.NormFloat64()) * float64(time.Second))
		host, name := place(w)
		a := result.Attempt{Status: status, Round: round, Host: host, Worker: name, Start: free[w], Duration: d}
		free[w] = free[w].Add(d + time.Millisecond)
		return a
	}
	var flaky []*result.Test
	for i := range n {
		t := test(fmt.Sprintf("example.com/app/pkg%03d.TestCase%06d", i%500, i), attempt(result.Passed, 1))
		if i%100 == 7 {
			t.Attempts[0].Status = result.Failed
			t.Attempts[0].Say(result.Detail{Message: "expected 1, got 2"})
			flaky = append(flaky, t)
		}
		run.Tests = append(run.Tests, t)
	}
	round2 := free[next()]
	for _, t := range flaky {
		t.Attempts = append(t.Attempts, attempt(result.Passed, 2))
	}
	var end time.Time
	for _, f := range free {
		if f.After(end) {
			end = f
		}
	}
	run.Phases = phases([]string{"starting", "listing", "running", "rerun round 2", "reports", "cleanup", "summary"},
		0, 0.5, 2, round2.Sub(t0).Seconds(), end.Sub(t0).Seconds(), end.Sub(t0).Seconds()+0.5, end.Sub(t0).Seconds()+3)
	run.Duration = end.Sub(t0)
	return run
}

// BenchmarkRender100k renders the timeline of 100,000 attempts on 256
// workers and reports the page's size.
func BenchmarkRender100k(b *testing.B) {
	run := bigRun(100_000, 8, 32)
	var size int
	for b.Loop() {
		size = len(Render(run))
	}
	b.ReportMetric(float64(size)/1e6, "MB")
}

// TestChromiumLoad100k logs the size of the timeline of 100,000 attempts on 256
// workers and how long headless Chromium takes to load it and draw it, served
// under Jenkins' CSP: the time of a screenshot of it less that of an empty
// page. A figure, not an assertion; it runs with PARATEST_TIMELINE_LOAD=1.
func TestChromiumLoad100k(t *testing.T) {
	if os.Getenv("PARATEST_TIMELINE_LOAD") != "1" {
		t.Skip("PARATEST_TIMELINE_LOAD=1 measures the load time in Chromium")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium (apt-get install chromium)")
	}
	dir := t.TempDir()
	run := bigRun(100_000, 8, 32)
	start := time.Now()
	page := Render(run)
	renderTime := time.Since(start)
	m := build(run)
	bars := m.bars(m.geometry())
	os.WriteFile(filepath.Join(dir, "timeline.html"), page, 0o644)
	os.WriteFile(filepath.Join(dir, "empty.html"), []byte("<!DOCTYPE html><title>empty</title>"), 0o644)
	srv := httptest.NewServer(withJenkinsCSP(http.FileServer(http.Dir(dir))))
	defer srv.Close()
	shot := func(name string) time.Duration {
		start := time.Now()
		cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
			"--user-data-dir="+filepath.Join(dir, "profile-"+name), "--screenshot="+filepath.Join(dir, name+".png"),
			"--window-size=1400,900", srv.URL+"/"+name+".html")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	shot("empty") // a first start warms the disk cache
	base, full := shot("empty"), shot("timeline")
	t.Logf("100,000 attempts × 256 workers: %.1f MB (%.1f MB of it the data block), %d bar elements (%d merged, columns of %d px), rendered in %s; Chromium: %s to load and draw (%s, less %s for an empty page)",
		float64(len(page))/1e6, float64(len(embedded(t, page)))/1e6, len(bars), countMerged(bars), m.ColumnPX, renderTime.Round(time.Millisecond),
		(full - base).Round(10*time.Millisecond), full.Round(10*time.Millisecond), base.Round(10*time.Millisecond))
}

func countMerged(bars []bar) int {
	n := 0
	for _, b := range bars {
		if len(b.attempts) > 1 {
			n++
		}
	}
	return n
}

// jenkinsCSP is the Content-Security-Policy Jenkins serves archived files and
// published HTML reports under by default (hudson.model.DirectoryBrowserSupport.CSP).
const jenkinsCSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'self';"

func withJenkinsCSP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", jenkinsCSP)
		h.ServeHTTP(w, r)
	})
}
