package suite

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The rspec adapter's tests read what real rspec 3.12 (Debian bookworm's
// ruby-rspec) and our formatter left behind, recorded in testdata/rspec/<case>/
// by testdata/rspec/capture.sh, from the parity suite (e2e/testdata/rspec-suite)
// and the small suites of testdata/rspec/specs.

// rspecCapture is one recorded command.
func rspecCapture(t *testing.T, name string) (argv []string, out Output) {
	t.Helper()
	dir := filepath.Join("testdata", "rspec", name)
	read := func(f string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return data
	}
	argv = strings.Split(strings.TrimSuffix(string(read("argv")), "\n"), "\n")
	code, err := strconv.Atoi(strings.TrimSpace(string(read("exitcode"))))
	if err != nil {
		t.Fatalf("%s/exitcode: %v", dir, err)
	}
	out = Output{ExitCode: code, Stdout: read("stdout"), Stderr: read("stderr"), File: read("result.jsonl")}
	if i := slices.Index(argv, "--"); i >= 0 {
		out.IDs = argv[i+1:]
	}
	return argv, out
}

// The recorded commands are the adapter's, but for the result file's name.
func TestRSpecCommands(t *testing.T) {
	r := newRSpec(&config.Config{Preset: config.PresetRSpec})
	var paths []string
	for _, f := range r.Files() {
		paths = append(paths, f.Path)
		if f.Mode != 0o644 || !strings.Contains(string(f.Data), "JenkinsParatest") {
			t.Errorf("Files(): %s: mode %o, %d bytes", f.Path, f.Mode, len(f.Data))
		}
	}
	if want := []string{"/.paratest/rspec/formatter.rb", "/.paratest/rspec/server.rb"}; !slices.Equal(paths, want) {
		t.Errorf("Files() = %q, want %q", paths, want)
	}
	const file = "/tmp/paratest-rspec.jsonl" // capture.sh's

	list := r.List()
	want, _ := rspecCapture(t, "list-suite")
	if got := replaceAll(list.Argv, list.ResultFile, file); !slices.Equal(got, want) {
		t.Errorf("List().Argv = %q,\nwant (testdata) %q", list.Argv, want)
	}
	if list.ResultFile != "/.paratest-results/paratest-rspec-list.jsonl" || list.What != "rspec --dry-run" {
		t.Errorf("List() = %+v", list)
	}

	want, out := rspecCapture(t, "batch-mixed")
	b := r.Batch(out.IDs, 7)
	if got := replaceAll(b.Argv, b.ResultFile, file); !slices.Equal(got, want) {
		t.Errorf("Batch().Argv = %q,\nwant (testdata) %q", b.Argv, want)
	}
	if b.ResultFile != "/.paratest-results/paratest-rspec-7.jsonl" || b.What != "rspec" {
		t.Errorf("Batch() = %+v", b)
	}
	if other := r.Batch(out.IDs, 8); other.ResultFile == b.ResultFile {
		t.Errorf("batches 7 and 8 share the result file %s", b.ResultFile)
	}
	if !r.PerID() || r.Group(out.IDs[0]) != r.Group(out.IDs[len(out.IDs)-1]) {
		t.Errorf("PerID() = %v, Group differs across files", r.PerID())
	}
}

// args: come after our options and before the ids, as argv elements.
func TestRSpecArgs(t *testing.T) {
	r := newRSpec(&config.Config{Preset: config.PresetRSpec, Args: []string{"--tag", "~slow", "--seed", "1 2"}, Warm: true})
	list := r.List().Argv
	if got := list[len(list)-4:]; !slices.Equal(got, []string{"--tag", "~slow", "--seed", "1 2"}) {
		t.Errorf("List().Argv ends %q", got)
	}
	got := r.Batch([]string{"./spec/a b_spec.rb[1:1]", "./spec/c_spec.rb[2:1]"}, 1).Argv
	wantTail := []string{"--tag", "~slow", "--seed", "1 2", "--format", "progress", "--", "./spec/a b_spec.rb[1:1]", "./spec/c_spec.rb[2:1]"}
	wantHead := []string{"/.paratest/bin/agent", "agent", "warm", "/tmp/paratest-rspec-warm.sock", "--", "rspec"}
	if !slices.Equal(got[len(got)-len(wantTail):], wantTail) || !slices.Equal(got[:len(wantHead)], wantHead) {
		t.Errorf("Batch().Argv = %q, want it to start %q and end %q", got, wantHead, wantTail)
	}
	// The server is the suite's rspec with the same args:, and ours required
	// after every other --require.
	warm, ok := r.(Warmer).Warm()
	if want := []string{"rspec", "--tag", "~slow", "--seed", "1 2", "--require", "/.paratest/rspec/server.rb"}; !ok || !slices.Equal(warm.Argv, want) ||
		!slices.Equal(warm.Env, []string{"PARATEST_WARM_SOCKET=/tmp/paratest-rspec-warm.sock"}) {
		t.Errorf("Warm() = %+v, %v, want argv %q", warm, ok, want)
	}
	r = newRSpec(&config.Config{Preset: config.PresetRSpec})
	if got := r.Batch([]string{"./spec/a_spec.rb[1:1]"}, 1).Argv; got[0] != "rspec" {
		t.Errorf("Batch().Argv with warm: false = %q, want the cold rspec", got)
	}
	if _, ok := r.(Warmer).Warm(); ok {
		t.Error("Warm() with warm: false: true, want false")
	}
}

