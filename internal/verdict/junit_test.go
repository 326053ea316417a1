package verdict

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The .xml files under testdata/junit are hand-written in the shape pytest (xunit2),
// rspec_junit_formatter and maven-surefire write.
func TestJUnit(t *testing.T) {
	type testCase struct {
		name string // also the name of the .want.json file
		xml  string // file under testdata/junit; "" for no file at all
		ids  []string
		exit int
		want []string // summary of the verdicts; the .want.json file has them in full
	}
	fn := func(t *testing.T, tc testCase) {
		b := Batch{IDs: tc.ids, ExitCode: tc.exit, Stdout: []byte("collected 7 items\n"), Stderr: []byte("warning\n"), Duration: time.Second}
		if tc.xml != "" {
			data, err := os.ReadFile(filepath.Join("testdata/junit", tc.xml))
			if err != nil {
				t.Fatal(err)
			}
			b.JUnit = data
		}
		got := JUnit(b)
		checkIDs(t, tc.ids, got)
		if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
			t.Errorf("verdicts (-want +got):\n%s", diff)
		}
		checkGolden(t, filepath.Join("testdata/junit", tc.name+".want.json"), got)
	}
	for _, tc := range []testCase{
		{
			name: "001-pytest", xml: "001-pytest.xml", exit: 1,
			ids: []string{
				"tests/test_a.py::test_x",
				"tests/test_a.py::TestK::test_y",
				"tests/test_a.py::test_p", // both parameters
				"tests/test_b.py::test_db",
				"tests/test_b.py::test_later",
				"tests/test_b.py::test_unicode_naïve",
				"tests/test_b.py::test_gone",
			},
			want: []string{
				"passed",
				"failed: AssertionError: assert 'paid' == 'refunded'",
				"failed: test_p[2-5]: assert (2 + 2) == 5",
				`error: failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"`,
				"skipped: needs the staging API",
				"passed",
				"error: no result in the JUnit file (exit code 1)",
			},
		},
		{
			// pytest's rootdir is not the command's directory: ids have a prefix
			// the classnames lack, or lack one they have.
			name: "002-pytest-other-rootdir", xml: "001-pytest.xml", exit: 1,
			ids:  []string{"src/tests/test_a.py::test_x", "test_a.py::TestK::test_y", "./tests/test_b.py::test_later", "test_a.py::test_p[1-2]"},
			want: []string{"passed", "failed: AssertionError: assert 'paid' == 'refunded'", "skipped: needs the staging API", "passed"},
		},
		{
			name: "003-pytest-files", xml: "001-pytest.xml", exit: 1,
			ids: []string{"tests/test_a.py", "tests/test_b.py"},
			want: []string{
				"failed: test_y: AssertionError: assert 'paid' == 'refunded'",
				`error: test_db: failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"`,
			},
		},
		{
			name: "004-rspec-files", xml: "002-rspec.xml", exit: 1,
			ids: []string{"./spec/parser_spec.rb", "./spec/calculator_spec.rb"},
			want: []string{
				"passed",
				"failed: Calculator raises on division by zero: expected ZeroDivisionError but nothing was raised",
			},
		},
		{
			// rspec's formatter records no example ids: examples of one file cannot
			// be told apart, and each gets the file's worst verdict.
			name: "005-rspec-examples", xml: "002-rspec.xml", exit: 1,
			ids: []string{"./spec/calculator_spec.rb[1:1]", "./spec/calculator_spec.rb[1:2]", "./spec/parser_spec.rb:7"},
			want: []string{
				"failed: Calculator raises on division by zero: expected ZeroDivisionError but nothing was raised",
				"failed: Calculator raises on division by zero: expected ZeroDivisionError but nothing was raised",
				"passed",
			},
		},
		{
			name: "006-surefire-methods", xml: "003-surefire.xml", exit: 1,
			ids: []string{
				"com.example.shop.CartTest#addsItem",
				"com.example.shop.CartTest#appliesDiscount",
				"com.example.shop.CartTest#checksOut",
				"com.example.shop.CartTest#rejectsNegative",
			},
			want: []string{
				"passed",
				"failed: expected: <90> but was: <100>",
				"error: Connection refused",
				"passed",
			},
		},
		{
			name: "007-surefire-class", xml: "003-surefire.xml", exit: 1,
			ids:  []string{"com.example.shop.CartTest"},
			want: []string{"failed: appliesDiscount: expected: <90> but was: <100>"},
		},
		{
			name: "008-surefire-two-files", xml: "004-surefire-two-files.xml",
			ids:  []string{"com.example.shop.OrderTest", "com.example.shop.CartTest#addsItem", "com.example.shop.OrderTest#refunds"},
			want: []string{"passed", "passed", "skipped: disabled until #412 is fixed"},
		},
		{
			// A batch of one id that names no testcase: its command ran it, so the
			// whole file is its result.
			name: "009-single-id-whole-file", xml: "002-rspec.xml", exit: 1,
			ids:  []string{"smoke"},
			want: []string{"failed: Calculator raises on division by zero: expected ZeroDivisionError but nothing was raised"},
		},
		{
			name: "010-no-file", exit: 2,
			ids:  []string{"tests/test_a.py::test_x", "tests/test_a.py::test_y"},
			want: []string{"error: no JUnit file written (exit code 2)", "error: no JUnit file written (exit code 2)"},
		},
		{
			name: "011-truncated", xml: "005-truncated.xml", exit: 1,
			ids:  []string{"com.example.shop.CartTest#addsItem"},
			want: []string{"error: unreadable JUnit file: XML syntax error on line 9: unexpected EOF (exit code 1)"},
		},
		{
			name: "012-not-junit", xml: "006-html.xml", exit: 0,
			ids:  []string{"a"},
			want: []string{"error: unreadable JUnit file: root element is <html>, want <testsuites> or <testsuite> (exit code 0)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestJUnitEdgeCases(t *testing.T) {
	type testCase struct {
		name  string
		junit string
		ids   []string
		want  []string
	}
	fn := func(t *testing.T, tc testCase) {
		got := JUnit(Batch{IDs: tc.ids, ExitCode: 1, JUnit: []byte(tc.junit)})
		checkIDs(t, tc.ids, got)
		if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
			t.Errorf("verdicts (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "empty file", junit: "", ids: []string{"a"}, want: []string{"error: unreadable JUnit file: no <testsuites> or <testsuite> element (exit code 1)"}},
		{name: "no testcases", junit: `<testsuites/>`, ids: []string{"a"}, want: []string{"error: no result in the JUnit file (exit code 1)"}},
		{
			name:  "failure outranks error, error outranks pass",
			junit: `<testsuite name="s"><testcase classname="c" name="a"/><testcase classname="c" name="b"><error/></testcase><testcase classname="c" name="d"><failure/></testcase></testsuite>`,
			ids:   []string{"c"}, want: []string{"failed: d: test failed"},
		},
		{
			name:  "passed outranks skipped",
			junit: `<testsuite name="s"><testcase classname="c" name="a"><skipped/></testcase><testcase classname="c" name="b"/></testsuite>`,
			ids:   []string{"c"}, want: []string{"passed"},
		},
		{
			name:  "nested suites, classname from the suite",
			junit: `<testsuites><testsuite name="outer"><testsuite name="pkg.Inner"><testcase name="t"><failure message="m"/></testcase></testsuite></testsuite></testsuites>`,
			ids:   []string{"pkg.Inner#t", "other"}, want: []string{"failed: m", "error: no result in the JUnit file (exit code 1)"},
		},
		{
			name:  "duplicate ids",
			junit: `<testsuite><testcase classname="c" name="t"/></testsuite>`,
			ids:   []string{"c#t", "c#t"}, want: []string{"passed", "passed"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestJUnitNamesAndDuration(t *testing.T) {
	junit := `<testsuite name="com.x.FooTest"><testcase classname="com.x.FooTest" name="a" time="1.5"/><testcase classname="com.x.FooTest" name="b" time="0.25"/></testsuite>`
	got := JUnit(Batch{IDs: []string{"com.x.FooTest#a", "com.x.FooTest"}, JUnit: []byte(junit)})
	want := []Verdict{
		{ID: "com.x.FooTest#a", Status: "passed", Duration: 1500 * time.Millisecond, Suite: "com.x.FooTest", Class: "com.x.FooTest", Name: "a"},
		// b only: a went to the id that names it exactly.
		{ID: "com.x.FooTest", Status: "passed", Duration: 250 * time.Millisecond, Suite: "com.x.FooTest", Class: "com.x.FooTest", Name: "b"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JUnit (-want +got):\n%s", diff)
	}
}
