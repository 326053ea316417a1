package report

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWriteExcerpt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "paratest-out")
	l := Layout{Dir: dir}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	log := l.LogPath("local", "w1")
	if err := l.Claim(log); err != nil {
		t.Fatal(err)
	}
	before := "=== paratest: round 1: a\nbatch one\n"
	batch := "=== paratest: round 1: b\n\x1b[31mred\x1b[0m failure\n=== paratest: exit code 1 after 1s\n"
	if err := os.WriteFile(log, []byte(before+batch+"=== paratest: round 1: c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start, end := int64(len(before)), int64(len(before)+len(batch))

	path := l.ExcerptPath("local", "w1", 2)
	if want := filepath.Join(dir, "attachments", "local_w1-2.txt"); path != want {
		t.Errorf("ExcerptPath %q, want %q", path, want)
	}
	ok, err := l.WriteExcerpt(path, log, start, end, "header")
	if !ok || err != nil {
		t.Fatalf("WriteExcerpt = %v, %v", ok, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "header\n=== paratest: round 1: b\nred failure\n=== paratest: exit code 1 after 1s\n"; string(got) != want {
		t.Errorf("excerpt %q, want %q: the batch's part, without escapes", got, want)
	}

	// A part past the end of the log (it stopped at its limit) is none.
	if ok, err := l.WriteExcerpt(l.ExcerptPath("local", "w1", 3), log, 1<<30, 1<<31, "h"); ok || err != nil {
		t.Errorf("excerpt past the log's end: %v, %v; want none", ok, err)
	}
	if ok, err := l.WriteExcerpt(l.ExcerptPath("local", "w1", 4), filepath.Join(dir, "nope.log"), 0, 10, "h"); ok || err == nil {
		t.Errorf("excerpt of a missing log: %v, %v; want an error", ok, err)
	}

	// The next run removes what this one claimed, and its temporary files.
	files(t, dir, "attachments/.local_w1-2.txt.tmp-77")
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); slices.Contains(got, "attachments/local_w1-2.txt") || slices.Contains(got, "attachments/.local_w1-2.txt.tmp-77") {
		t.Errorf("after Reset: %q, want the excerpt and its temporary file gone", got)
	}
}

// A file in attachments/ that no run claimed is the user's: Reset refuses.
func TestResetRefusesUnclaimedAttachment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	l := Layout{Dir: dir}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	files(t, dir, "attachments/screenshot.png")
	if err := l.Reset(); err == nil || !strings.Contains(err.Error(), "screenshot.png was not written by jenkins-paratest") {
		t.Errorf("Reset: %v, want it to refuse the user's file", err)
	}
}

// A part longer than MaxExcerpt keeps both ends, cut on rune boundaries, and says
// how much is cut: the file stays bounded whatever the batch printed.
func TestWriteExcerptBounds(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Dir: dir}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "big.log")
	body := "é" + strings.Repeat("0123456789abcdé\n", 300_000) + "the end\n" // 4.8 MB
	if err := os.WriteFile(log, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	path := l.ExcerptPath("h", "w0", 1)
	if ok, err := l.WriteExcerpt(path, log, 0, int64(len(body)), "h"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if len(s) > MaxExcerpt+100 || !strings.HasPrefix(s, "h\né0123") || !strings.HasSuffix(s, "the end\n") ||
		!strings.Contains(s, " bytes cut …\n") || !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		t.Errorf("bounded excerpt: %d bytes, starts %q, ends %q", len(s), s[:min(len(s), 20)], s[max(0, len(s)-20):])
	}
}
