package verdict

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jstemmer/go-junit-report/v2/gtr"
	"github.com/jstemmer/go-junit-report/v2/parser/gotest"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// GoTestJSON reads b.Stdout as the JSON stream of `go test -json`, or of test2json
// over a test binary, for ids of the form "import/path.TestName". Only top-level tests
// are matched; a test's verdict covers its subtests and its output includes theirs.
//
// A test that died in a panic — its own, or the -timeout alarm's, which names the
// test it interrupted — is Failed with the panic as message. An id the stream has no
// result for is Errored: the test binary crashed in an earlier test, the package did
// not build, the test does not exist, or the container was killed mid-test.
func GoTestJSON(b Batch) []Verdict {
	s := readGoStream(b.Stdout)
	tests := s.tests()
	// The batch's whole output, for ids without a result; computed only if needed.
	tail := sync.OnceValue(func() string {
		return Bound(JoinOutput(s.text.String(), string(b.Stderr)), MaxOutput)
	})
	out := make([]Verdict, 0, len(b.IDs))
	for _, id := range b.IDs {
		pkg, name := splitGoID(id)
		t, ok := tests[goKey{pkg, name}]
		if !ok {
			t, ok = tests[goKey{"", name}] // test2json run without -p names no package
		}
		var v Verdict
		if ok {
			v, ok = t.verdict(id)
		}
		if !ok {
			v = noResult(id, "no result for this test", b.ExitCode, tail())
		}
		v.Suite, v.Class, v.Name = result.GoNames(id)
		out = append(out, v)
	}
	return out
}

// splitGoID splits "import/path.TestName" at its last dot: test names have none.
func splitGoID(id string) (pkg, test string) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", id
	}
	return id[:i], id[i+1:]
}

type goKey struct{ pkg, test string }

// goEvent is one line of the stream: cmd/test2json's event, plus the ImportPath of
// the build output events `go test -json` writes since Go 1.24.
type goEvent struct {
	Action     string
	Package    string `json:",omitempty"`
	Test       string `json:",omitempty"`
	Output     string `json:",omitempty"`
	ImportPath string `json:",omitempty"`
}

// goLine is one output event of a test: usually a line, longer lines come in pieces.
type goLine struct{ test, text string }

// goStream is a `go test -json` stream taken apart by package and by test.
//
// Results come from go-junit-report's parser, output does not: the parser gives
// output to the test named by the last "=== RUN/CONT/NAME" line, but test2json drops
// the "=== NAME" lines (it turns them into the events' Test field), so the parser
// would give interleaved output of parallel tests to the wrong test.
type goStream struct {
	text     strings.Builder          // all output, as `go test` would have printed it
	pkgs     []string                 // packages in order of appearance
	parserIn map[string]*bytes.Buffer // per package: its output events, for the parser
	lines    map[goKey][]goLine       // per top-level test: its output and its subtests'
}

// maxParserLine bounds one event's output before it is re-encoded for the parser,
// which cannot read a JSON line over 64 KiB (and escaping can grow text six-fold).
const maxParserLine = 8 << 10

func readGoStream(data []byte) *goStream {
	s := &goStream{parserIn: map[string]*bytes.Buffer{}, lines: map[goKey][]goLine{}}
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		var ev goEvent
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil || ev.Action == "" {
			// Not an event: printed by something other than go test, or cut short
			// when the container was killed. It is still output worth showing.
			ev = goEvent{Action: "output", Output: string(line) + "\n"}
		}
		s.add(ev)
	}
	return s
}

func (s *goStream) add(ev goEvent) {
	if ev.Output == "" {
		return
	}
	s.text.WriteString(ev.Output)
	if ev.Action != "output" {
		return // build output: shown in the text, no test result in it
	}
	in := s.parserIn[ev.Package]
	if in == nil {
		in = new(bytes.Buffer)
		s.parserIn[ev.Package] = in
		s.pkgs = append(s.pkgs, ev.Package)
	}
	// Re-encoded rather than passed on, so that every line the parser reads is
	// valid JSON of bounded length: one bad line would make it give up on all.
	// Encoding strings into a bytes.Buffer cannot fail.
	_ = json.NewEncoder(in).Encode(goEvent{
		Action:  "output",
		Package: ev.Package,
		Output:  Bound(ev.Output, maxParserLine),
	})
	if ev.Test != "" {
		top, _, _ := strings.Cut(ev.Test, "/")
		k := goKey{ev.Package, top}
		s.lines[k] = append(s.lines[k], goLine{ev.Test, ev.Output})
	}
}

