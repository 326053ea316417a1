package suite

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/jstemmer/go-junit-report/v2/parser/gotest"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The go adapter's tests read real output of real test binaries, recorded in
// testdata/go/NNN-name/ by `go test ./internal/suite -run TestGo -capture-go`:
// the batch command the adapter builds, run through the agent as a worker runs
// it, over the binaries of the parity suite (e2e/testdata/go-suite) and of
// testdata/go/src (the ways a binary dies that the parity suite has not).
var captureGo = flag.Bool("capture-go", false, "rebuild testdata/go from real test binaries (needs the go toolchain)")

const goDir = "/paratest/go"

// goCase is one recorded batch: the ids, extra args, and what is expected.
type goBatchCase struct {
	dir     string // under testdata/go
	module  string // the module the package is in, for the capture
	ids     []string
	args    []string
	timeout time.Duration // the agent's, for the capture
	serial  bool          // also record `go test -v` of the same tests, for the naming check
	want    []goWant      // the verdicts, in order: listed ids, then children
	wantAll result.Status // the status of every child not in want ("" = no other children)
}

// goWant is what a verdict must be; the strings must be in its fields.
type goWant struct {
	name    string // the testcase name; a child when it has a "/"
	status  result.Status
	crashed bool
	unrun   bool
	message string
	details string
	output  string
}

const (
	suiteModule = "../../e2e/testdata/go-suite"
	edgeModule  = "testdata/go/src"
)

func calcIDs(names ...string) []string { return goIDs("example.com/parity/calc", names...) }

func goIDs(pkg string, names ...string) []string {
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = pkg + "." + n
	}
	return ids
}

