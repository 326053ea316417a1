package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	type testCase struct {
		name     string
		patterns []string
		want     map[string]time.Duration
		files    []string
		skipped  []string // a substring of each error, in order
	}
	fn := func(t *testing.T, tc testCase) {
		got, err := Load(tc.patterns)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got.Durations); diff != "" {
			t.Errorf("durations (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(tc.files, got.Files); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
		if len(got.Skipped) != len(tc.skipped) {
			t.Fatalf("skipped %v, want %d errors like %q", got.Skipped, len(tc.skipped), tc.skipped)
		}
		for i, err := range got.Skipped {
			if !strings.Contains(err.Error(), tc.skipped[i]) {
				t.Errorf("skipped[%d] = %q, want it to contain %q", i, err, tc.skipped[i])
			}
		}
	}
	both := map[string]time.Duration{
		"example.app.pkg.TestSlow":  570 * time.Second, // mean of 60s and 1,080s
		"example.app.pkg.TestFast":  500 * time.Millisecond,
		"example.app.pkg.TestFlaky": 10 * time.Second,
		"example.app.db.TestQuery":  3500 * time.Millisecond,
	}
	for _, tc := range []testCase{
		{
			name:     "testsuite root",
			patterns: []string{"testdata/build41/*.xml"},
			want: map[string]time.Duration{
				"example.app.pkg.TestSlow":  60 * time.Second,
				"example.app.pkg.TestFast":  250 * time.Millisecond,
				"example.app.pkg.TestFlaky": 10 * time.Second,
			},
			files: []string{"testdata/build41/TEST-example.app.pkg.xml"},
		},
		{
			name:     "mean over files, nested testsuites",
			patterns: []string{"testdata/build4?/*.xml"},
			want:     both,
			files:    []string{"testdata/build41/TEST-example.app.pkg.xml", "testdata/build42/junit.xml"},
		},
		{
			name:     "a file two patterns match counts once",
			patterns: []string{"testdata/build42/junit.xml", "testdata/build4*/*", "testdata/build41/*.xml"},
			want:     both,
			files:    []string{"testdata/build41/TEST-example.app.pkg.xml", "testdata/build42/junit.xml"},
		},
		{
			name:     "first build: nothing matches",
			patterns: []string{"testdata/build0/*.xml", "testdata/missing.xml"},
			want:     map[string]time.Duration{},
		},
		{name: "no patterns", want: map[string]time.Duration{}},
		{
			name:     "broken files are skipped whole, directories passed over",
			patterns: []string{"testdata/*", "testdata/broken/*", "testdata/build41/*"},
			want: map[string]time.Duration{
				"example.app.pkg.TestSlow":  60 * time.Second,
				"example.app.pkg.TestFast":  250 * time.Millisecond,
				"example.app.pkg.TestFlaky": 10 * time.Second,
			},
			files: []string{"testdata/build41/TEST-example.app.pkg.xml"},
			skipped: []string{
				"history testdata/broken/TEST-cut.xml: not JUnit XML: XML syntax error on line 5",
				"history testdata/broken/TEST-empty.xml: not JUnit XML: no root element",
				"history testdata/broken/index.html: not JUnit XML: root element <html>",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestLoadBadPattern(t *testing.T) {
	_, err := Load([]string{"ok.xml", "junit/[a.xml"})
	if err == nil || !strings.Contains(err.Error(), `history pattern "junit/[a.xml"`) {
		t.Fatalf("Load with a bad pattern: %v", err)
	}
}

func TestLoadUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	path := filepath.Join(t.TempDir(), "TEST-x.xml")
	if err := os.WriteFile(path, []byte(`<testsuite/>`), 0o000); err != nil {
		t.Fatal(err)
	}
	got, err := Load([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Skipped) != 1 || !strings.Contains(got.Skipped[0].Error(), "permission denied") {
		t.Errorf("skipped %v, want permission denied", got.Skipped)
	}
}

func TestSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0":         0,
		"1.5":       1500 * time.Millisecond,
		" 0.0004 ":  400 * time.Microsecond,
		"1,234.500": 1234500 * time.Millisecond,
		"1e2":       100 * time.Second,
	} {
		if got, ok := seconds(in); !ok || got != want {
			t.Errorf("seconds(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-1", "NaN", "Inf", "1e300"} {
		if got, ok := seconds(in); ok {
			t.Errorf("seconds(%q) = %v, ok; want not ok", in, got)
		}
	}
}
