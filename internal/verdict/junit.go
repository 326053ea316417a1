package verdict

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// JUnit reads b.JUnit, the JUnit XML file the runner wrote, and gives each id the
// verdict of the testcases that match it (see match). An id matching several
// testcases — a file, a class, a parametrized test — gets the worst of them: failed,
// then errored, then passed, and skipped only when all were. A batch of one id that
// matches no testcase gets the whole file: its command ran exactly that id.
//
// Every id is Errored when the file is missing or unreadable, and so is an id the
// file has no testcase for.
func JUnit(b Batch) []Verdict {
	tail := sync.OnceValue(func() string { return BatchOutput(b.Stdout, b.Stderr) })
	all := func(why string) []Verdict {
		out := make([]Verdict, len(b.IDs))
		for i, id := range b.IDs {
			out[i] = noResult(id, why, b.ExitCode, tail())
		}
		return out
	}
	if b.JUnit == nil {
		return all("no JUnit file written")
	}
	cases, err := readJUnit(b.JUnit)
	if err != nil {
		return all("unreadable JUnit file: " + err.Error())
	}

	matched := match(b.IDs, cases)
	if len(b.IDs) == 1 && len(matched[0]) == 0 {
		matched[0] = cases
	}
	out := make([]Verdict, len(b.IDs))
	for i, id := range b.IDs {
		if len(matched[i]) == 0 {
			out[i] = noResult(id, "no result in the JUnit file", b.ExitCode, tail())
			continue
		}
		out[i] = caseVerdict(id, matched[i])
	}
	return out
}

// junitCase is a <testcase>. Its failure, error and skipped children are lists
// because some runners write several (pytest: a failure and a teardown error).
type junitCase struct {
	Classname string         `xml:"classname,attr"`
	Name      string         `xml:"name,attr"`
	File      string         `xml:"file,attr"`
	Time      string         `xml:"time,attr"`
	Failures  []junitProblem `xml:"failure"`
	Errors    []junitProblem `xml:"error"`
	Skipped   []junitProblem `xml:"skipped"`
	SystemOut []string       `xml:"system-out"`
	SystemErr []string       `xml:"system-err"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// junitSuite is a <testsuite>; some runners nest them.
type junitSuite struct {
	Name   string       `xml:"name,attr"`
	File   string       `xml:"file,attr"`
	Cases  []junitCase  `xml:"testcase"`
	Suites []junitSuite `xml:"testsuite"`
}

// readJUnit returns the testcases of a JUnit file in document order. The root is
// <testsuites> or <testsuite>; several roots, as when reports are concatenated,
// are read one after the other.
func readJUnit(data []byte) ([]*junitCase, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var cases []*junitCase
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var suites []junitSuite
		switch start.Name.Local {
		case "testsuites":
			var root struct {
				Suites []junitSuite `xml:"testsuite"`
			}
			err = d.DecodeElement(&root, &start)
			suites = root.Suites
		case "testsuite":
			var root junitSuite
			err = d.DecodeElement(&root, &start)
			suites = []junitSuite{root}
		default:
			return nil, fmt.Errorf("root element is <%s>, want <testsuites> or <testsuite>", start.Name.Local)
		}
		if err != nil {
			return nil, err
		}
		roots++
		for i := range suites {
			cases = flatten(cases, &suites[i])
		}
	}
	if roots == 0 {
		return nil, errors.New("no <testsuites> or <testsuite> element")
	}
	return cases, nil
}

func flatten(cases []*junitCase, s *junitSuite) []*junitCase {
	for i := range s.Cases {
		c := &s.Cases[i]
		if c.File == "" {
			c.File = s.File
		}
		if c.Classname == "" {
			c.Classname = s.Name
		}
		cases = append(cases, c)
	}
	for i := range s.Suites {
		cases = flatten(cases, &s.Suites[i])
	}
	return cases
}

func (c *junitCase) status() result.Status {
	switch {
	case len(c.Failures) > 0:
		return result.Failed
	case len(c.Errors) > 0:
		return result.Errored
	case len(c.Skipped) > 0:
		return result.Skipped
	}
	return result.Passed
}

// message is one line saying why the testcase did not pass, "" when it passed.
func (c *junitCase) message() string {
	var problems []junitProblem
	var fallback string
	switch c.status() {
	case result.Failed:
		problems, fallback = c.Failures, "test failed"
	case result.Errored:
		problems, fallback = c.Errors, "test errored"
	case result.Skipped:
		problems, fallback = c.Skipped, "skipped"
	default:
		return ""
	}
	for _, p := range problems {
		if m := FirstLine(p.Message); m != "" {
			return m
		}
		if m := FirstLine(p.Body); m != "" {
			return m
		}
	}
	return fallback
}

// details is the body of the testcase's failures and errors: the stack trace.
func (c *junitCase) details() string {
	var parts []string
	for _, p := range slices.Concat(c.Failures, c.Errors) {
		body := strings.Trim(p.Body, "\r\n")
		if strings.TrimSpace(body) == "" {
			body = p.Message
		}
		parts = append(parts, body)
	}
	return JoinOutput(parts...)
}

func (c *junitCase) output() string {
	return JoinOutput(slices.Concat(c.SystemOut, c.SystemErr)...)
}

func (c *junitCase) duration() time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(c.Time), 64)
	if err != nil || s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return 0 // a missing or odd time attribute is not worth losing the verdict
	}
	return time.Duration(math.Round(s * float64(time.Second)))
}

// severity orders statuses for an id that matched several testcases.
func severity(s result.Status) int {
	switch s {
	case result.Failed:
		return 3
	case result.Errored:
		return 2
	case result.Passed:
		return 1
	}
	return 0 // skipped: only when every testcase was
}

// caseVerdict is the verdict of an id from the testcases it matched.
func caseVerdict(id string, cases []*junitCase) Verdict {
	v := Verdict{ID: id, Status: result.Skipped}
	var details, output []string
	for _, c := range cases {
		s := c.status()
		if severity(s) > severity(v.Status) || v.Message == "" && s == v.Status {
			v.Status, v.Message = s, c.message()
			if len(cases) > 1 && v.Message != "" {
				v.Message = c.Name + ": " + v.Message // say which of them
			}
		}
		v.Duration += c.duration()
		if d := c.details(); d != "" {
			if len(cases) > 1 {
				d = "--- " + c.Name + "\n" + d
			}
			details = append(details, d)
		}
		output = append(output, c.output())
	}
	v.Details = Bound(JoinOutput(details...), MaxOutput)
	v.Output = Bound(JoinOutput(output...), MaxOutput)
	if len(cases) == 1 {
		// One JUnit file per class, so the suite is the class.
		v.Suite, v.Class, v.Name = cases[0].Classname, cases[0].Classname, cases[0].Name
	}
	return v
}