var goBatchCases = []goBatchCase{
	{
		dir: "001-pass-fail-skip", module: suiteModule, serial: true,
		ids: calcIDs("TestAdd05", "TestAdd06", "TestAdd07", "TestAdd08", "TestAdd12", "TestAdd25"),
		want: []goWant{
			{name: "TestAdd05", status: result.Passed},
			{name: "TestAdd06", status: result.Passed},
			{name: "TestAdd07", status: result.Failed, message: "calc_test.go:46: Add(7, 7) = 14, want 15", details: "Add(7, 7) = 14, want 15"},
			{name: "TestAdd08", status: result.Passed},
			{name: "TestAdd12", status: result.Skipped, message: "calc_test.go:75: skipped: overflow checks are not written yet"},
			{name: "TestAdd25", status: result.Failed, message: "calc_test.go:161: Div(25, 100) = 0, want 1", details: "dividing by a large number", output: "dividing by a large number"},
		},
	},
	{
		dir: "002-crash", module: suiteModule,
		ids: calcIDs("TestAdd18", "TestAdd19", "TestCrash", "TestAdd20", "TestAdd21"),
		want: []goWant{
			{name: "TestAdd18", status: result.Passed},
			{name: "TestAdd19", status: result.Passed},
			{name: "TestCrash", status: result.Failed, crashed: true, message: "crashed: panic: assignment to entry in nil map [recovered, repanicked] (exit code 2)", details: "calc/calc_test.go:", output: "about to crash"},
			{name: "TestAdd20", unrun: true},
			{name: "TestAdd21", unrun: true},
		},
	},
	{
		dir: "003-subtests", module: suiteModule, serial: true,
		ids: goIDs("example.com/parity/tables", "TestSlug", "TestSlugParallel", "TestSlugFatal", "TestSlugSkips", "TestSlugAllSkipped", "TestNested", "TestSlugLog"),
		want: []goWant{
			{name: "TestSlug", status: result.Failed, message: `TestSlug/wrong_on_purpose: slug_test.go:`, details: `Slug("a b") = "a-b", want "a b"`},
			{name: "TestSlugParallel", status: result.Failed, message: "TestSlugParallel/", details: `want "hello_world"`},
			{name: "TestSlugFatal", status: result.Failed, message: `TestSlugFatal/case_2_[stop_here]: slug_test.go:`, details: "fatal on purpose"},
			{name: "TestSlugSkips", status: result.Passed},
			{name: "TestSlugAllSkipped", status: result.Skipped, message: "slug_test.go:", output: "skipped: slug transliteration is not built"},
			{name: "TestNested", status: result.Failed, message: "TestNested/outer_[2]/inner_ü: slug_test.go:", details: "nested failure on purpose"},
			{name: "TestSlugLog", status: result.Passed, output: "more_test.go:23: parent log line"},
			{name: "TestSlug/wrong_on_purpose", status: result.Failed, message: `slug_test.go:`, details: `want "hello_world"`},
			{name: `TestSlug/[wrong]_with_"quotes"`, status: result.Failed},
			{name: "TestSlugParallel/wrong_on_purpose", status: result.Failed},
			{name: `TestSlugParallel/[wrong]_with_"quotes"`, status: result.Failed},
			{name: "TestSlugFatal/case_2_[stop_here]", status: result.Failed, message: "cannot slug"},
			{name: "TestSlugSkips/lang=fr_(not_yet)", status: result.Skipped, message: "no stop words for fr (not yet)"},
			{name: "TestSlugSkips/lang=zh_(not_yet)", status: result.Skipped},
			{name: "TestNested/outer_[2]", status: result.Failed},
			{name: "TestNested/outer_[2]/inner_ü", status: result.Failed},
			{name: "TestSlugLog/child", status: result.Passed, output: "child log line"},
			// The names go test makes of awkward ones: spaces to _, duplicates numbered.
			{name: "TestSlug/日本語_タイトル", status: result.Passed},
			{name: "TestSlug/emoji_🚀_rocket", status: result.Passed},
			{name: "TestSlug/duplicate#01", status: result.Passed},
			{name: "TestSlug/tab_here", status: result.Passed},
			{name: "TestSlug/path/like/name", status: result.Passed},
			{name: "TestSlugParallel/trailing_space_", status: result.Passed},
		},
		wantAll: result.Passed,
	},
	{
		dir: "004-order-alone", module: suiteModule, serial: true,
		ids: goIDs("example.com/parity/state", "TestUsesConfig"),
		want: []goWant{
			{name: "TestUsesConfig", status: result.Failed, message: "b_test.go:9: Config not loaded (map[]): TestLoadConfig must run first"},
		},
	},
	{
		dir: "005-order-pair", module: suiteModule, serial: true,
		ids: goIDs("example.com/parity/state", "TestLoadConfig", "TestUsesConfig"),
		want: []goWant{
			{name: "TestLoadConfig", status: result.Passed},
			{name: "TestUsesConfig", status: result.Passed},
		},
	},
	{
		dir: "006-args-skip", module: suiteModule, args: []string{"-test.skip", "^TestAdd02$"},
		ids: calcIDs("TestAdd01", "TestAdd02"),
		want: []goWant{
			{name: "TestAdd01", status: result.Passed},
			{name: "TestAdd02", status: result.Errored, message: "no result for this test (exit code 0)", output: "PASS"},
		},
	},
	{
		dir: "007-os-exit", module: edgeModule,
		ids: goIDs("example.com/capture/edge", "TestBefore", "TestExit", "TestAfter"),
		want: []goWant{
			{name: "TestBefore", status: result.Passed, output: "edge_test.go:12: before"},
			{name: "TestExit", status: result.Failed, crashed: true, message: "crashed: the test binary exited 1 while the test ran", details: "exiting…fatal from the log package", output: "exiting"},
			{name: "TestAfter", unrun: true},
		},
	},
	{
		dir: "008-subtest-panic", module: edgeModule,
		ids: goIDs("example.com/capture/edge", "TestSubPanic", "TestAfter"),
		want: []goWant{
			{name: "TestSubPanic", status: result.Failed, crashed: true, message: "crashed: panic: subtest panic [recovered, repanicked] (exit code 2)", details: "goroutine"},
			{name: "TestAfter", unrun: true},
			{name: "TestSubPanic/first_ok", status: result.Passed},
			{name: "TestSubPanic/second_[panics]", status: result.Failed},
		},
	},
	{
		dir: "009-agent-timeout", module: edgeModule, timeout: time.Second,
		ids: goIDs("example.com/capture/edge", "TestBefore", "TestHang", "TestAfter"),
		want: []goWant{
			{name: "TestBefore", status: result.Passed},
			{name: "TestHang", status: result.Failed, crashed: true, message: "crashed: the test binary exited 124 while the test ran", details: agent.TimeoutMarker},
			{name: "TestAfter", unrun: true},
			{name: "TestHang/hanging_sub", status: result.Failed, crashed: true, message: "crashed: ", output: "going to sleep"},
		},
	},
	{
		dir: "010-killed", module: edgeModule,
		ids: goIDs("example.com/capture/edge", "TestBefore", "TestKilled", "TestAfter"),
		want: []goWant{
			{name: "TestBefore", status: result.Passed},
			{name: "TestKilled", status: result.Failed, crashed: true, message: "crashed: the test binary was killed by signal 9 (killed)", details: "killing myself"},
			{name: "TestAfter", unrun: true},
		},
	},
	{
		dir: "013-parallel-waiting", module: edgeModule,
		ids: goIDs("example.com/capture/edge", "TestBefore", "TestParallelWaits", "TestExit", "TestAfter"),
		want: []goWant{
			{name: "TestBefore", status: result.Passed},
			{name: "TestParallelWaits", unrun: true},
			{name: "TestExit", status: result.Failed, crashed: true, message: "crashed: the test binary exited 1 while the test ran"},
			{name: "TestAfter", unrun: true},
		},
	},
	{
		dir: "014-count", module: edgeModule, args: []string{"-test.count=2"},
		ids: goIDs("example.com/capture/edge", "TestBefore", "TestSecondRunFails"),
		want: []goWant{
			{name: "TestBefore", status: result.Passed, output: "before…before"},
			{name: "TestSecondRunFails", status: result.Failed, message: "fails on its second run"},
		},
	},
	{
		dir: "011-slow", module: suiteModule, serial: true,
		ids: goIDs("example.com/parity/slow", "TestSleepThenFail", "TestFast"),
		want: []goWant{
			{name: "TestSleepThenFail", status: result.Failed, message: "slow_test.go:17: too slow on purpose"},
			{name: "TestFast", status: result.Passed},
		},
	},
	{
		dir: "012-no-binary", module: "",
		ids: goIDs("example.com/parity/gone", "TestA", "TestB"),
		want: []goWant{
			{name: "TestA", status: result.Errored, message: "no result for this test (exit code 127)", output: "paratest: cannot run"},
			{name: "TestB", status: result.Errored, message: "no result for this test (exit code 127)"},
		},
	},
}

