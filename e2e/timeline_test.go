package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jenkinsCSP is the Content-Security-Policy Jenkins serves archived artifacts
// and HTML Publisher reports under by default
// (hudson.model.DirectoryBrowserSupport.CSP): no script, no inline style.
const jenkinsCSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'self';"

// needChromium is Debian's chromium, or skips (fails under PARATEST_REQUIRE_E2E=1).
func needChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
		t.Fatal("PARATEST_REQUIRE_E2E=1 but chromium is missing (apt-get install chromium)")
	}
	t.Skip("no chromium (apt-get install chromium)")
	return ""
}

// chromiumRun runs headless Chromium with args and returns its stdout and its
// log (stderr, with the pages' console messages in it).
func chromiumRun(t *testing.T, chromium string, args ...string) (stdout []byte, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=1"}, args...)
	cmd := exec.CommandContext(ctx, chromium, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, e.String())
	}
	return o.Bytes(), e.String()
}

// consoleLine is a message a page logged (Chromium's "INFO:CONSOLE" lines: a
// script error, a CSP violation, a resource that failed to load).
var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

// The timeline of a real run — passing tests, one failing, one flaky, one
// timed out — served as Jenkins serves it, under its default CSP, in headless
// Chromium: the page logs nothing (no error, no CSP violation), its DOM has a
// bar for every attempt in its data, and a screenshot of it shows each
// verdict's colour.
func TestTimelineInChromium(t *testing.T) {
	need(t, true)
	chromium := needChromium(t)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 2
timeout: 2s
rerun_threshold: 50%
stream: none
list: 'for id in ok1 ok2 ok3 ok4 fail flaky slow; do echo $id; done'
command: 'sleep 0.2; case "$1" in fail) echo "assertion failed"; exit 1;; flaky) [ "$PARATEST_ROUND" != 1 ];; slow) sleep 30;; esac'
`)
	// Each attempt takes 0.2 s or more: a bar of its own, wider than a pixel.
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	assertNoContainers(t, id)
	out := filepath.Join(dir, "paratest-out")
	page, err := os.ReadFile(filepath.Join(out, "timeline.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stdout, "paratest-out/timeline.html\n") {
		t.Errorf("the console's artifacts do not list timeline.html")
	}
	if md, _ := os.ReadFile(filepath.Join(out, "summary.md")); !strings.Contains(string(md), "timeline: [`paratest-out/timeline.html`](timeline.html)") {
		t.Errorf("summary.md does not link the timeline:\n%s", md)
	}

	// The data: ok1-4 once, flaky twice, fail and slow in all three rounds.
	data := timelineData(t, page)
	verdicts := map[string]int{}
	for _, a := range data.Attempts {
		verdicts[a[4].(string)]++
	}
	want := map[string]int{"passed": 5, "failed": 3, "flaky": 1, "timed_out": 3}
	if fmt.Sprint(verdicts) != fmt.Sprint(want) {
		t.Errorf("attempts by verdict %v, want %v", verdicts, want)
	}
	t.Logf("timeline.html: %d bytes, %d attempts on %d lanes, %d phases", len(page), len(data.Attempts), len(data.Lanes), len(data.Phases))

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", jenkinsCSP)
		http.FileServer(http.Dir(out)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	url := srv.URL + "/timeline.html"

	dom, log := chromiumRun(t, chromium, "--virtual-time-budget=5000", "--dump-dom", url)
	if lines := consoleLine.FindAllString(log, -1); len(lines) > 0 {
		t.Errorf("the page logged to the console (errors, CSP violations):\n%s", strings.Join(lines, "\n"))
	}
	if strings.Contains(log, "Content Security Policy") {
		t.Errorf("Chromium reports a CSP violation:\n%s", log)
	}
	bars := map[int]bool{}
	for _, m := range regexp.MustCompile(`data-a="(\d+)"`).FindAllSubmatch(dom, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		if bars[n] {
			t.Errorf("attempt %d has two bars", n)
		}
		bars[n] = true
	}
	if len(bars) != len(data.Attempts) || bytes.Contains(dom, []byte("data-n=")) {
		t.Errorf("the DOM has %d bars of one attempt (merged: %v), the data %d attempts", len(bars), bytes.Contains(dom, []byte("data-n=")), len(data.Attempts))
	}
	for i := range data.Attempts {
		if !bars[i] {
			t.Errorf("attempt %d has no bar in the DOM", i)
		}
	}

	shot := filepath.Join(t.TempDir(), "timeline.png")
	_, log = chromiumRun(t, chromium, "--screenshot="+shot, "--window-size=1400,900", url)
	if lines := consoleLine.FindAllString(log, -1); len(lines) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(lines, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colours := countColours(img)
	if len(colours) < 10 {
		t.Errorf("screenshot has %d colours: blank", len(colours))
	}
	// Each verdict's colour (timeline's verdictColour) fills part of a bar.
	for name, rgb := range map[string]uint32{"passed": 0x4e9a3f, "failed": 0xd62728, "flaky": 0xff9f1c, "timed out": 0x7b3fa0} {
		if colours[rgb] < 50 {
			t.Errorf("screenshot has %d pixels of %s's colour #%06x, want a bar's", colours[rgb], name, rgb)
		}
	}
	if t.Failed() {
		keep := filepath.Join(os.TempDir(), id+".png")
		if data, err := os.ReadFile(shot); err == nil && os.WriteFile(keep, data, 0o644) == nil {
			t.Logf("screenshot kept at %s", keep)
		}
	}
}

// timelineJSON is what the test reads of a timeline's data block.
type timelineJSON struct {
	Attempts [][]any           `json:"attempts"`
	Lanes    []json.RawMessage `json:"lanes"`
	Phases   []struct {
		Name string `json:"name"`
	} `json:"phases"`
}

func timelineData(t *testing.T, page []byte) timelineJSON {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="paratest-timeline">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("timeline.html has no data block")
	}
	var d timelineJSON
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatalf("timeline data: %v", err)
	}
	return d
}

// countColours counts the pixels of each colour, as 0xRRGGBB.
func countColours(img image.Image) map[uint32]int {
	n := map[uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			n[(r>>8)<<16|(g>>8)<<8|bl>>8]++
		}
	}
	return n
}