func replaceAll(s []string, old, new string) []string {
	out := slices.Clone(s)
	for i := range out {
		if out[i] == old {
			out[i] = new
		}
	}
	return out
}

func TestRSpecParseList(t *testing.T) {
	type testCase struct {
		capture string
		edit    func(out *Output)
		wantErr string // a part of the error; "" for none
		count   int
		names   map[string]Name // some ids' names
		first   []string        // the listing's first ids
	}
	fn := func(t *testing.T, tc testCase) {
		_, out := rspecCapture(t, tc.capture)
		if tc.edit != nil {
			tc.edit(&out)
		}
		r := newRSpec(&config.Config{Preset: config.PresetRSpec})
		ids, err := r.ParseList(out)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseList() error = %v, want one with %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseList(): %v", err)
		}
		if len(ids) != tc.count {
			t.Errorf("%d ids, want %d", len(ids), tc.count)
		}
		if !slices.Equal(ids[:len(tc.first)], tc.first) {
			t.Errorf("ids start %q, want %q", ids[:len(tc.first)], tc.first)
		}
		for id, want := range tc.names {
			if !slices.Contains(ids, id) {
				t.Errorf("%s not listed", id)
			}
			if got := r.Name(id); got != want {
				t.Errorf("Name(%s) = %+v, want %+v", id, got, want)
			}
		}
	}
	strings_ := func(name string) Name {
		return Name{Suite: "spec.strings_spec", Class: "spec.strings_spec", Name: "String handling " + name}
	}
	for name, tc := range map[string]testCase{
		"suite": {
			capture: "list-suite",
			count:   280,
			// Files in sorted order, examples as defined, shared ones where included.
			first: []string{"./spec/a_ledger_spec.rb[1:1]", "./spec/a_ledger_spec.rb[1:2]", "./spec/a_ledger_spec.rb[1:3]", "./spec/a_ledger_spec.rb[1:4:1]"},
			names: map[string]Name{
				"./spec/a_ledger_spec.rb[1:1]": {Suite: "spec.a_ledger_spec", Class: "spec.a_ledger_spec", Name: "Ledger setup opens the ledger"},
				"./spec/calculator_spec.rb[1:2:9]": {Suite: "spec.calculator_spec", Class: "spec.calculator_spec",
					Name: "Calculator#divide divides [1, 0] and raises"},
				// A generated description is not known before the example runs: the dry
				// run says nothing.
				"./spec/calculator_spec.rb[1:3:1]": {Suite: "spec.calculator_spec", Class: "spec.calculator_spec",
					Name: "Calculator generated descriptions "},
				"./spec/strings_spec.rb[1:3]":  strings_("round-trips naïve café"),
				"./spec/strings_spec.rb[1:9]":  strings_(`round-trips quotes "double" and 'single'`),
				"./spec/strings_spec.rb[1:17]": strings_("round-trips tab inside"), // a tab, as a JUnit reader sees it
				"./spec/strings_spec.rb[1:42]": strings_(`keeps a bell \a and an escape \e in its name`),
				"./spec/shared_spec.rb[1:4:1:4]": {Suite: "spec.shared_spec", Class: "spec.shared_spec",
					Name: "Collections a lying collection behaves like a collection enumerates every element [exactly once]"},
				"./spec/matrix_spec.rb[2:1]": {Suite: "spec.matrix_spec", Class: "spec.matrix_spec", Name: "Matrix transpose transposes a 2x3 matrix"},
				"./spec/pending_spec.rb[1:9:1]": {Suite: "spec.pending_spec", Class: "spec.pending_spec",
					Name: "Pending and skipped a disabled group is skipped as part of the group"},
			},
		},
		"kill suite": {
			capture: "list-kill", count: 3,
			first: []string{"./spec/kill_spec.rb[1:1]", "./spec/kill_spec.rb[1:2]", "./spec/kill_spec.rb[1:3]"},
		},
		"load error": {
			capture: "list-load-error",
			wantErr: "rspec --dry-run: an error occurred while loading ./spec/broken_spec.rb: LoadError: cannot load such file -- missing_helper_library",
		},
		"syntax error": {
			capture: "list-syntax-error",
			wantErr: "an error occurred while loading ./spec/syntax_spec.rb: SyntaxError: /suite/spec/syntax_spec.rb:4: syntax error",
		},
		"no examples": {
			capture: "list-empty",
			wantErr: "rspec --dry-run listed no examples; the image needs rspec-core 3",
		},
		"bad option, no result file": {
			capture: "list-bad-option",
			wantErr: "rspec --dry-run exited 1 and listed nothing: Please use --help for a listing of valid options",
		},
		"an example started twice is listed once": {
			capture: "list-kill",
			edit: func(out *Output) {
				again := `{"event":"example_started","id":"./spec/kill_spec.rb[1:1]","classname":"spec.kill_spec","name":"Killed passes first"}` + "\n"
				out.File = append([]byte(again), out.File...)
			},
			count: 3,
			first: []string{"./spec/kill_spec.rb[1:1]", "./spec/kill_spec.rb[1:2]", "./spec/kill_spec.rb[1:3]"},
		},
		"rspec died listing": {
			capture: "list-suite",
			edit: func(out *Output) {
				out.File = out.File[:len(out.File)/2]
				out.ExitCode = 137
			},
			wantErr: "rspec --dry-run ended early (exit code 137)",
		},
	} {
		t.Run(name, func(t *testing.T) { fn(t, tc) })
	}
}

