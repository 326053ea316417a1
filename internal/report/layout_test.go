package report

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLayoutPaths(t *testing.T) {
	l := Layout{Dir: "paratest-out"}
	for got, want := range map[string]string{
		l.JUnitDir():                 "paratest-out/junit",
		l.LogsDir():                  "paratest-out/logs",
		l.LogPath("host-a", "w3"):    "paratest-out/logs/host-a_w3.log",
		l.LogPath("10.0.0.1:22", ""): "paratest-out/logs/10.0.0.1_22__.log",
		l.LogPath("../etc", "w/1"):   "paratest-out/logs/.._etc_w_1.log",
		l.SummaryJSON():              "paratest-out/summary.json",
		l.SummaryMD():                "paratest-out/summary.md",
		l.FlakyJSON():                "paratest-out/flaky.json",
		l.Timeline():                 "paratest-out/timeline.html",
		l.Journal():                  "paratest-out/journal.jsonl",
	} {
		if got != filepath.FromSlash(want) {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// files writes each path (slash-separated, under dir) with some content.
func files(t *testing.T, dir string, paths ...string) {
	t.Helper()
	for _, f := range paths {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tree is every path under dir, slash-separated, sorted.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A run's Reset removes what the run before it wrote — the files its manifest
// lists, its TEST-*.xml files, temporary files — and keeps everything else.
func TestReset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "paratest-out")
	l := Layout{Dir: dir}
	files(t, dir, "notes.txt", "junit.xml", "extra/keep.txt") // the user's, before any run
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	// What a run writes.
	if err := l.Claim(l.LogPath("local", "w1")); err != nil {
		t.Fatal(err)
	}
	files(t, dir, "junit/TEST-old.xml", "junit/.TEST-old.xml.tmp-9", "logs/local_w1.log", "summary.json", "summary.md",
		"flaky.json", "timeline.html", ".timeline.html.tmp-7", "journal.jsonl", ".summary.json.tmp-123")
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	want := []string{".paratest-manifest", "extra", "extra/keep.txt", "junit", "junit.xml", "logs", "notes.txt"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Errorf("after Reset: %q, want %q", got, want)
	}
}

// A file in a place a run writes that no run of ours wrote is the user's: Reset
// refuses, names it, and removes nothing.
func TestResetRefusesFilesNotOurs(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		before     bool // the file is there before the first run, or added after it
	}{
		{"a summary.md of the user's", "summary.md", true},
		{"a timeline.html of the user's", "timeline.html", true},
		{"a log of the user's", "logs/app.log", true},
		{"a file in junit", "junit/keep.txt", false},
		{"an unclaimed log", "logs/app.log", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			l := Layout{Dir: dir}
			if tc.before {
				files(t, dir, tc.file)
			} else {
				if err := l.Reset(); err != nil {
					t.Fatal(err)
				}
				files(t, dir, "junit/TEST-a.xml", "summary.json", tc.file)
			}
			before := tree(t, dir)
			err := l.Reset()
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, filepath.FromSlash(tc.file))+" was not written by jenkins-paratest") {
				t.Fatalf("Reset: %v, want it to name %s", err, tc.file)
			}
			if after := tree(t, dir); !slices.Equal(after, before) {
				t.Errorf("Reset removed files: %q, then %q", before, after)
			}
		})
	}
}

func TestResetCreates(t *testing.T) {
	l := Layout{Dir: filepath.Join(t.TempDir(), "a", "paratest-out")}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{l.Dir, l.JUnitDir(), l.LogsDir()} {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Errorf("%s: not created (%v)", d, err)
		}
	}
	if err := (Layout{}).Reset(); err == nil {
		t.Error("Reset with no directory succeeded")
	}
	file := filepath.Join(t.TempDir(), "f")
	files(t, filepath.Dir(file), "f")
	if err := (Layout{Dir: file}).Reset(); err == nil || err.Error() != "out "+file+": not a directory: name a directory (it is created when missing)" {
		t.Errorf("Reset of a file: %v, want one line saying it is not a directory", err)
	}
}
