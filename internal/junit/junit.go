// Package junit writes a run as JUnit XML the way Jenkins' junit step reads it: one
// TEST-<suite>.xml per suite with a <testsuite> root, one <testcase> per logical test,
// and the attempts of retried tests as Surefire's flakyFailure/rerunFailure elements.
// The files validate against both the Surefire XSD and xUnit's junit-10.xsd.
package junit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Write writes one TEST-<suite>.xml per suite of run into dir, creating dir if needed,
// and returns the paths it wrote, sorted. Each file is written atomically. It writes
// every suite it can and returns the errors of the others together, because Jenkins
// should see whatever did run.
func Write(dir string, run *result.Run) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	var errs []error
	taken := map[string]bool{}
	for _, s := range run.Suites() {
		path := filepath.Join(dir, fileName(s.Name, taken))
		data, err := encode(newSuite(run, s))
		if err != nil {
			errs = append(errs, fmt.Errorf("encode %s: %w", path, err))
			continue
		}
		if err := report.WriteAtomic(path, data); err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, path)
	}
	sort.Strings(paths)
	return paths, errors.Join(errs...)
}

// maxBase leaves room in 255 bytes for a numbered suffix, ".xml" and the
// temporary file's ".", ".tmp-" and random digits (report.WriteAtomic).
const maxBase = 200

// fileName is TEST-<suite>.xml with the suite name made safe for a file name. Two
// suites whose safe names are the same get a numbered suffix rather than one
// overwriting the other; suites come sorted, so the numbering is stable. A
// name too long for a file system (255 bytes) keeps its start and gets a hash
// of the whole suite name instead of the rest: Jenkins reads the suite's name
// from the file, not from its name.
func fileName(suite string, taken map[string]bool) string {
	base := "TEST-" + report.SafeName(suite)
	if len(base) > maxBase {
		sum := sha256.Sum256([]byte(suite))
		base = base[:maxBase-17] + "-" + hex.EncodeToString(sum[:8])
	}
	name := base + ".xml"
	for i := 2; taken[name]; i++ {
		name = base + "-" + strconv.Itoa(i) + ".xml"
	}
	taken[name] = true
	return name
}

func encode(s testsuite) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	e := xml.NewEncoder(&b)
	e.Indent("", "  ")
	if err := e.Encode(s); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func newSuite(run *result.Run, s result.Suite) testsuite {
	ts := testsuite{Name: report.Clean(s.Name)}
	var total time.Duration
	for _, t := range s.Tests {
		tc, d := newTestcase(t)
		ts.Testcases = append(ts.Testcases, tc)
		total += d
		ts.Tests++
		switch {
		case tc.Failure != nil:
			ts.Failures++
		case tc.Error != nil:
			ts.Errors++
		case tc.Skipped != nil:
			ts.Skipped++
		}
	}
	ts.Time = report.Seconds(total)
	if start := firstStart(run, s); !start.IsZero() {
		ts.Timestamp = start.Format(time.RFC3339)
	}
	var props []property
	if run.ID != "" {
		props = append(props, property{Name: "paratest.run_id", Value: report.Clean(run.ID)})
	}
	if run.BuildURL != "" {
		props = append(props, property{Name: "BUILD_URL", Value: report.Clean(run.BuildURL)})
	}
	if len(props) > 0 {
		ts.Properties = &properties{Property: props}
	}
	return ts
}

// firstStart is when the suite's first attempt started, or the run's start when none
// of its tests ran.
func firstStart(run *result.Run, s result.Suite) time.Time {
	var first time.Time
	for _, t := range s.Tests {
		for _, a := range t.Attempts {
			if !a.Start.IsZero() && (first.IsZero() || a.Start.Before(first)) {
				first = a.Start
			}
		}
	}
	if first.IsZero() {
		return run.Start
	}
	return first
}
