package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// The journal reads back what was added, in order, with the entries a resumed
// run kept first; a torn last line (a master killed mid-write) is ignored; it
// syncs when its last sync is syncEvery old, not on every batch.
func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	kept := entry{ID: "a", Attempt: result.Attempt{Status: result.Failed, Round: 1}}
	j, err := createJournal(path, []entry{kept})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(1000, 0)
	j.now = func() time.Time { return clock }
	j.lastSync = clock
	if err := j.add(entry{ID: "a", Attempt: result.Attempt{Status: result.Passed, Round: 2}},
		entry{ID: "b", Class: "c", Name: "b", Attempt: result.Attempt{Status: result.Passed, Round: 1}}); err != nil {
		t.Fatal(err)
	}
	if !j.lastSync.Equal(clock) {
		t.Errorf("an add right after a sync synced again: want at most one sync every %v", syncEvery)
	}
	clock = clock.Add(syncEvery)
	if err := j.add(entry{ID: "c", Attempt: result.Attempt{Status: result.Skipped, Round: 1}}); err != nil {
		t.Fatal(err)
	}
	if !j.lastSync.Equal(clock) {
		t.Errorf("last sync at %v, want %v: an add %v after the last sync syncs", j.lastSync, clock, syncEvery)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"d","attempt":{"Sta`) // torn
	f.Close()

	got, err := readJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(id string) (out []result.Status) {
		for _, e := range got[id] {
			out = append(out, e.Attempt.Status)
		}
		return out
	}
	if s := statuses("a"); len(s) != 2 || s[0] != result.Failed || s[1] != result.Passed {
		t.Errorf("a: %v, want [failed passed]", s)
	}
	if s := statuses("b"); len(s) != 1 || got["b"][0].Class != "c" {
		t.Errorf("b: %+v, want one attempt with class c", got["b"])
	}
	if s := statuses("c"); len(s) != 1 || s[0] != result.Skipped {
		t.Errorf("c: %v, want [skipped]", s)
	}
	if len(got) != 3 {
		t.Errorf("%d tests read back, want 3 (the torn line ignored): %v", len(got), got)
	}
}

// A line that is not a verdict of ours stops a resume, naming the line: its
// test would otherwise never run, or run with a verdict nobody made.
func TestJournalRejectsBadLines(t *testing.T) {
	good := `{"id":"a","attempt":{"Status":"passed","Round":1}}`
	for _, tc := range []struct{ line, want string }{
		{`{"id":"b","attempt":{"Status":"bogus","Round":1}}`, `:2: test "b": status "bogus" is none of passed, failed, error or skipped`},
		{`{"attempt":{"Status":"passed","Round":1}}`, `:2: a verdict without a test id`},
		{`{"id":"b","attempt":{"Status":"passed","Round":0}}`, `:2: test "b": round 0, want 1 or more`},
		{`not json`, `:2: not a verdict of jenkins-paratest`},
	} {
		path := filepath.Join(t.TempDir(), "journal.jsonl")
		if err := os.WriteFile(path, []byte(good+"\n"+tc.line+"\n"+good+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readJournal(path)
		if err == nil || !strings.Contains(err.Error(), path+tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.line, err, path+tc.want)
		}
	}
}
