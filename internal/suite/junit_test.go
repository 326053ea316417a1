package suite

import (
	"encoding/xml"
	"os"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// junitStatuses reads what a runner's own JUnit report says of each testcase:
// its verdict by (classname, name). The root may be <testsuites> or
// <testsuite>; a testcase named twice fails the test.
func junitStatuses(t *testing.T, files ...string) map[Name]result.Status {
	t.Helper()
	type testcase struct {
		Class   string    `xml:"classname,attr"`
		Name    string    `xml:"name,attr"`
		Failure *struct{} `xml:"failure"`
		Error   *struct{} `xml:"error"`
		Skipped *struct{} `xml:"skipped"`
	}
	type suite struct {
		Cases  []testcase `xml:"testcase"`
		Suites []suite    `xml:"testsuite"`
	}
	out := map[Name]result.Status{}
	var walk func(f string, s suite)
	walk = func(f string, s suite) {
		for _, c := range s.Cases {
			st := result.Passed
			switch {
			case c.Error != nil:
				st = result.Errored
			case c.Failure != nil:
				st = result.Failed
			case c.Skipped != nil:
				st = result.Skipped
			}
			k := Name{Class: c.Class, Name: c.Name}
			if _, dup := out[k]; dup {
				t.Fatalf("%s: testcase %v twice", f, k)
			}
			out[k] = st
		}
		for _, sub := range s.Suites {
			walk(f, sub)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var root suite
		if err := xml.Unmarshal(data, &root); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(f, root)
	}
	return out
}
