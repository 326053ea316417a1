package suite

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

func TestCommandBatch(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name     string
		cfg      config.Config
		wantArgv []string
		wantFile string
		wantText bool
		perID    bool
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		a := New(&tc.cfg)
		cmd := a.Batch([]string{"a b", "$(rm -rf /)"}, 1)
		if diff := cmp.Diff(tc.wantArgv, cmd.Argv); diff != "" {
			t.Errorf("argv (-want +got):\n%s", diff)
		}
		if cmd.ResultFile != tc.wantFile {
			t.Errorf("result file %q, want %q", cmd.ResultFile, tc.wantFile)
		}
		if (cmd.Text != nil) != tc.wantText {
			t.Errorf("text filter set: %v, want %v", cmd.Text != nil, tc.wantText)
		}
		if a.PerID() != tc.perID {
			t.Errorf("PerID %v, want %v", a.PerID(), tc.perID)
		}
	}
	for _, tc := range []testCase{
		{
			name:     "shell command, exit code",
			cfg:      config.Config{Command: config.Command{Shell: `run "$@"`}, Results: config.Results{Kind: config.ResultsExitCode}},
			wantArgv: []string{"sh", "-c", `run "$@"`, "paratest", "a b", "$(rm -rf /)"},
		},
		{
			name:     "argv command, junit",
			cfg:      config.Config{Command: config.Command{Argv: []string{"pytest", "--junitxml=/j.xml"}}, Results: config.Results{Kind: config.ResultsJUnit, Path: "/j.xml"}},
			wantArgv: []string{"pytest", "--junitxml=/j.xml", "a b", "$(rm -rf /)"},
			wantFile: "/j.xml",
			perID:    true,
		},
		{
			name:     "go test -json",
			cfg:      config.Config{Command: config.Command{Argv: []string{"gotest"}}, Results: config.Results{Kind: config.ResultsGoTestJSON}},
			wantArgv: []string{"gotest", "a b", "$(rm -rf /)"},
			wantText: true,
			perID:    true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestCommandParseList(t *testing.T) {
	t.Parallel()
	a := New(&config.Config{List: config.Command{Shell: "ls tests"}, Results: config.Results{Kind: config.ResultsExitCode}})
	ids, err := a.ParseList(Output{Stdout: []byte("b\n\na\n")})
	if err != nil || !cmp.Equal(ids, []string{"b", "a"}) {
		t.Errorf("ParseList = %q, %v; want [b a]", ids, err)
	}
	_, err = a.ParseList(Output{ExitCode: 2, Stderr: []byte("warming up\nls: tests: No such file or directory\n")})
	if err == nil || err.Error() != `list command "ls tests" exited 2: ls: tests: No such file or directory` {
		t.Errorf("ParseList of a failed listing: %v", err)
	}
}

func TestCommandNames(t *testing.T) {
	t.Parallel()
	generic := New(&config.Config{Results: config.Results{Kind: config.ResultsJUnit}})
	if got := generic.Name("tests/test_a.py::test_x"); got != (Name{"tests.test_a", "tests.test_a", "test_x"}) {
		t.Errorf("generic name %+v", got)
	}
	if got := generic.Name("flaky1"); got != (Name{result.GenericClass, result.GenericClass, "flaky1"}) {
		t.Errorf("generic name of a bare id %+v", got)
	}
	gojson := New(&config.Config{Results: config.Results{Kind: config.ResultsGoTestJSON}})
	var want Name
	want.Suite, want.Class, want.Name = result.GoNames("example/calc.TestAdd")
	if got := gojson.Name("example/calc.TestAdd"); got != want {
		t.Errorf("go-test-json name %+v, want %+v", got, want)
	}
	if g := gojson.Group("example/calc.TestAdd"); g != "example/calc" {
		t.Errorf("go-test-json group %q", g)
	}
	if g := generic.Group("tests/test_a.py::test_x"); g != "" {
		t.Errorf("generic group %q, want none", g)
	}
}

// Two ids never share a (class, name): the first in the listing keeps it, a
// later one gets its id added; asked again, in any order, each id gets the
// name it got first.
func TestCommandNamesAreUnique(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		ids   []string
		tests bool // the ids come from a tests file: no ParseList
		want  []string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		a := New(&config.Config{Results: config.Results{Kind: config.ResultsExitCode}})
		if !tc.tests {
			if _, err := a.ParseList(Output{Stdout: []byte(strings.Join(tc.ids, "\n") + "\n")}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		seen := map[Name]string{}
		for _, id := range tc.ids {
			n := a.Name(id)
			if other, ok := seen[n]; ok {
				t.Errorf("%q and %q are both named %+v", other, id, n)
			}
			seen[n] = id
			got = append(got, n.Class+" > "+n.Name)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
		for i := len(tc.ids) - 1; i >= 0; i-- {
			if n := a.Name(tc.ids[i]); n.Class+" > "+n.Name != got[i] {
				t.Errorf("%q renamed %q on a second ask", tc.ids[i], n.Name)
			}
		}
	}
	for _, tc := range []testCase{
		{
			name: "no collision",
			ids:  []string{"tests/a.py::t1", "tests/a.py::t2", "t3"},
			want: []string{"tests.a > t1", "tests.a > t2", "paratest.tests > t3"},
		},
		{
			name: "line numbers dropped",
			ids:  []string{"pkg/x_test.go:TestA:10", "pkg/x_test.go:TestA:20", "pkg/x_test.go:TestB:30"},
			want: []string{"pkg.x_test > TestA", "pkg.x_test > TestA (pkg/x_test.go:TestA:20)", "pkg.x_test > TestB"},
		},
		{
			name: "extensions stripped",
			ids:  []string{"t/a.py::x", "t/a.rb::x", "t/a::x"},
			want: []string{"t.a > x", "t.a > x (t/a.rb::x)", "t.a > x (t/a::x)"},
		},
		{
			name:  "from a tests file, in its order",
			ids:   []string{"t/b.rb::x", "t/a.rb::x", "t/a.py::x"},
			tests: true,
			want:  []string{"t.b > x", "t.a > x", "t.a > x (t/a.py::x)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestJSONText(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	j := &jsonText{w: &b}
	j.Write([]byte(`{"Action":"output","Output":"=== RUN TestA\n"}` + "\nnot json\n" + `{"Action":"pass"}` + "\n" + `{"Output":"tail"`))
	j.Write([]byte(`}`))
	j.Close()
	if got, want := b.String(), "=== RUN TestA\nnot json\ntail"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

// A stream without newlines passes through in bounded pieces: the converter
// keeps no more than a line's worth, and does not rescan what it holds.
func TestJSONTextBoundsAnEndlessLine(t *testing.T) {
	t.Parallel()
	var b countingWriter
	j := &jsonText{w: &b}
	chunk := []byte(strings.Repeat("x", 100))
	for range 30_000 { // 3 MB in 100-byte writes, no newline
		j.Write(chunk)
		if len(j.buf) > maxJSONLine+len(chunk) {
			t.Fatalf("buffer at %d bytes, want at most %d", len(j.buf), maxJSONLine+len(chunk))
		}
	}
	j.Close()
	if b.n != 3_000_000 {
		t.Errorf("%d bytes passed through, want all 3,000,000", b.n)
	}
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
