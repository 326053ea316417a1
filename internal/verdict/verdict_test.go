package verdict

import (
	"bytes"
	"encoding/json"
	goldenfile "github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// golden is a Verdict as a .want.json file holds it: durations as text, to be read.
type golden struct {
	ID       string
	Status   string
	Duration string
	Message  string `json:",omitempty"`
	Details  string `json:",omitempty"`
	Output   string `json:",omitempty"`
	Suite    string `json:",omitempty"`
	Class    string `json:",omitempty"`
	Name     string `json:",omitempty"`
}

func toGolden(vs []Verdict) []golden {
	out := make([]golden, len(vs))
	for i, v := range vs {
		out[i] = golden{
			ID: v.ID, Status: string(v.Status), Duration: v.Duration.String(),
			Message: v.Message, Details: v.Details, Output: v.Output,
			Suite: v.Suite, Class: v.Class, Name: v.Name,
		}
	}
	return out
}

// checkGolden compares got with the verdicts in path; -update rewrites the file.
func checkGolden(t *testing.T, path string, got []Verdict) {
	t.Helper()
	g := toGolden(got)
	if *goldenfile.Update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // test output is full of < and >
		enc.SetIndent("", "  ")
		if err := enc.Encode(g); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	var want []golden
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("verdicts differ from %s (-want +got):\n%s", path, diff)
	}
}

// summary is "status" or "status: message": the gist of a verdict, for tables.
func summary(vs []Verdict) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v.Status)
		if v.Message != "" {
			out[i] += ": " + v.Message
		}
	}
	return out
}

// checkIDs checks the promise every function makes: one verdict per id, in order.
func checkIDs(t *testing.T, ids []string, got []Verdict) {
	t.Helper()
	gotIDs := make([]string, len(got))
	for i, v := range got {
		gotIDs[i] = v.ID
		if v.Status == "" {
			t.Errorf("verdict %d (%s) has no status", i, v.ID)
		}
	}
	if diff := cmp.Diff(ids, gotIDs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ids of the verdicts (-want +got):\n%s", diff)
	}
}

func TestOneVerdictPerIDWhateverTheOutcome(t *testing.T) {
	funcs := map[string]func(Batch) []Verdict{"ExitCode": ExitCode, "GoTestJSON": GoTestJSON, "JUnit": JUnit}
	batches := map[string]Batch{
		"nothing":    {},
		"no output":  {IDs: []string{"p.TestA", "p.TestA", "tests/a.py::t"}, ExitCode: 137},
		"garbage":    {IDs: []string{"p.TestA", "b"}, ExitCode: 2, Stdout: []byte("{\"Action\":\n\x00\xff{{{"), JUnit: []byte("<testsuite><testcase")},
		"empty file": {IDs: []string{"a"}, JUnit: []byte{}},
	}
	for fn, f := range funcs {
		for name, b := range batches {
			t.Run(fn+"/"+name, func(t *testing.T) {
				checkIDs(t, b.IDs, f(b))
			})
		}
	}
}