// rspecWant is what one verdict must be; the strings must be in its fields.
type rspecWant struct {
	id      string
	status  result.Status
	crashed bool
	unrun   bool
	name    string // the testcase name, classname the file's
	message string
	details string
	output  string
}

func TestRSpecVerdicts(t *testing.T) {
	type testCase struct {
		capture string
		want    []rspecWant
	}
	fn := func(t *testing.T, tc testCase) {
		_, out := rspecCapture(t, tc.capture)
		r := newRSpec(&config.Config{Preset: config.PresetRSpec})
		vs := r.Verdicts(out)
		if len(vs) != len(out.IDs) {
			t.Fatalf("%d verdicts for %d ids", len(vs), len(out.IDs))
		}
		if len(tc.want) != len(vs) {
			t.Fatalf("the test wants %d verdicts, there are %d", len(tc.want), len(vs))
		}
		for i, w := range tc.want {
			v := vs[i]
			if v.ID != w.id || v.ID != out.IDs[i] {
				t.Errorf("verdict %d is %s, want %s", i, v.ID, w.id)
				continue
			}
			got := rspecWant{id: v.ID, status: v.Status, crashed: v.Crashed, unrun: v.Unrun, name: v.Name}
			if diff := cmp.Diff(rspecWant{id: w.id, status: w.status, crashed: w.crashed, unrun: w.unrun, name: w.name}, got, cmp.AllowUnexported(rspecWant{})); diff != "" {
				t.Errorf("%s (-want +got):\n%s", w.id, diff)
			}
			class := rspecClassname(w.id[:strings.IndexByte(w.id, '[')])
			if v.Class != class || v.Suite != class {
				t.Errorf("%s: suite %q, class %q, want %q", w.id, v.Suite, v.Class, class)
			}
			for field, sub := range map[string][2]string{"message": {v.Message, w.message}, "details": {v.Details, w.details}, "output": {v.Output, w.output}} {
				if !strings.Contains(sub[0], sub[1]) {
					t.Errorf("%s: %s %q, want it to hold %q", w.id, field, sub[0], sub[1])
				}
			}
			if strings.Contains(v.Message, "\n") {
				t.Errorf("%s: message is not one line: %q", w.id, v.Message)
			}
		}
	}
	calc := "Calculator"
	errs := "Errors "
	pend := "Pending and skipped "
	for name, tc := range map[string]testCase{
		"mixed": {capture: "batch-mixed", want: []rspecWant{
			{id: "./spec/calculator_spec.rb[1:1:3:5]", status: result.Failed, name: calc + "#add with floats adds 0.1 and 0.2 to exactly 0.3",
				message: "expected: 0.3", details: "got: 0.30000000000000004"},
			{id: "./spec/calculator_spec.rb[1:2:9]", status: result.Failed, name: calc + "#divide divides [1, 0] and raises",
				message: "ZeroDivisionError: divided by 0", details: "./spec/calculator_spec.rb:8:in `/'"},
			// Generated descriptions: known once the example ran.
			{id: "./spec/calculator_spec.rb[1:3:1]", status: result.Passed, name: calc + " generated descriptions is expected to eq 4"},
			{id: "./spec/calculator_spec.rb[1:3:2]", status: result.Passed, name: calc + " generated descriptions is expected to be even"},
			{id: "./spec/errors_spec.rb[1:4]", status: result.Failed, name: errs + "fails two expectations at once",
				message: "Got 2 failures from failure aggregation block", details: `expected: "b"`},
			{id: "./spec/errors_spec.rb[1:7:1]", status: result.Failed, name: errs + "with a failing before(:context) is failed by the context hook",
				message: "RuntimeError: before context broke"},
			{id: "./spec/errors_spec.rb[1:7:3:1]", status: result.Failed, name: errs + "with a failing before(:context) and a nested group is failed by its parent's context hook",
				message: "RuntimeError: before context broke"},
			{id: "./spec/errors_spec.rb[1:8:1]", status: result.Failed, name: errs + "with a failing after(:each) passes but its after hook fails",
				message: "RuntimeError: after each broke"},
			// rspec_junit_formatter has no word for errors in after(:context): the example passed.
			{id: "./spec/errors_spec.rb[1:9:1]", status: result.Passed, name: errs + "with a failing after(:context) passes before the after(:context) hook"},
			{id: "./spec/pending_spec.rb[1:1]", status: result.Skipped, name: pend + "is pending and fails as expected",
				message: "the feature is not written yet", details: "expected: 2"},
			{id: "./spec/pending_spec.rb[1:2]", status: result.Failed, name: pend + "is pending but passes",
				message: "Expected example to fail since it is pending, but it passed."},
			{id: "./spec/pending_spec.rb[1:6]", status: result.Skipped, name: pend + "is disabled with xit", message: "Temporarily skipped with xit"},
			{id: "./spec/pending_spec.rb[1:10:1]", status: result.Skipped, name: pend + "a group skipped in before(:context) is skipped by its group's hook",
				message: "the service is down"},
			{id: "./spec/strings_spec.rb[1:17]", status: result.Passed, name: "String handling round-trips tab inside"},
			{id: "./spec/strings_spec.rb[1:42]", status: result.Passed, name: `String handling keeps a bell \a and an escape \e in its name`},
		}},
		"exit! in an example": {capture: "batch-crash", want: []rspecWant{
			{id: "./spec/crash_spec.rb[1:4]", status: result.Passed, name: "Crash runs before the crash (4)"},
			{id: "./spec/crash_spec.rb[1:5]", status: result.Passed, name: "Crash runs before the crash (5)"},
			{id: "./spec/crash_spec.rb[1:6]", status: result.Failed, crashed: true, name: "./spec/crash_spec.rb[1:6]",
				message: "crashed: rspec exited 3 while this example ran", details: "Run options: include"},
			{id: "./spec/crash_spec.rb[1:7]", unrun: true, name: "./spec/crash_spec.rb[1:7]"},
			{id: "./spec/crash_spec.rb[1:12]", unrun: true, name: "./spec/crash_spec.rb[1:12]"},
			{id: "./spec/matrix_spec.rb[1:1:1]", unrun: true, name: "./spec/matrix_spec.rb[1:1:1]"},
		}},
		"SIGKILL in an example": {capture: "batch-kill", want: []rspecWant{
			{id: "./spec/kill_spec.rb[1:1]", status: result.Passed, name: "Killed passes first"},
			{id: "./spec/kill_spec.rb[1:2]", status: result.Failed, crashed: true, name: "./spec/kill_spec.rb[1:2]",
				message: "crashed: rspec was killed by signal 9 (killed) while this example ran"},
			{id: "./spec/kill_spec.rb[1:3]", unrun: true, name: "./spec/kill_spec.rb[1:3]"},
		}},
		"exit! in before(:context)": {capture: "batch-hook-exit", want: []rspecWant{
			{id: "./spec/hook_exit_spec.rb[1:1]", status: result.Passed, name: "Hook exit passes first"},
			{id: "./spec/hook_exit_spec.rb[1:2:1]", status: result.Failed, crashed: true, name: "./spec/hook_exit_spec.rb[1:2:1]",
				message: "crashed: rspec exited 4 before this example started"},
			{id: "./spec/hook_exit_spec.rb[1:2:2]", unrun: true, name: "./spec/hook_exit_spec.rb[1:2:2]"},
		}},
		"an id rspec does not know": {capture: "batch-unknown-id", want: []rspecWant{
			{id: "./spec/slow_spec.rb[1:4]", status: result.Passed, name: "Slow work is quick between the slow ones"},
			{id: "./spec/slow_spec.rb[1:99]", status: result.Errored, name: "./spec/slow_spec.rb[1:99]",
				message: "no result for this test (exit code 0)", output: "1 example, 0 failures"},
		}},
		"a file that does not load": {capture: "batch-load-error", want: []rspecWant{
			{id: "./spec/a_ok_spec.rb[1:1]", status: result.Errored, name: "./spec/a_ok_spec.rb[1:1]",
				message: "no result for this test: an error occurred while loading ./spec/broken_spec.rb: LoadError: cannot load such file -- missing_helper_library (exit code 1)",
				details: "Failure/Error: require \"missing_helper_library\"", output: "1 error occurred outside of examples"},
			{id: "./spec/broken_spec.rb[1:1]", status: result.Errored, name: "./spec/broken_spec.rb[1:1]",
				message: "no result for this test: an error occurred while loading ./spec/broken_spec.rb"},
		}},
		"order-dependent, run alone": {capture: "batch-order-b", want: []rspecWant{
			{id: "./spec/z_ledger_check_spec.rb[1:1]", status: result.Failed, name: "Ledger check sees the ledger opened earlier",
				message: "expected: :open"},
			{id: "./spec/z_ledger_check_spec.rb[1:2]", status: result.Failed, name: "Ledger check runs in the mode set earlier",
				message: `expected: "strict"`},
			{id: "./spec/z_ledger_check_spec.rb[1:4:1]", status: result.Passed, name: "Ledger check accounts balances account 1"},
		}},
	} {
		t.Run(name, func(t *testing.T) { fn(t, tc) })
	}
}

