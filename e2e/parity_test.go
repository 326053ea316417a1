package e2e

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The preset parity tests: a suite runs serially with its runner alone, writing
// the runner's own JUnit report, and with jenkins-paratest on several workers; the
// sets of (classname, name, verdict) must be equal.

var runnerImageOnce = sync.OnceValues(func() (string, error) {
	out, err := exec.Command(filepath.Join(repoRoot, "scripts", "runner-image.sh")).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return "", fmt.Errorf("scripts/runner-image.sh: %v\n%s", err, stderr)
	}
	return strings.TrimSpace(string(out)), nil
})

// runnerImage is the offline Debian image with Debian's pytest, rspec,
// rspec_junit_formatter and cucumber (scripts/runner-image.sh), built once and
// kept between runs.
func runnerImage(t *testing.T) string {
	t.Helper()
	need(t, false)
	img, err := runnerImageOnce()
	if err != nil {
		requireOrSkip(t, err.Error())
	}
	return img
}

// suiteImage commits the directory dir into a copy of base at workdir, which
// becomes the image's working directory; the image is removed after the test.
func suiteImage(t *testing.T, base, dir, workdir string) string {
	t.Helper()
	tag := fmt.Sprintf("paratest-e2e/suite-%s:%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), os.Getpid())
	id, err := exec.Command("docker", "create", base, "/bin/true").Output()
	if err != nil {
		t.Fatalf("docker create %s: %v", base, err)
	}
	c := strings.TrimSpace(string(id))
	defer exec.Command("docker", "rm", "-f", c).Run()
	if out, err := exec.Command("docker", "cp", dir+"/.", c+":"+workdir).CombinedOutput(); err != nil {
		t.Fatalf("docker cp: %v: %s", err, out)
	}
	if out, err := exec.Command("docker", "commit", "--change", "WORKDIR "+workdir, c, tag).CombinedOutput(); err != nil {
		t.Fatalf("docker commit: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	return tag
}

// serialRun runs argv once in a fresh container of image, as a user would run
// the suite without us, and copies the directory junitDir (the runner's JUnit
// output) out of it. It returns the JUnit files and the command's output.
func serialRun(t *testing.T, image, junitDir string, argv ...string) (files []string, output string) {
	t.Helper()
	name := fmt.Sprintf("paratest-e2e-serial-%d-%d", os.Getpid(), len(t.Name())+int(os.Getpid()%97))
	exec.Command("docker", "rm", "-f", name).Run()
	out, _ := exec.Command("docker", append([]string{"run", "--name", name, "--network", "none", image}, argv...)...).CombinedOutput()
	defer exec.Command("docker", "rm", "-f", name).Run()
	dst := t.TempDir()
	if o, err := exec.Command("docker", "cp", name+":"+junitDir+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("serial run %v left no %s: %v: %s\noutput:\n%s", argv, junitDir, err, o, out)
	}
	files, _ = filepath.Glob(filepath.Join(dst, "*.xml"))
	if len(files) == 0 {
		t.Fatalf("serial run %v wrote no JUnit file in %s\noutput:\n%s", argv, junitDir, out)
	}
	return files, string(out)
}

// caseKey is a testcase's identity in Jenkins.
type caseKey struct{ Class, Name string }

func (k caseKey) String() string { return k.Class + " :: " + k.Name }

// junitVerdicts reads JUnit files — a <testsuites> or a <testsuite> root, suites
// nested or not — into each testcase's verdict: passed, failed, error or skipped.
// A testcase named twice is a test failure: Jenkins would merge them.
func junitVerdicts(t *testing.T, files ...string) map[caseKey]string {
	t.Helper()
	type tc struct {
		Class   string    `xml:"classname,attr"`
		Name    string    `xml:"name,attr"`
		Failure *struct{} `xml:"failure"`
		Error   *struct{} `xml:"error"`
		Skipped *struct{} `xml:"skipped"`
	}
	type ts struct {
		Cases  []tc `xml:"testcase"`
		Suites []ts `xml:"testsuite"`
	}
	out := map[caseKey]string{}
	var walk func(s ts, f string)
	walk = func(s ts, f string) {
		for _, c := range s.Cases {
			v := "passed"
			switch {
			case c.Error != nil:
				v = "error"
			case c.Failure != nil:
				v = "failed"
			case c.Skipped != nil:
				v = "skipped"
			}
			k := caseKey{c.Class, c.Name}
			if old, ok := out[k]; ok {
				t.Errorf("%s: testcase %s twice (%s, %s)", f, k, old, v)
			}
			out[k] = v
		}
		for _, sub := range s.Suites {
			walk(sub, f)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var root struct {
			XMLName xml.Name
			ts
		}
		if err := xml.Unmarshal(data, &root); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(root.ts, f)
	}
	return out
}

// ourVerdicts is verdicts of jenkins-paratest's JUnit files in out/junit, checked
// against the schemas.
func ourVerdicts(t *testing.T, out string) map[caseKey]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "junit", "TEST-*.xml"))
	if len(files) == 0 {
		t.Fatalf("no JUnit files in %s/junit", out)
	}
	validate(t, files)
	return junitVerdicts(t, files...)
}

// assertParity fails the test with every difference between the serial run's
// verdicts and ours.
func assertParity(t *testing.T, serial, ours map[caseKey]string) {
	t.Helper()
	var diffs []string
	for k, v := range serial {
		switch o, ok := ours[k]; {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing in ours: %s (serial: %s)", k, v))
		case o != v:
			diffs = append(diffs, fmt.Sprintf("%s: serial %s, ours %s", k, v, o))
		}
	}
	for k, v := range ours {
		if _, ok := serial[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("only in ours: %s (%s)", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("%d of %d testcases differ from the serial run:\n%s", len(diffs), len(serial), strings.Join(diffs, "\n"))
	}
	counts := map[string]int{}
	for _, v := range serial {
		counts[v]++
	}
	t.Logf("serial run: %d testcases %v", len(serial), counts)
}

// assertOrderDependent checks that flaky.json in out reports exactly the tests
// of want as order-dependent, each needing the test want names ("" for several).
func assertOrderDependent(t *testing.T, out string, want map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "flaky.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Tests []struct {
			ID      string `json:"id"`
			Verdict string `json:"verdict"`
			Needs   string `json:"needs"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("flaky.json: %v", err)
	}
	got := map[string]string{}
	for _, tc := range r.Tests {
		if tc.Verdict == "order-dependent" {
			got[tc.ID] = tc.Needs
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("order-dependent tests in flaky.json: %q, want %q", got, want)
	}
}

// parityRun is what a preset's parity test compares against its serial run.
type parityRun struct {
	image  string
	preset string
	extra  string            // more paratest.yml lines
	crash  caseKey           // the testcase that kills the runner, left out of the serial run
	order  map[string]string // the order-dependent tests' ids → the id each needs
	// served, when set, is what a worker log says of a batch its warm server
	// ran: every worker's log must say it, and none of a batch run cold.
	served string
}

// checkParity runs the suite of p.image with jenkins-paratest on 4 workers in
// batches of 8 and checks it against the serial run's verdicts: the crash test
// failed as crashed, every other testcase as in the serial run, the
// order-dependent tests reported with the tests they need, no container left.
func checkParity(t *testing.T, serial map[caseKey]string, p parityRun) {
	t.Helper()
	if len(serial) < 200 {
		t.Fatalf("the serial run has %d testcases, want the suite's 200 or more", len(serial))
	}
	id := runID(t)
	dir := writeConfig(t, fmt.Sprintf("image: %s\npull: never\npreset: %s\nworkers: 4\nbatch: 8\nrun_id: %s\n%s", p.image, p.preset, id, p.extra))
	out := filepath.Join(dir, "out")
	listed := paratest(t, dir, nil, "list", "--config", filepath.Join(dir, "paratest.yml"))
	if listed.code != 0 {
		t.Fatalf("list exited %d: %s", listed.code, listed.stderr)
	}
	r := paratest(t, dir, nil, "run", "--config", filepath.Join(dir, "paratest.yml"), "--out", out)
	if r.code != 1 {
		t.Fatalf("run exited %d, want 1 (the suite has failures)", r.code)
	}
	// `list` lists what the run runs: every id it prints got a verdict, and
	// every verdict is of one of them or of a subtest of one ("TestX/sub").
	listedIDs := map[string]bool{}
	for _, id := range lines(listed.stdout) {
		listedIDs[id] = true
	}
	ran := journalIDs(t, out)
	for id := range listedIDs {
		if !slices.Contains(ran, id) {
			t.Errorf("list printed %q, which the run did not run", id)
		}
	}
	for _, id := range ran {
		if !listedIDs[id] && !subtestOfOne(id, listedIDs) {
			t.Errorf("the run ran %q, which list did not print", id)
		}
	}
	ours := ourVerdicts(t, out)
	if v := ours[p.crash]; v != "failed" {
		t.Errorf("%s: %q, want failed", p.crash, v)
	}
	for _, c := range readJUnit(t, out) {
		if c.Class == p.crash.Class && c.Name == p.crash.Name && (c.Failure == nil || !strings.Contains(c.Failure.Message, "crashed")) {
			t.Errorf("%s: failure %+v, want a message saying it crashed", p.crash, c.Failure)
		}
	}
	delete(ours, p.crash)
	if p.served != "" {
		assertServed(t, out, p.served)
	}
	assertParity(t, serial, ours)
	assertOrderDependent(t, out, p.order)
	assertNoContainers(t, id)
}

// assertServed checks that each worker's log in out says its warm server ran
// batches (served), and none that the warm client ran cold.
func assertServed(t *testing.T, out, served string) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(out, "logs", "*.log"))
	if len(logs) == 0 {
		t.Fatalf("no worker logs in %s/logs", out)
	}
	for _, f := range logs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(data), served)
		if n == 0 || strings.Contains(string(data), "running the batch cold") {
			t.Errorf("%s: %d batches served warm (%q), or one ran cold:\n%s", filepath.Base(f), n, served, tail(string(data), 3000))
		}
		t.Logf("%s: %d batches served warm", filepath.Base(f), n)
	}
}

// journalIDs are the ids of the tests out's run has a verdict of, sorted.
func journalIDs(t *testing.T, out string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range lines(string(data)) {
		var e struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		seen[e.ID] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// subtestOfOne reports whether id is a subtest of one of ids: a Go subtest's
// id is its parent's and "/name" ("example.com/p.TestX/a" of "example.com/p.TestX").
func subtestOfOne(id string, ids map[string]bool) bool {
	for i := strings.LastIndex(id, "/"); i > 0; i = strings.LastIndex(id[:i], "/") {
		if ids[id[:i]] {
			return true
		}
	}
	return false
}
