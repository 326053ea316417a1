// Package history owns timing history: the test durations recorded in the JUnit
// files of earlier runs (Load) and the longest-first queue order they give
// (Order); internal/plan predicts the run from them. History only ever makes a
// run faster: a missing or unreadable file costs the order, never the run.
package history

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Key is the history key of a test: its JUnit classname and name joined by a dot,
// the way a result.Test's Class and Name are looked up.
func Key(class, name string) string { return class + "." + name }

// Timings is what Load found.
type Timings struct {
	// Durations holds each test's mean duration over every time it appears in the
	// files read, by Key. The mean rather than the latest, because one slow or
	// fast run should not reorder the queue on its own.
	Durations map[string]time.Duration
	// Files are the files read and used, sorted.
	Files []string
	// Skipped has one error per file that matched but could not be used (not
	// readable, not XML, not JUnit), naming the file. Those files are left out
	// whole, so a file cut short does not count its tests with partial data.
	Skipped []error
}

// Load reads the JUnit XML files that patterns (paths or filepath.Match globs)
// match. A pattern that matches nothing is no error: the first build of a job has
// no history. Directories a glob matches are passed over. The root element may be
// <testsuite> or <testsuites>, suites may nest, and every <testcase> with a
// classname, a name and a time counts, except skipped ones, whose time says
// nothing about how long the test takes. Load returns an error only for a
// malformed pattern.
func Load(patterns []string) (Timings, error) {
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return Timings{}, fmt.Errorf("history pattern %q: %w", p, err)
		}
		files = append(files, m...)
	}
	slices.Sort(files)
	files = slices.Compact(files) // a file two patterns match counts once

	type sum struct {
		total time.Duration
		n     int
	}
	sums := map[string]sum{}
	tm := Timings{Durations: map[string]time.Duration{}}
	for _, f := range files {
		cases, err := readFile(f)
		if errors.Is(err, errIsDir) {
			continue
		}
		if err != nil {
			tm.Skipped = append(tm.Skipped, fmt.Errorf("history %s: %w", f, err))
			continue
		}
		tm.Files = append(tm.Files, f)
		for _, c := range cases {
			s := sums[c.key]
			s.total += c.d
			s.n++
			sums[c.key] = s
		}
	}
	for k, s := range sums {
		tm.Durations[k] = s.total / time.Duration(s.n)
	}
	return tm, nil
}

var errIsDir = errors.New("is a directory")

// timed is one testcase's key and duration.
type timed struct {
	key string
	d   time.Duration
}

func readFile(path string) ([]timed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errIsDir
	}
	return parse(f)
}

// testcase is the part of a JUnit testcase history needs.
type testcase struct {
	Classname string    `xml:"classname,attr"`
	Name      string    `xml:"name,attr"`
	Time      string    `xml:"time,attr"`
	Skipped   *struct{} `xml:"skipped"`
}

// parse reads the testcases of one JUnit report, streaming: reports with much
// test output can be large, and only the testcase attributes matter.
func parse(r io.Reader) ([]timed, error) {
	d := xml.NewDecoder(r)
	var out []timed
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root {
				return nil, errors.New("not JUnit XML: no root element")
			}
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not JUnit XML: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root {
			if n := start.Name.Local; n != "testsuite" && n != "testsuites" {
				return nil, fmt.Errorf("not JUnit XML: root element <%s>, want <testsuite> or <testsuites>", n)
			}
			root = false
			continue
		}
		if start.Name.Local != "testcase" {
			continue
		}
		var tc testcase
		if err := d.DecodeElement(&tc, &start); err != nil {
			return nil, fmt.Errorf("not JUnit XML: %w", err)
		}
		if tc.Skipped != nil || tc.Name == "" {
			continue
		}
		if dur, ok := seconds(tc.Time); ok {
			out = append(out, timed{Key(tc.Classname, tc.Name), dur})
		}
	}
}

// seconds parses a JUnit time attribute, seconds with a fraction. Some tools
// write thousands separators ("1,234.5"), which Jenkins accepts too.
func seconds(s string) (time.Duration, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > math.MaxInt64/float64(time.Second) {
		return 0, false
	}
	return time.Duration(math.Round(f * float64(time.Second))), true
}