// Crashed and unrun examples are named as the listing named them.
func TestRSpecVerdictNamesFromListing(t *testing.T) {
	r := newRSpec(&config.Config{Preset: config.PresetRSpec})
	_, list := rspecCapture(t, "list-kill")
	if _, err := r.ParseList(list); err != nil {
		t.Fatal(err)
	}
	_, out := rspecCapture(t, "batch-kill")
	var got []string
	for _, v := range r.Verdicts(out) {
		got = append(got, v.Class+" :: "+v.Name)
	}
	want := []string{"spec.kill_spec :: Killed passes first", "spec.kill_spec :: Killed is killed by SIGKILL", "spec.kill_spec :: Killed never starts"}
	if !slices.Equal(got, want) {
		t.Errorf("names %q, want %q", got, want)
	}
}

// A batch killed before rspec wrote its file crashed in its first example; one
// that left no file and was not killed never ran the formatter: no results.
// Durations are the formatter's seconds.
func TestRSpecVerdictsEdges(t *testing.T) {
	r := newRSpec(&config.Config{Preset: config.PresetRSpec})
	ids := []string{"./spec/a_spec.rb[1:1]", "./spec/a_spec.rb[1:2]"}
	for _, code := range []int{137, 124} {
		vs := r.Verdicts(Output{IDs: ids, ExitCode: code, Stderr: []byte("Killed\n")})
		if !vs[0].Crashed || vs[0].Status != result.Failed || !vs[1].Unrun || vs[0].Details != "Killed\n" {
			t.Errorf("verdicts of a batch killed (exit code %d) with no file: %+v", code, vs)
		}
	}
	_, bad := rspecCapture(t, "list-bad-option")
	bad.IDs = ids
	for i, v := range r.Verdicts(bad) {
		if v.Status != result.Errored || v.Crashed || v.Unrun || v.Message != "no result for this test: rspec wrote no results (exit code 1)" ||
			!strings.Contains(v.Output, "invalid option: --bogus-option") || v.ID != ids[i] {
			t.Errorf("verdict of a batch that wrote no file: %+v", v)
		}
	}
	// An empty file: rspec opened it and died at once.
	if vs := r.Verdicts(Output{IDs: ids, ExitCode: 1, File: []byte{}}); !vs[0].Crashed || !vs[1].Unrun {
		t.Errorf("verdicts of a batch with an empty file: %+v", vs)
	}
	_, out := rspecCapture(t, "batch-mixed")
	if d := r.Verdicts(out)[0].Duration; d <= 0 || d > time.Second {
		t.Errorf("duration %v", d)
	}
	line := `{"event":"example_finished","id":"./spec/a_spec.rb[1:1]","status":"passed","classname":"spec.a_spec","name":"A x","duration":1.5}` + "\n" + `{"event":"close"}` + "\n"
	v := r.Verdicts(Output{IDs: []string{"./spec/a_spec.rb[1:1]"}, File: []byte(line)})[0]
	if v.Duration != 1500*time.Millisecond || v.Status != result.Passed || v.Name != "A x" {
		t.Errorf("verdict %+v", v)
	}
	var _ verdict.Verdict = v
}