// goBatchOutput reads a recorded batch.
func goBatchOutput(t *testing.T, tc goBatchCase) Output {
	t.Helper()
	dir := filepath.Join("testdata", "go", tc.dir)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v (record it with -capture-go)", err)
		}
		return data
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(read("exit"))))
	if err != nil {
		t.Fatal(err)
	}
	return Output{IDs: tc.ids, ExitCode: code, Stdout: read("stdout"), Stderr: read("stderr")}
}

func TestGoVerdicts(t *testing.T) {
	fn := func(t *testing.T, tc goBatchCase) {
		a := newGo(&config.Config{GoDir: goDir, Args: tc.args})
		out := goBatchOutput(t, tc)
		got := a.Verdicts(out)

		// One verdict per id, in order, then the children.
		if len(got) < len(tc.ids) {
			t.Fatalf("%d verdicts for %d ids", len(got), len(tc.ids))
		}
		byName := map[string]verdict.Verdict{}
		for i, v := range got {
			if i < len(tc.ids) {
				if v.ID != tc.ids[i] || v.Parent != "" {
					t.Errorf("verdict %d: ID %q Parent %q, want ID %q", i, v.ID, v.Parent, tc.ids[i])
				}
			} else {
				top, _, _ := strings.Cut(v.Name, "/")
				if v.Parent != "" && v.Parent != v.Class+"."+top || v.ID != v.Class+"."+v.Name || !strings.Contains(v.Name, "/") {
					t.Errorf("child %q: ID %q Parent %q", v.Name, v.ID, v.Parent)
				}
			}
			pkg, _ := splitGo(tc.ids[0])
			if v.Suite != pkg || v.Class != pkg {
				t.Errorf("%s: Suite %q Class %q, want the import path %q", v.ID, v.Suite, v.Class, pkg)
			}
			if _, dup := byName[v.Name]; dup {
				t.Errorf("%s: two verdicts", v.Name)
			}
			byName[v.Name] = v
		}
		for _, w := range tc.want {
			v, ok := byName[w.name]
			if !ok {
				t.Errorf("%s: no verdict", w.name)
				continue
			}
			if v.Unrun != w.unrun || v.Crashed != w.crashed || (!w.unrun && v.Status != w.status) {
				t.Errorf("%s: status %v crashed %v unrun %v, want %v crashed %v unrun %v (message %q)", w.name, v.Status, v.Crashed, v.Unrun, w.status, w.crashed, w.unrun, v.Message)
			}
			if w.unrun && (v.Status != "" || v.Message != "") {
				t.Errorf("%s: unrun with status %v, message %q", w.name, v.Status, v.Message)
			}
			for _, f := range []struct{ field, got, want string }{
				{"message", v.Message, w.message}, {"details", v.Details, w.details}, {"output", v.Output, w.output},
			} {
				if !containsAll(f.got, f.want) {
					t.Errorf("%s: %s %q lacks %q", w.name, f.field, verdict.Bound(f.got, 400), f.want)
				}
			}
			if strings.Contains(v.Message, "\n") {
				t.Errorf("%s: message has more than one line: %q", w.name, v.Message)
			}
		}
		named := map[string]bool{}
		for _, w := range tc.want {
			named[w.name] = true
		}
		for name, v := range byName {
			if named[name] {
				continue
			}
			if tc.wantAll == "" {
				t.Errorf("unexpected verdict %s: %v", name, v.Status)
			} else if v.Status != tc.wantAll {
				t.Errorf("%s: %v, want %s", name, v.Status, tc.wantAll)
			}
		}
		if tc.serial {
			assertGoNaming(t, tc, got)
		}
	}
	for _, tc := range goBatchCases {
		t.Run(tc.dir, func(t *testing.T) { fn(t, tc) })
	}
}