// goTest is what the stream says about one top-level test.
type goTest struct {
	name     string
	seen     bool            // the parser saw the test itself, not only subtests
	result   gtr.Result      // the worst over repeated runs (-count)
	duration time.Duration   // summed over repeated runs
	bad      map[string]bool // the test and subtests that failed or never finished
	lines    []goLine
}

// tests parses each package's events on their own, so that a stream cut short
// before the package's summary line still names the package.
func (s *goStream) tests() map[goKey]*goTest {
	out := map[goKey]*goTest{}
	for _, pkg := range s.pkgs {
		report, err := gotest.NewJSONParser(gotest.PackageName(pkg)).Parse(s.parserIn[pkg])
		if err != nil {
			// Cannot happen: the parser reads only JSON that add wrote. Were it to,
			// the package's ids would be reported as having no result.
			continue
		}
		for _, p := range report.Packages {
			for _, t := range p.Tests {
				top, _, isSub := strings.Cut(t.Name, "/")
				k := goKey{pkg, top}
				gt := out[k]
				if gt == nil {
					gt = &goTest{name: top, bad: map[string]bool{}, lines: s.lines[k]}
					out[k] = gt
				}
				if t.Result == gtr.Fail || t.Result == gtr.Unknown {
					gt.bad[t.Name] = true
				}
				if isSub {
					continue
				}
				if !gt.seen || Rank(t.Result) > Rank(gt.result) {
					gt.result = t.Result
				}
				gt.seen = true
				gt.duration += t.Duration
			}
		}
	}
	return out
}

// Rank orders go-junit-report's results from best to worst, for a test run
// more than once: its verdict is its worst.
func Rank(r gtr.Result) int {
	switch r {
	case gtr.Skip:
		return 0
	case gtr.Pass:
		return 1
	case gtr.Unknown:
		return 2
	default:
		return 3
	}
}

// assertion matches the lines t.Error and friends print: "    file_test.go:12: msg".
var assertion = regexp.MustCompile(`^\s*[^\s:]+\.go:\d+: `)

// verdict is the test's verdict; ok is false when the test started but never
// finished and left no panic to say why: then it has no result.
func (t *goTest) verdict(id string) (v Verdict, ok bool) {
	if !t.seen {
		return Verdict{}, false
	}
	var out strings.Builder
	for _, l := range t.lines {
		out.WriteString(l.text)
	}
	v = Verdict{ID: id, Duration: t.duration, Output: Bound(out.String(), MaxOutput)}

	if t.result == gtr.Fail || t.result == gtr.Unknown {
		for i, l := range t.lines {
			if strings.HasPrefix(l.text, "panic: ") {
				v.Status = result.Failed
				v.Message = strings.TrimSpace(l.text)
				var details strings.Builder
				for _, l := range t.lines[i:] {
					details.WriteString(l.text)
				}
				v.Details = Bound(details.String(), MaxOutput)
				return v, true
			}
		}
	}

	switch t.result {
	case gtr.Pass:
		v.Status = result.Passed
	case gtr.Skip:
		v.Status = result.Skipped
		v.Message = "skipped"
		for _, l := range t.lines {
			if line := strings.TrimSpace(l.text); line != "" && !isFraming(l.text) {
				v.Message = line // t.Skip's reason, with its file:line
				break
			}
		}
	case gtr.Fail:
		v.Status = result.Failed
		var details strings.Builder
		for _, l := range t.lines {
			if !t.bad[l.test] || isFraming(l.text) {
				continue
			}
			details.WriteString(l.text)
			if v.Message == "" && assertion.MatchString(l.text) {
				v.Message = strings.TrimSpace(l.text)
				if l.test != t.name {
					v.Message = l.test + ": " + v.Message
				}
			}
		}
		if v.Message == "" {
			v.Message = "test failed"
		}
		v.Details = Bound(details.String(), MaxOutput)
	default:
		return Verdict{}, false
	}
	return v, true
}

// isFraming reports whether an output line is go test's own: "=== RUN", "--- FAIL: …".
func isFraming(line string) bool {
	line = strings.TrimLeft(line, " ")
	for _, p := range []string{"=== ", "--- PASS: ", "--- FAIL: ", "--- SKIP: "} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}