// When rspec died, an id it had not started is Unrun wherever it is in the
// batch: rspec may run a batch in another order than the listing's.
func TestRSpecUnstartedBeforeCrash(t *testing.T) {
	_, out := rspecCapture(t, "batch-kill")
	out.IDs = append([]string{"./spec/kill_spec.rb[1:9]"}, out.IDs...)
	vs := newRSpec(&config.Config{}).Verdicts(out)
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%s unrun=%v crashed=%v %s", v.ID, v.Unrun, v.Crashed, v.Status))
	}
	want := []string{
		"./spec/kill_spec.rb[1:9] unrun=true crashed=false ",
		"./spec/kill_spec.rb[1:1] unrun=false crashed=false passed",
		"./spec/kill_spec.rb[1:2] unrun=false crashed=true failed",
		"./spec/kill_spec.rb[1:3] unrun=true crashed=false ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("verdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRSpecCrashMessage(t *testing.T) {
	for _, tc := range []struct {
		code    int
		started bool
		want    string
	}{
		{137, true, "crashed: rspec was killed by signal 9 (killed) while this example ran"},
		{143, true, "crashed: rspec was killed by signal 15 (terminated) while this example ran"},
		{129, false, "crashed: rspec was killed by signal 1 (hangup) before this example started (in a hook, or loading the spec files)"},
		{128, true, "crashed: rspec exited 128 while this example ran"},
		{200, true, "crashed: rspec exited 200 while this example ran"},
		{0, true, "crashed: rspec exited 0 while this example ran"},
	} {
		if got := rspecCrash(tc.code, tc.started); got != tc.want {
			t.Errorf("rspecCrash(%d, %v) = %q, want %q", tc.code, tc.started, got, tc.want)
		}
	}
}

func TestRSpecClassname(t *testing.T) {
	for file, want := range map[string]string{
		"./spec/a_spec.rb":           "spec.a_spec",
		"./spec/models/user_spec.rb": "spec.models.user_spec",
		"spec/a.b_spec.rb":           "spec.a",
		"./spec.d/a_spec":            "spec.d.a_spec",
		"/abs/spec/x_spec.rb":        "abs.spec.x_spec",
		"./spec/.hidden_spec.rb":     "spec",
		"./spec/dir.v2/plain":        "spec.dir.v2.plain",
		"./spec/üñí cødé/ä_spec.rb":  "spec.üñí cødé.ä_spec",
	} {
		if got := rspecClassname(file); got != want {
			t.Errorf("rspecClassname(%q) = %q, want %q", file, got, want)
		}
	}
	if n := newRSpec(&config.Config{}).Name("./spec/models/user_spec.rb[1:2]"); n != (Name{"spec.models.user_spec", "spec.models.user_spec", "./spec/models/user_spec.rb[1:2]"}) {
		t.Errorf("Name of an unlisted id = %+v", n)
	}
}

func TestRSpecMessage(t *testing.T) {
	for _, tc := range []struct{ typ, msg, want string }{
		{"RSpec::Expectations::ExpectationNotMetError", "\nexpected: 4\n     got: 5\n", "expected: 4"},
		{"RuntimeError", "boom", "RuntimeError: boom"},
		{"ArgumentError", "first\nsecond", "ArgumentError: first"},
		{"Exception", "", "Exception"},
		{"", "only a message", "only a message"},
	} {
		if got := rspecMessage(tc.typ, tc.msg); got != tc.want {
			t.Errorf("rspecMessage(%q, %q) = %q, want %q", tc.typ, tc.msg, got, tc.want)
		}
	}
}