// containsAll reports whether got holds want; a want with a "…" holds parts
// that must all be there, in order.
func containsAll(got, want string) bool {
	for _, part := range strings.Split(want, "…") {
		i := strings.Index(got, part)
		if i < 0 {
			return false
		}
		got = got[i+len(part):]
	}
	return true
}

// assertGoNaming checks the verdicts against what go-junit-report writes for
// `go test -v` of the same tests, recorded beside the batch: the same
// (classname, name, verdict) set.
func assertGoNaming(t *testing.T, tc goBatchCase, got []verdict.Verdict) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "go", tc.dir, "gotest"))
	if err != nil {
		t.Fatal(err)
	}
	report, err := gotest.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range junit.CreateFromReport(report, "").Suites {
		for _, c := range s.Testcases {
			v := "passed"
			switch {
			case c.Error != nil:
				v = "error"
			case c.Failure != nil:
				v = "failed"
			case c.Skipped != nil:
				v = "skipped"
			}
			want = append(want, c.Classname+" :: "+c.Name+" :: "+v)
		}
	}
	var have []string
	for _, v := range got {
		have = append(have, v.Class+" :: "+v.Name+" :: "+string(v.Status))
	}
	sort.Strings(want)
	sort.Strings(have)
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("verdicts differ from go-junit-report on `go test -v` (-want +got):\n%s", diff)
	}
}

