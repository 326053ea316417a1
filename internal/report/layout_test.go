package report

import (
	"os"
	"path/filepath"
	"slices"
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
		l.Journal():                  "paratest-out/journal.jsonl",
	} {
		if got != filepath.FromSlash(want) {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestReset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "paratest-out")
	l := Layout{Dir: dir}
	files := []string{
		"junit/TEST-old.xml", "logs/local_w1.log", "summary.json", "summary.md",
		"flaky.json", "journal.jsonl", ".summary.json.tmp-123", // ours
		"notes.txt", "junit.xml", "extra/keep.txt", // the user's
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
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
	want := []string{"extra", "extra/keep.txt", "junit", "junit.xml", "logs", "notes.txt"}
	if !slices.Equal(got, want) {
		t.Errorf("after Reset: %q, want %q", got, want)
	}
	for _, d := range []string{l.JUnitDir(), l.LogsDir()} {
		if entries, err := os.ReadDir(d); err != nil || len(entries) != 0 {
			t.Errorf("%s: %v, %d entries; want an empty directory", d, err, len(entries))
		}
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
}
