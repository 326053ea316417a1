package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Each bad attempt links the excerpt of its own batch — the part of the
// worker's log from the batch's header to its exit code — and a passing one
// none: failing classes no longer cost Jenkins a whole worker log each.
func TestBadAttemptsLinkTheirBatchExcerpt(t *testing.T) {
	r, _ := fakeRun(t, []string{"a", "b", "c", "d", "flaky", "broken"}, func(worker, id string, round int) (int, error) {
		if id == "broken" || id == "flaky" && round == 1 {
			return 1, nil
		}
		return 0, nil
	})
	seen := map[string]bool{}
	for _, id := range []string{"flaky", "broken"} {
		for _, a := range attempts(r, id) {
			if !a.Status.Bad() {
				if a.Excerpt() != "" {
					t.Errorf("%s: a passing attempt links %s", id, a.Excerpt())
				}
				continue
			}
			if filepath.Base(filepath.Dir(a.Excerpt())) != "attachments" || seen[a.Excerpt()] {
				t.Errorf("%s round %d: excerpt %q, want one of its own in attachments/", id, a.Round, a.Excerpt())
				continue
			}
			seen[a.Excerpt()] = true
			data, err := os.ReadFile(a.Excerpt())
			if err != nil {
				t.Fatal(err)
			}
			s := string(data)
			if !strings.HasPrefix(s, "=== jenkins-paratest: bytes ") || !strings.Contains(s, "=== paratest: round "+strconv.Itoa(a.Round)+": "+id+"\n") ||
				!strings.Contains(s, "=== paratest: exit code 1") || strings.Contains(s, ": a\n") {
				t.Errorf("%s round %d: excerpt %q, want its batch's part of the log only", id, a.Round, s)
			}
		}
	}
	if len(seen) != 4 { // flaky once, broken in 3 rounds
		t.Errorf("%d excerpts, want 4", len(seen))
	}
	if got := attempts(r, "a"); len(got) != 1 || got[0].Excerpt() != "" {
		t.Errorf("a: %+v, want one pass and no excerpt", got)
	}
	// The JUnit file links excerpts, never a whole log.
	junitDir := filepath.Join(filepath.Dir(filepath.Dir(attempts(r, "broken")[0].Excerpt())), "junit")
	files, _ := filepath.Glob(filepath.Join(junitDir, "TEST-*.xml"))
	var all strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		all.Write(data)
	}
	if !strings.Contains(all.String(), "[[ATTACHMENT|"+attempts(r, "broken")[0].Excerpt()+"]]") || strings.Contains(all.String(), ".log]]") {
		t.Errorf("JUnit files do not link the excerpts alone:\n%s", all.String())
	}
}

// A resumed run keeps the verdicts of the one it resumes but not their
// excerpts, which its Reset removed: the links would name files that are gone.
func TestResumedAttemptsLinkNoExcerpt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := createJournal(path, []entry{{ID: "a", Attempt: result.Attempt{
		Status: result.Failed, Round: 1, Detail: &result.Detail{Excerpt: "paratest-out/attachments/local_w0-1.txt"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	got, err := readJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if es := got["a"]; len(es) != 1 || es[0].Attempt.Status != result.Failed || es[0].Attempt.Excerpt() != "" {
		t.Errorf("read back %+v, want the failure without its excerpt", es)
	}
}
