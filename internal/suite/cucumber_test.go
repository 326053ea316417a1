package suite

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The cucumber adapter's tests read real output of Debian's cucumber 2.4 with
// our formatter, over the parity suite (e2e/testdata/cucumber-suite), recorded
// in testdata/cucumber by capture.sh: NAME.jsonl (the formatter's stream),
// NAME.stdout, NAME.stderr, NAME.exit.

// cucumberOutput reads the recorded run NAME as the runner hands it over.
func cucumberOutput(t *testing.T, name string, ids ...string) Output {
	t.Helper()
	dir := filepath.Join("testdata", "cucumber")
	read := func(ext string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name+ext))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return data
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(read(".exit"))))
	if err != nil {
		t.Fatalf("%s.exit: %v", name, err)
	}
	return Output{IDs: ids, ExitCode: code, Stdout: read(".stdout"), Stderr: read(".stderr"), File: read(".jsonl")}
}

// listedCucumber is an adapter that has read the real listing of the suite.
func listedCucumber(t *testing.T, cfg *config.Config) *cucumber {
	t.Helper()
	c := newCucumber(cfg).(*cucumber)
	if _, err := c.ParseList(cucumberOutput(t, "list")); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCucumberParseList(t *testing.T) {
	c := newCucumber(&config.Config{}).(*cucumber)
	ids, err := c.ParseList(cucumberOutput(t, "list"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 237 {
		t.Errorf("%d ids, want the suite's 237 scenarios", len(ids))
	}
	// Serial order: files sorted, scenarios and outline rows in file order.
	wantOrder := []string{
		"features/01_basics.feature:6",
		"features/01_basics.feature:9",
		"features/01_basics.feature:62", // the first row of an outline
		"features/02_outlines.feature:9",
		"features/04_crash.feature:13",
		"features/05_order_setup.feature:3",
		"features/08_bulk.feature:14",
		"features/10_order_dependent.feature:3",
		"features/sub/09_nested.feature:20",
	}
	last := -1
	for _, id := range wantOrder {
		i := slices.Index(ids, id)
		if i < 0 {
			t.Errorf("%s not listed", id)
			continue
		}
		if i < last {
			t.Errorf("%s listed at %d, before the id listed before it in the serial order", id, i)
		}
		last = i
	}
	if ids[len(ids)-1] != "features/sub/09_nested.feature:20" {
		t.Errorf("last id %s, want features/sub/09_nested.feature:20", ids[len(ids)-1])
	}

	// The names cucumber's JUnit formatter writes in a plain run
	// (cucumber --format junit, TEST-features-*.xml of the serial run).
	names := []struct {
		id   string
		want Name
	}{
		{"features/01_basics.feature:6", Name{"Basics", "Basics", "the background runs first"}},
		{"features/01_basics.feature:45", Name{"Basics", "Basics", `a name with "quotes", [brackets] and ünïcödé ☃`}},
		{"features/01_basics.feature:51", Name{"Basics", "Basics", "Unnamed scenario"}},
		{"features/01_basics.feature:62", Name{"Basics", "Basics", "sums of <a> and <b> (outline example : | 1 | 1 | 2 |)"}},
		{"features/02_outlines.feature:12", Name{"Outlines with awkward rows", "Outlines with awkward rows", "text <text> has length <length> (outline example : |  | 0 |)"}},
		{"features/02_outlines.feature:23", Name{"Outlines with awkward rows", "Outlines with awkward rows", "text <text> has length <length> (outline example : | pipe | inside | 13 |)"}},
		{"features/02_outlines.feature:22", Name{"Outlines with awkward rows", "Outlines with awkward rows", `text <text> has length <length> (outline example : | back\slash | 10 |)`}},
		{"features/02_outlines.feature:25", Name{"Outlines with awkward rows", "Outlines with awkward rows", "text <text> has length <length> (outline example : | a & b | 5 |)"}},
		{"features/02_outlines.feature:26", Name{"Outlines with awkward rows", "Outlines with awkward rows", "text <text> has length <length> (outline example : | tab\there | 8 |)"}},
		{"features/02_outlines.feature:31", Name{"Outlines with awkward rows", "Outlines with awkward rows", "text <text> has length <length> (outline example : | 日本語 | 3 |)"}},
		{"features/02_outlines.feature:45", Name{"Outlines with awkward rows", "Outlines with awkward rows", `doubled <word> reads "<word><word>" (outline example : | x y | x yx y |)`}},
		{"features/04_crash.feature:13", Name{"Crash zone", "Crash zone", "the runner dies here"}},
		{"features/08_bulk.feature:3", Name{"Überprüfung — ünïcödé ☃ feature", "Überprüfung — ünïcödé ☃ feature", "a scenario in a feature with a non-ASCII name"}},
		{"features/sub/09_nested.feature:11", Name{"Nested directory", "Nested directory", "nested row <n> (outline example : | 1 |)"}},
		// Not listed: named from the id, never empty.
		{"features/gone.feature:7", Name{"features/gone.feature", "features/gone.feature", "features/gone.feature:7"}},
	}
	for _, tc := range names {
		if diff := cmp.Diff(tc.want, c.Name(tc.id)); diff != "" {
			t.Errorf("Name(%s) (-want +got):\n%s", tc.id, diff)
		}
	}
}

// Under --strict a dry run exits 1 when a step is undefined; the listing is
// whole all the same.
func TestCucumberParseListStrict(t *testing.T) {
	out := cucumberOutput(t, "list-strict")
	if out.ExitCode != 1 {
		t.Fatalf("the recorded dry run exited %d, want 1", out.ExitCode)
	}
	ids, err := newCucumber(&config.Config{Args: []string{"--strict"}}).ParseList(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 15 || ids[0] != "features/03_statuses.feature:3" || ids[14] != "features/03_statuses.feature:60" {
		t.Errorf("ids %q, want the 15 scenarios of 03_statuses.feature", ids)
	}
}

func TestCucumberParseListErrors(t *testing.T) {
	cases := []struct {
		name    string
		out     Output
		want    string // the whole message
		notWant string
	}{{
		name: "a feature that does not parse",
		out:  cucumberOutput(t, "list-parse-error"),
		want: "cucumber --dry-run exited 2: /bad/bad.feature: Parser errors: (6:3): expected: #EOF, #TableRow, #DocStringSeparator, #StepLine, #TagLine, #ScenarioLine, #ScenarioOutlineLine, #Comment, #Empty, got 'Scenario Outline' (Cucumber::Core::Gherkin::ParseError)",
	}, {
		name: "an undefined profile",
		out:  cucumberOutput(t, "list-no-profile"),
		want: "cucumber --dry-run exited 2: cucumber.yml was not found.  Current directory is /suite.  Please refer to cucumber's documentation on defining profiles in cucumber.yml.  You must define a 'default' profile to use the cucumber command without any arguments. Type 'cucumber --help' for usage.",
	}, {
		name: "a feature without a name",
		out:  cucumberOutput(t, "list-unnamed"),
		want: "/bad/unnamed.feature: the feature has no name, and cucumber's JUnit formatter needs one: write \"Feature: <name>\"",
	}, {
		name: "cucumber ran but not our formatter",
		out:  Output{ExitCode: 0, Stdout: []byte("0 scenarios\n0 steps\n")},
		want: "cucumber --dry-run exited 0 but Paratest::CucumberFormatter wrote nothing: the preset needs cucumber 2.x (its event API); check \"cucumber --version\" in the image",
	}, {
		name: "the formatter's stream cut short",
		out:  Output{ExitCode: 1, File: cucumberOutput(t, "list").File[:500], Stderr: []byte("ruby: warning: shebang line ending with \\r may cause problems\nout of memory\n/usr/lib/x.rb:3:in `y'\n")},
		want: "cucumber --dry-run exited 1: out of memory",
	}, {
		name: "a broken stream",
		out:  Output{ExitCode: 0, File: []byte("{\"event\":\"start\"}\nnot json\n{\"event\":\"done\"}\n")},
		want: "cucumber --dry-run: unreadable /.paratest-results/paratest-cucumber-list.jsonl: line 2: invalid character 'o' in literal null (expecting 'u')",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newCucumber(&config.Config{}).ParseList(tc.out)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has several lines: %q", err)
			}
		})
	}
}

// cucumberWant is what a test expects of one verdict.
type cucumberWant struct {
	status  result.Status
	message string // the whole message
	details string // a part of the details ("" for none)
	crashed bool
	unrun   bool
}

func TestCucumberVerdicts(t *testing.T) {
	const st = "features/03_statuses.feature:"
	cases := []struct {
		name string
		run  string
		cfg  config.Config
		want map[string]cucumberWant // by id, in batch order
		ids  []string
	}{{
		name: "every status",
		run:  "batch-statuses",
		ids: []string{st + "3", st + "6", st + "10", st + "13", st + "17", st + "21", st + "28", st + "37", st + "38",
			st + "41", st + "45", st + "48", st + "50", st + "59", st + "60",
			"features/02_outlines.feature:11", "features/02_outlines.feature:36", "features/07_slow.feature:3",
			"features/01_basics.feature:39"},
		want: map[string]cucumberWant{
			st + "3":  {status: result.Passed},
			st + "6":  {status: result.Failed, message: "boom: something went wrong", details: "Scenario: failing with an exception\n\nGiven a step that fails with \"boom: something went wrong\"\n\nMessage:\nboom: something went wrong (RuntimeError)\n./features/step_definitions/steps.rb:45:in `/^a step that fails with \"(.*)\"$/'"},
			st + "10": {status: result.Failed, message: "expected: 2 got: 1", details: "(RSpec::Expectations::ExpectationNotMetError)"},
			st + "13": {status: result.Skipped, message: "pending: not written yet"},
			st + "17": {status: result.Skipped, message: `undefined: Undefined step: "a step nobody has written"`},
			st + "21": {status: result.Failed, message: "first failure", details: "And a step that fails with \"first failure\"\n"},
			// A failing Before hook is a <failure> in cucumber's JUnit, never an <error>.
			st + "28":                         {status: result.Failed, message: "Before hook blew up: database not reachable", details: "Scenario: a failing Before hook\n\nBefore hook\n\nMessage:\n"},
			st + "37":                         {status: result.Failed, message: "Before hook blew up: database not reachable", details: "Scenario Outline: a failing Before hook on outline rows <n>\n\nExample row: | 1 |\n"},
			st + "38":                         {status: result.Failed, message: "Before hook blew up: database not reachable"},
			st + "41":                         {status: result.Skipped, message: "skipped: skipped by a Before hook"},
			st + "45":                         {status: result.Failed, message: "After hook blew up while cleaning up", details: "./features/support/hooks.rb:10:in `After'"},
			st + "48":                         {status: result.Passed},
			st + "50":                         {status: result.Skipped, message: "pending: not written yet"},
			st + "59":                         {status: result.Skipped, message: `undefined: Undefined step: "an undefined step with one"`},
			st + "60":                         {status: result.Skipped, message: `undefined: Undefined step: "an undefined step with two"`},
			"features/02_outlines.feature:11": {status: result.Passed},
			"features/02_outlines.feature:36": {status: result.Failed, message: "expected: 99 got: 7", details: "Example row: | wrong ü | 99 |"},
			"features/07_slow.feature:3":      {status: result.Passed},
			// Not a scenario's line: cucumber ran the scenario around it
			// (line 38) and said nothing of line 39.
			"features/01_basics.feature:39": {status: result.Errored, message: "no result for this test (exit code 1)"},
		},
	}, {
		name: "strict: pending and undefined fail",
		run:  "batch-strict",
		cfg:  config.Config{Args: []string{"--strict"}},
		ids:  []string{st + "3", st + "13", st + "17", st + "41", st + "59"},
		want: map[string]cucumberWant{
			st + "3":  {status: result.Passed},
			st + "13": {status: result.Failed, message: "pending: not written yet", details: "Given a step that is pending\n\nMessage:\nnot written yet (Cucumber::Pending)"},
			st + "17": {status: result.Failed, message: `undefined: Undefined step: "a step nobody has written"`, details: "Given a step nobody has written\n"},
			st + "41": {status: result.Skipped, message: "skipped: skipped by a Before hook"},
			st + "59": {status: result.Failed, message: `undefined: Undefined step: "an undefined step with one"`, details: "Example row: | one |"},
		},
	}, {
		name: "exit! in a scenario",
		run:  "batch-crash",
		ids: []string{st + "45", st + "48", "features/04_crash.feature:3", "features/04_crash.feature:6", "features/04_crash.feature:9",
			"features/04_crash.feature:13", "features/04_crash.feature:17", "features/04_crash.feature:20",
			"features/04_crash.feature:26", "features/04_crash.feature:27", "features/04_crash.feature:28"},
		want: map[string]cucumberWant{
			st + "45":                     {status: result.Failed, message: "After hook blew up while cleaning up"},
			st + "48":                     {status: result.Passed},
			"features/04_crash.feature:3": {status: result.Passed},
			"features/04_crash.feature:6": {status: result.Failed, message: "an ordinary failure before the crash"},
			"features/04_crash.feature:9": {status: result.Skipped, message: "pending: not written yet"},
			// The batch's output, progress dots included, is the crash's details.
			"features/04_crash.feature:13": {status: result.Failed, crashed: true, message: "crashed: cucumber exited 3 in this scenario", details: ".F.FP."},
			"features/04_crash.feature:17": {unrun: true},
			"features/04_crash.feature:20": {unrun: true},
			"features/04_crash.feature:26": {unrun: true},
			"features/04_crash.feature:27": {unrun: true},
			"features/04_crash.feature:28": {unrun: true},
		},
	}, {
		name: "killed in a slow scenario",
		run:  "batch-timeout",
		ids:  []string{"features/10_order_dependent.feature:9", "features/07_slow.feature:3", "features/07_slow.feature:9", "features/08_bulk.feature:3"},
		want: map[string]cucumberWant{
			"features/10_order_dependent.feature:9": {status: result.Passed},
			"features/07_slow.feature:3":            {status: result.Passed},
			"features/07_slow.feature:9":            {status: result.Failed, crashed: true, message: "crashed: cucumber was killed by signal 9 (exit code 137)", details: "Killed"},
			"features/08_bulk.feature:3":            {unrun: true},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := listedCucumber(t, &tc.cfg)
			vs := c.Verdicts(cucumberOutput(t, tc.run, tc.ids...))
			if len(vs) != len(tc.ids) {
				t.Fatalf("%d verdicts for %d ids", len(vs), len(tc.ids))
			}
			for i, v := range vs {
				id := tc.ids[i]
				if v.ID != id {
					t.Errorf("verdict %d is for %s, want %s", i, v.ID, id)
				}
				w, ok := tc.want[id]
				if !ok {
					t.Fatalf("no expectation for %s", id)
				}
				got := cucumberWant{status: v.Status, message: v.Message, details: w.details, crashed: v.Crashed, unrun: v.Unrun}
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(cucumberWant{})); diff != "" {
					t.Errorf("%s (-want +got):\n%s", id, diff)
				}
				if !strings.Contains(v.Details, w.details) {
					t.Errorf("%s: details\n%s\nwant them to hold\n%s", id, v.Details, w.details)
				}
				if v.Status == result.Skipped && v.Details != "" {
					t.Errorf("%s skipped with details %q: the JUnit formatter writes none", id, v.Details)
				}
				if v.Unrun {
					continue
				}
				// Every verdict that is one carries the JUnit name of its listing.
				n := c.Name(id)
				if v.Suite != n.Suite || v.Class != n.Class || v.Name != n.Name {
					t.Errorf("%s named %q/%q/%q, the listing says %q/%q/%q", id, v.Suite, v.Class, v.Name, n.Suite, n.Class, n.Name)
				}
				if v.Status == result.Passed && (v.Message != "" || v.Details != "") {
					t.Errorf("%s passed with message %q, details %q", id, v.Message, v.Details)
				}
				if v.Status == result.Errored && v.Output == "" {
					t.Errorf("%s errored without the batch's output", id)
				}
			}
		})
	}
}

func TestCucumberVerdictsDuration(t *testing.T) {
	c := listedCucumber(t, &config.Config{})
	vs := c.Verdicts(cucumberOutput(t, "batch-timeout", "features/07_slow.feature:3"))
	if d := vs[0].Duration.Seconds(); d < 1 || d > 1.5 {
		t.Errorf("a scenario that sleeps 1 s took %.3f s", d)
	}
}

// TestCucumberVerdictsNoStream covers the batches that left no usable stream.
func TestCucumberVerdictsNoStream(t *testing.T) {
	ids := []string{"features/04_crash.feature:3", "features/04_crash.feature:6"}
	full := cucumberOutput(t, "batch-crash").File
	cases := []struct {
		name string
		out  Output
		want []verdict.Verdict
	}{{
		name: "cucumber died before its first scenario",
		out:  Output{IDs: ids, ExitCode: 2, Stderr: []byte("features/x.feature: Parser errors:\n")},
		want: []verdict.Verdict{
			{ID: ids[0], Status: result.Errored, Message: "no result for this test (exit code 2)", Output: "features/x.feature: Parser errors:", Suite: "Crash zone", Class: "Crash zone", Name: "before the crash passes"},
			{ID: ids[1], Status: result.Errored, Message: "no result for this test (exit code 2)", Output: "features/x.feature: Parser errors:", Suite: "Crash zone", Class: "Crash zone", Name: "before the crash fails"},
		},
	}, {
		name: "cucumber died between two scenarios",
		// The stream up to the end of the first scenario of the crash batch,
		// with a half-written line after it.
		out: Output{IDs: ids, ExitCode: 137, File: append(full[:cucumberLineEnd(t, full, 6)], `{"event":"sta`...)},
		want: []verdict.Verdict{
			{ID: ids[0], Status: result.Passed, Suite: "Crash zone", Class: "Crash zone", Name: "before the crash passes"},
			{ID: ids[1], Unrun: true, Suite: "Crash zone", Class: "Crash zone", Name: "before the crash fails"},
		},
	}, {
		name: "an unreadable stream",
		out:  Output{IDs: ids[:1], ExitCode: 0, File: []byte("garbage\n{\"event\":\"done\"}\n")},
		want: []verdict.Verdict{
			{ID: ids[0], Status: result.Errored, Message: "unreadable cucumber results: line 1: invalid character 'g' looking for beginning of value (exit code 0)", Suite: "Crash zone", Class: "Crash zone", Name: "before the crash passes"},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := listedCucumber(t, &config.Config{})
			got := c.Verdicts(tc.out)
			for i := range got {
				got[i].Duration = 0
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// cucumberLineEnd is the offset just past the nth line of data.
func cucumberLineEnd(t *testing.T, data []byte, n int) int {
	t.Helper()
	off := 0
	for range n {
		i := strings.IndexByte(string(data[off:]), '\n')
		if i < 0 {
			t.Fatalf("fewer than %d lines", n)
		}
		off += i + 1
	}
	return off
}

func TestCucumberCommands(t *testing.T) {
	cases := []struct {
		name      string
		cfg       config.Config
		wantList  []string
		wantBatch []string
		wantEnv   []string
	}{{
		name:      "no args",
		wantList:  []string{"cucumber", "--dry-run", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-list.jsonl"},
		wantBatch: []string{"cucumber", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-7.jsonl", "--format", "progress", "features/a b.feature:3", "features/ü.feature:12"},
		wantEnv:   []string{"RUBYLIB=/.paratest/cucumber"},
	}, {
		name: "args: options, a path and a variable",
		cfg: config.Config{
			Args: []string{"--tags", "~@wip", "--strict", "features/api", "-p", "ci", "DRIVER=headless", "--order=defined"},
			Env:  []string{"RUBYLIB=lib:vendor", "OTHER=1"},
		},
		wantList: []string{"cucumber", "--dry-run", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-list.jsonl",
			"--tags", "~@wip", "--strict", "features/api", "-p", "ci", "DRIVER=headless", "--order=defined"},
		// The path lists; a batch runs its own scenarios only.
		wantBatch: []string{"cucumber", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-7.jsonl", "--format", "progress",
			"--tags", "~@wip", "--strict", "-p", "ci", "DRIVER=headless", "--order=defined", "features/a b.feature:3", "features/ü.feature:12"},
		wantEnv: []string{"RUBYLIB=/.paratest/cucumber:lib:vendor"},
	}, {
		name:     "args: a formatter of theirs on stdout",
		cfg:      config.Config{Args: []string{"--format", "pretty", "--format", "junit", "--out", "reports"}},
		wantList: []string{"cucumber", "--dry-run", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-list.jsonl", "--format", "pretty", "--format", "junit", "--out", "reports"},
		wantBatch: []string{"cucumber", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-7.jsonl",
			"--format", "pretty", "--format", "junit", "--out", "reports", "features/a b.feature:3", "features/ü.feature:12"},
		wantEnv: []string{"RUBYLIB=/.paratest/cucumber"},
	}, {
		name: "args: formatters of theirs to files",
		cfg:  config.Config{Args: []string{"-f", "junit", "-o", "reports", "--format=html", "--out=r.html"}},
		wantList: []string{"cucumber", "--dry-run", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-list.jsonl",
			"-f", "junit", "-o", "reports", "--format=html", "--out=r.html"},
		wantBatch: []string{"cucumber", "--format", "Paratest::CucumberFormatter", "--out", "/.paratest-results/paratest-cucumber-7.jsonl", "--format", "progress",
			"-f", "junit", "-o", "reports", "--format=html", "--out=r.html", "features/a b.feature:3", "features/ü.feature:12"},
		wantEnv: []string{"RUBYLIB=/.paratest/cucumber"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCucumber(&tc.cfg)
			l := c.List()
			if diff := cmp.Diff(tc.wantList, l.Argv); diff != "" {
				t.Errorf("List argv (-want +got):\n%s", diff)
			}
			if l.ResultFile != "/.paratest-results/paratest-cucumber-list.jsonl" || !slices.Equal(l.Env, tc.wantEnv) {
				t.Errorf("List result file %q, env %q", l.ResultFile, l.Env)
			}
			b := c.Batch([]string{"features/a b.feature:3", "features/ü.feature:12"}, 7)
			if diff := cmp.Diff(tc.wantBatch, b.Argv); diff != "" {
				t.Errorf("Batch argv (-want +got):\n%s", diff)
			}
			if b.ResultFile != "/.paratest-results/paratest-cucumber-7.jsonl" || !slices.Equal(b.Env, tc.wantEnv) {
				t.Errorf("Batch result file %q, env %q", b.ResultFile, b.Env)
			}
			if c.Group("features/a.feature:3") != "" || !c.PerID() {
				t.Error("every scenario may share a batch, and verdicts are per id")
			}
		})
	}
}

func TestCucumberFiles(t *testing.T) {
	files := newCucumber(&config.Config{}).Files()
	if len(files) != 1 {
		t.Fatalf("%d files, want the formatter", len(files))
	}
	f := files[0]
	want, err := os.ReadFile("plugin/cucumber/paratest/cucumber_formatter.rb")
	if err != nil {
		t.Fatal(err)
	}
	// cucumber requires it as "paratest/cucumber_formatter" from RUBYLIB.
	if f.Path != "/.paratest/cucumber/paratest/cucumber_formatter.rb" || f.Mode != 0o644 || string(f.Data) != string(want) {
		t.Errorf("file %s mode %o, %d bytes", f.Path, f.Mode, len(f.Data))
	}
}

func TestCucumberExitDescription(t *testing.T) {
	for code, want := range map[int]string{
		1:   "cucumber exited 1 in this scenario",
		3:   "cucumber exited 3 in this scenario", // exit!(3)
		128: "cucumber exited 128 in this scenario",
		129: "cucumber was killed by signal 1 (exit code 129)",
		139: "cucumber was killed by signal 11 (exit code 139)",
		192: "cucumber was killed by signal 64 (exit code 192)",
		200: "cucumber exited 200 in this scenario",
	} {
		if got := exitDescription(code); got != want {
			t.Errorf("exitDescription(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestCucumberMatchesJUnit holds the adapter to cucumber's own JUnit report of
// the suite (testdata/cucumber/junit, `cucumber --format junit --tags ~@crash`):
// every listed scenario but the crash is named as a testcase of it, and the
// verdicts of the same run through our formatter (batch-all) are the report's.
func TestCucumberMatchesJUnit(t *testing.T) {
	type key struct{ class, name string }
	files, _ := filepath.Glob(filepath.Join("testdata", "cucumber", "junit", "TEST-*.xml"))
	report := map[key]result.Status{}
	for n, s := range junitStatuses(t, files...) {
		report[key{n.Class, n.Name}] = s
	}
	if len(report) != 236 {
		t.Fatalf("the report has %d testcases, want 236", len(report))
	}

	c := newCucumber(&config.Config{}).(*cucumber)
	ids, err := c.ParseList(cucumberOutput(t, "list"))
	if err != nil {
		t.Fatal(err)
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == "features/04_crash.feature:13" })
	named := map[key]bool{}
	for _, id := range ids {
		n := c.Name(id)
		k := key{n.Class, n.Name}
		if _, ok := report[k]; !ok {
			t.Errorf("%s: named %q %q, not a testcase of the report", id, n.Class, n.Name)
		}
		if named[k] {
			t.Errorf("%s: named %q %q like another scenario", id, n.Class, n.Name)
		}
		named[k] = true
	}
	if len(named) != len(report) {
		t.Errorf("%d scenarios named, the report has %d testcases", len(named), len(report))
	}

	counts := map[result.Status]int{}
	for _, v := range c.Verdicts(cucumberOutput(t, "batch-all", ids...)) {
		counts[v.Status]++
		if want := report[key{v.Class, v.Name}]; v.Status != want {
			t.Errorf("%s (%s): %s, the report says %s", v.ID, v.Name, v.Status, want)
		}
	}
	t.Logf("verdicts: %v", counts)
}