func TestGoBatch(t *testing.T) {
	type testCase struct {
		name string
		args []string
		ids  []string
		want []string
	}
	fn := func(t *testing.T, tc testCase) {
		cmd := newGo(&config.Config{GoDir: goDir, Args: tc.args}).Batch(tc.ids, 3)
		if diff := cmp.Diff(tc.want, cmd.Argv); diff != "" {
			t.Errorf("argv (-want +got):\n%s", diff)
		}
		if cmd.ResultFile != "" || cmd.Text != nil || len(cmd.Env) != 0 {
			t.Errorf("command %+v: want the results in plain stdout", cmd)
		}
	}
	for _, tc := range []testCase{
		{
			name: "one",
			ids:  []string{"example.com/a/b.TestX"},
			want: []string{"/paratest/go/example.com/a/b.test", "-test.v", "-test.paniconexit0", "-test.run", "^(TestX)$"},
		},
		{
			name: "several with args",
			args: []string{"-test.short", "-test.count=1"},
			ids:  []string{"gopkg.in/yaml.v3.TestA", "gopkg.in/yaml.v3.ExampleB", "gopkg.in/yaml.v3.FuzzC"},
			want: []string{"/paratest/go/gopkg.in/yaml.v3.test", "-test.v", "-test.paniconexit0", "-test.run", "^(TestA|ExampleB|FuzzC)$", "-test.short", "-test.count=1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestGoNames(t *testing.T) {
	a := newGo(&config.Config{GoDir: goDir})
	for id, want := range map[string]Name{
		"example.com/parity/calc.TestAdd01": {Suite: "example.com/parity/calc", Class: "example.com/parity/calc", Name: "TestAdd01"},
		"gopkg.in/yaml.v3.TestDecode":       {Suite: "gopkg.in/yaml.v3", Class: "gopkg.in/yaml.v3", Name: "TestDecode"},
		"mod.TestX":                         {Suite: "mod", Class: "mod", Name: "TestX"},
	} {
		if got := a.Name(id); got != want {
			t.Errorf("Name(%q) = %+v, want %+v", id, got, want)
		}
		if got := a.Group(id); got != want.Class {
			t.Errorf("Group(%q) = %q, want %q", id, got, want.Class)
		}
	}
	if !a.PerID() || a.Files() != nil {
		t.Error("want PerID and no files")
	}
	if l := a.List(); !cmp.Equal(l.Argv, []string{agent.Path, "agent", "golist", goDir}) || l.ResultFile != "" {
		t.Errorf("List() = %+v", l)
	}
}

func TestGoParseList(t *testing.T) {
	type testCase struct {
		dir     string // recorded listing under testdata/go
		out     *Output
		wantErr []string // parts of the one-line error; none: no error
		check   func(t *testing.T, ids []string)
	}
	fn := func(t *testing.T, tc testCase) {
		out := Output{}
		if tc.out != nil {
			out = *tc.out
		} else {
			out = goBatchOutput(t, goBatchCase{dir: tc.dir})
		}
		ids, err := newGo(&config.Config{GoDir: goDir}).ParseList(out)
		if len(tc.wantErr) > 0 {
			if err == nil {
				t.Fatalf("no error; ids %q", ids)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has more than one line: %q", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		tc.check(t, ids)
	}
	for _, tc := range []testCase{
		{dir: "list-ok", check: func(t *testing.T, ids []string) {
			index := map[string]int{}
			for i, id := range ids {
				index[id] = i
			}
			if len(ids) < 70 {
				t.Errorf("%d ids", len(ids))
			}
			for _, id := range []string{"example.com/parity/calc.TestCrash", "example.com/parity/tables.TestSlug", "example.com/parity/slow.TestSleep2s"} {
				if _, ok := index[id]; !ok {
					t.Errorf("%s not listed", id)
				}
			}
			// Source order: a_test.go's tests before b_test.go's.
			if a, b := index["example.com/parity/state.TestLoadConfig"], index["example.com/parity/state.TestUsesConfig"]; a >= b {
				t.Errorf("TestLoadConfig at %d, TestUsesConfig at %d", a, b)
			}
			if index["example.com/parity/calc.TestAdd19"]+1 != index["example.com/parity/calc.TestCrash"] {
				t.Error("TestCrash is not listed after TestAdd19")
			}
		}},
		{dir: "list-empty", wantErr: []string{"listing Go tests in /paratest/go: no <import path>.test binaries found (exit code 1)", "CGO_ENABLED=0 go test -c -o /paratest/go/<import path>.test <import path>"}},
		{dir: "list-bad-binary", wantErr: []string{"listing Go tests in /paratest/go: /paratest/go/example.com/bad.test -test.list: ", "exec format error", "go test -c -o /paratest/go/<import path>.test"}},
		{out: &Output{Stdout: []byte("example.com/a.TestA\nnot-an-id/x\n")}, wantErr: []string{`cannot read "not-an-id/x" as import/path.TestName`}},
	} {
		name := tc.dir
		if name == "" {
			name = "malformed"
		}
		t.Run(name, func(t *testing.T) { fn(t, tc) })
	}
}

// TestGoCapture records testdata/go from real test binaries when -capture-go
// is given.
func TestGoCapture(t *testing.T) {
	if !*captureGo {
		t.Skip("records testdata only with -capture-go")
	}
	bins := t.TempDir()
	for _, mod := range []string{suiteModule, edgeModule} {
		goBuildTests(t, mod, bins)
	}
	ctx := context.Background()
	mask := func(b []byte, dir string) []byte { return bytes.ReplaceAll(b, []byte(dir), []byte(goDir)) }
	write := func(dir string, code int, stdout, stderr []byte) {
		d := filepath.Join("testdata", "go", dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"exit": []byte(strconv.Itoa(code) + "\n"), "stdout": stdout, "stderr": stderr} {
			if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, tc := range goBatchCases {
		cmd := newGo(&config.Config{GoDir: bins, Args: tc.args}).Batch(tc.ids, 1)
		args := []string{"exec", "--"}
		if tc.timeout > 0 {
			args = []string{"exec", "--timeout", tc.timeout.String(), "--"}
		}
		var stdout, stderr bytes.Buffer
		code := agent.Main(ctx, append(args, cmd.Argv...), &stdout, &stderr)
		write(tc.dir, code, mask(stdout.Bytes(), bins), mask(stderr.Bytes(), bins))
		if tc.serial {
			// `go test -v` of the same tests, as a serial run prints it.
			pkg, _ := splitGo(tc.ids[0])
			run := cmd.Argv[len(cmd.Argv)-1-len(tc.args)]
			gt := exec.Command("go", append([]string{"test", "-count=1", "-v", "-run", run}, pkg)...)
			gt.Dir = tc.module
			data, _ := gt.CombinedOutput() // fails when a test fails
			if err := os.WriteFile(filepath.Join("testdata", "go", tc.dir, "gotest"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	var stdout, stderr bytes.Buffer
	code := agent.Main(ctx, []string{"golist", bins}, &stdout, &stderr)
	write("list-ok", code, stdout.Bytes(), stderr.Bytes())
	empty := t.TempDir()
	stdout.Reset()
	stderr.Reset()
	code = agent.Main(ctx, []string{"golist", empty}, &stdout, &stderr)
	write("list-empty", code, stdout.Bytes(), mask(stderr.Bytes(), empty))
	bad := t.TempDir()
	if err := os.MkdirAll(filepath.Join(bad, "example.com"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "example.com", "bad.test"), []byte("\x7fELF, but not quite\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code = agent.Main(ctx, []string{"golist", bad}, &stdout, &stderr)
	write("list-bad-binary", code, stdout.Bytes(), mask(stderr.Bytes(), bad))
}

// goBuildTests builds a static test binary of every package with tests in
// the module at dir into bins/<import path>.test, as the preset's image has.
func goBuildTests(t *testing.T, dir, bins string) {
	t.Helper()
	list := exec.Command("go", "list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}", "./...")
	list.Dir = dir
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v", dir, err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		build := exec.Command("go", "test", "-c", "-trimpath", "-o", filepath.Join(bins, pkg+".test"), pkg)
		build.Dir = dir
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go test -c %s: %v\n%s", pkg, err, out)
		}
	}
	fmt.Fprintf(os.Stderr, "built the test binaries of %s\n", dir)
}
