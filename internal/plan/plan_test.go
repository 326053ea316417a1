package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"github.com/jenkins-paratest/jenkins-paratest/internal/history"
	"github.com/jenkins-paratest/jenkins-paratest/internal/listing"
	"github.com/jenkins-paratest/jenkins-paratest/internal/matrix"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
)

// golden compares got with testdata/name, or rewrites the file under -update.
func assertGolden(t *testing.T, name string, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), []byte(got))
}

const s = time.Second

// input reads a listing file of testdata and the history files the globs
// match, and names the tests as the generic adapter does (classname the
// file's dotted path, name the test), as a run would.
func input(t *testing.T, tests string, hosts []Host, batch int, globs ...string) (Input, int) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", tests))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids, err := listing.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := range globs {
		globs[i] = filepath.Join("testdata", globs[i])
	}
	tm, err := history.Load(globs)
	if err != nil || len(tm.Skipped) > 0 {
		t.Fatalf("history: %v %v", err, tm.Skipped)
	}
	a := suite.New(&config.Config{})
	var named []*result.Test
	for _, id := range ids {
		n := a.Name(id)
		named = append(named, &result.Test{ID: id, Class: n.Class, Name: n.Name})
	}
	return Input{IDs: ids, Known: Known(tm, named), Hosts: hosts, Batch: batch, Model: Default}, len(tm.Files)
}

func twoHosts(t *testing.T) []Host {
	t.Helper()
	m, err := matrix.Load("testdata/matrix.yml", matrix.Options{CurrentUser: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []Host
	for _, h := range m.Hosts {
		hosts = append(hosts, Host{Name: h.Name, Workers: h.Workers})
	}
	return hosts
}

// TestGolden prints plans of the testdata suite, from the JUnit files of two
// earlier builds, as `jenkins-paratest plan` prints them.
func TestGolden(t *testing.T) {
	local := func(n int) []Host { return []Host{{Name: "local", Workers: n}} }
	type testCase struct {
		name   string // testdata/<name>.txt
		tests  string
		hosts  []Host
		batch  int
		target time.Duration
		json   bool
	}
	fn := func(t *testing.T, tc testCase) {
		hosts := tc.hosts
		if hosts == nil {
			hosts = twoHosts(t)
		}
		in, files := input(t, tc.tests, hosts, tc.batch, "history/build4?/*.xml")
		r := Report{Plan: New(in), Files: files}
		if tc.target > 0 {
			fit := Needed(in, tc.target)
			r.Fit = &fit
		}
		var b bytes.Buffer
		write := r.WriteText
		if tc.json {
			write = r.WriteJSON
		}
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		assertGolden(t, tc.name+".txt", b.String())
	}
	for _, tc := range []testCase{
		{name: "001-local", tests: "tests.txt", hosts: local(4)},
		{name: "002-without-history", tests: "tests-new.txt", hosts: local(4)},
		{name: "003-two-hosts", tests: "tests-new.txt", target: 90 * s},
		{name: "004-target", tests: "tests.txt", hosts: local(2), target: 70 * s},
		{name: "005-target-too-short", tests: "tests.txt", hosts: local(4), target: time.Minute},
		{name: "006-target-out-of-reach", tests: "tests.txt", hosts: local(4), target: 63 * s},
		{name: "007-batch-1", tests: "tests-new.txt", hosts: local(3), batch: 1, target: 2 * time.Minute},
		{name: "008-json", tests: "tests-new.txt", target: 90 * s, json: true},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}
