package suite

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jstemmer/go-junit-report/v2/gtr"
	"github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/jstemmer/go-junit-report/v2/parser/gotest"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/listing"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// goSuite is the go preset: one static test binary per package,
// <GoDir>/<import path>.test, listed by the agent with -test.list and run
// with -test.v. go-junit-report reads the binary's text output, so the image
// needs nothing but the binaries (no Go toolchain, no test2json), and the
// testcases are named as `go test -v ./... | go-junit-report` names them:
// classname the import path, name the test ("TestX", "TestX/sub_case").
type goSuite struct {
	cfg *config.Config
}

func newGo(cfg *config.Config) Adapter { return &goSuite{cfg: cfg} }

func (g *goSuite) Files() []engine.File { return nil }

func (g *goSuite) List() Command {
	return Command{
		Argv: []string{agent.Path, "agent", "golist", g.cfg.GoDir},
		What: "listing Go tests in " + g.cfg.GoDir,
	}
}

// ParseList reads the agent's "import/path.TestName" lines.
func (g *goSuite) ParseList(out Output) ([]string, error) {
	if out.ExitCode != 0 {
		why := LastLine(out.Stderr, out.Stdout)
		// The agent says "agent: golist DIR: why" or "agent: golist BIN -test.list: why".
		why = strings.TrimPrefix(why, "agent: golist ")
		why = strings.TrimPrefix(why, g.cfg.GoDir+": ")
		return nil, fmt.Errorf("%s: %s (exit code %d); the image needs one static test binary per package, built with `CGO_ENABLED=0 go test -c -o %s/<import path>.test <import path>`",
			g.List().What, why, out.ExitCode, g.cfg.GoDir)
	}
	ids, err := listing.Parse(bytes.NewReader(out.Stdout))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.List().What, err)
	}
	for _, id := range ids {
		if pkg, name := splitGo(id); pkg == "" || name == "" {
			return nil, fmt.Errorf("%s: cannot read %q as import/path.TestName", g.List().What, id)
		}
	}
	return ids, nil
}

func (g *goSuite) Name(id string) Name {
	pkg, name := splitGo(id)
	return Name{Suite: pkg, Class: pkg, Name: name}
}

// Group is the test's package: a batch runs one binary.
func (g *goSuite) Group(id string) string {
	pkg, _ := splitGo(id)
	return pkg
}

// Batch runs the ids' binary with an anchored -test.run of their names. The
// binary runs its tests in source order whatever the pattern's order, which is
// the listing's. -test.paniconexit0 is what `go test` adds: a test that calls
// os.Exit(0) fails instead of passing the batch's remaining tests silently.
func (g *goSuite) Batch(ids []string, _ int) Command {
	pkg, _ := splitGo(ids[0])
	names := make([]string, len(ids))
	for i, id := range ids {
		_, name := splitGo(id)
		names[i] = regexp.QuoteMeta(name)
	}
	argv := []string{
		path.Join(g.cfg.GoDir, pkg+".test"),
		"-test.v", "-test.paniconexit0",
		"-test.run", "^(" + strings.Join(names, "|") + ")$",
	}
	return Command{Argv: append(argv, g.cfg.Args...), What: pkg + ".test"}
}

func (g *goSuite) PerID() bool { return true }

// splitGo splits "import/path.TestName" at its last dot: test names have none,
// import paths may ("example.com/x").
func splitGo(id string) (pkg, name string) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 || strings.Contains(id[i:], "/") {
		return "", id
	}
	return id[:i], id[i+1:]
}

// Verdicts reads the binary's -test.v output with go-junit-report. Every
// testcase go-junit-report would write becomes a verdict: the listed test's,
// and its subtests' as children. When the binary died (a panic, os.Exit, a
// signal, the agent's timeout) the test that was running is Crashed and the
// listed tests after it are Unrun.
func (g *goSuite) Verdicts(out Output) []verdict.Verdict {
	if len(out.IDs) == 0 {
		return nil
	}
	pkg, _ := splitGo(out.IDs[0])
	run := parseGoRun(pkg, out.Stdout)
	all := verdict.BatchOutput(out.Stdout, out.Stderr)

	died := !run.ended || (out.ExitCode != 0 && out.ExitCode != 1)
	crashed := map[string]bool{} // top-level names
	if died {
		if c := run.cases[run.last]; run.last != "" && c.result != gtr.Pass && c.result != gtr.Skip {
			crashed[run.last] = true
		}
		// Parallel tests that were running (not waiting paused) died too.
		for name, c := range run.cases {
			if !strings.Contains(name, "/") && c.result == gtr.Unknown && !c.waiting {
				crashed[name] = true
			}
		}
	}
	crashMsg := crashMessage(out)

	vs := make([]verdict.Verdict, 0, len(out.IDs))
	var children []verdict.Verdict
	done := map[string]bool{}
	for _, id := range out.IDs {
		_, name := splitGo(id)
		c, ok := run.cases[name]
		var v verdict.Verdict
		switch {
		case crashed[name]:
			v = verdict.Verdict{Status: result.Failed, Crashed: true, Message: crashMsg, Details: all}
			if ok {
				v.Duration, v.Output = c.duration, c.text()
			}
		case ok && c.result != gtr.Unknown:
			v = c.verdict(run)
		case died && len(crashed) > 0 && (!ok || c.waiting):
			v = verdict.Verdict{Unrun: true}
		default:
			v = verdict.Verdict{Status: result.Errored, Message: fmt.Sprintf("no result for this test (exit code %d)", out.ExitCode), Output: all}
		}
		v.ID = id
		v.Suite, v.Class, v.Name = pkg, pkg, name
		vs = append(vs, v)

		if done[name] || v.Unrun {
			continue
		}
		done[name] = true
		for _, sub := range run.order {
			if !strings.HasPrefix(sub, name+"/") {
				continue
			}
			sc := run.cases[sub]
			var cv verdict.Verdict
			switch {
			case sc.result != gtr.Unknown:
				cv = sc.verdict(run)
			case crashed[name]:
				cv = verdict.Verdict{Status: result.Failed, Crashed: true, Message: crashMsg, Details: all, Duration: sc.duration, Output: sc.text()}
			default:
				cv = verdict.Verdict{Status: result.Errored, Message: fmt.Sprintf("no result for this test (exit code %d)", out.ExitCode), Output: sc.text()}
			}
			cv.ID, cv.Parent = pkg+"."+sub, id
			cv.Suite, cv.Class, cv.Name = pkg, pkg, sub
			children = append(children, cv)
		}
	}
	return append(vs, children...)
}

// goRun is what go-junit-report read in one binary's output.
type goRun struct {
	cases map[string]*goCase // by testcase name: "TestX", "TestX/sub"
	order []string           // names in the order the tests started
	last  string             // the top-level test that started or resumed last
	ended bool               // the binary printed its closing PASS or FAIL
}

// goCase is one testcase, merged over repeated runs (-test.count).
type goCase struct {
	name     string
	result   gtr.Result // as go-junit-report's testcase says: failure, skipped, error (Unknown) or none
	duration time.Duration
	output   []string
	waiting  bool // paused by t.Parallel and not resumed
}

// parseGoRun parses a test binary's -test.v output. A bare binary prints no
// "ok pkg" line, so the package is named for the parser, as go-junit-report's
// -package-name does.
func parseGoRun(pkg string, stdout []byte) *goRun {
	p := gotest.NewParser(gotest.PackageName(pkg))
	report, err := p.Parse(bytes.NewReader(stdout))
	run := &goRun{cases: map[string]*goCase{}}
	if err != nil {
		return run // cannot happen with an in-memory reader; no results then
	}
	suites := junit.CreateFromReport(report, "")
	for i, rp := range report.Packages {
		for j, t := range rp.Tests {
			tc := suites.Suites[i].Testcases[j] // CreateFromReport makes one per test, in order
			r := gtr.Pass
			switch {
			case tc.Failure != nil:
				r = gtr.Fail
			case tc.Skipped != nil:
				r = gtr.Skip
			case tc.Error != nil:
				r = gtr.Unknown
			}
			c := run.cases[tc.Name]
			if c == nil {
				c = &goCase{name: tc.Name, result: r}
				run.cases[tc.Name] = c
				run.order = append(run.order, tc.Name)
			} else if verdict.Rank(r) > verdict.Rank(c.result) {
				c.result = r
			}
			c.duration += t.Duration
			c.output = append(c.output, t.Output...)
		}
	}
	for _, ev := range p.Events() {
		switch ev.Type {
		case "run_test", "cont_test":
			top, _, _ := strings.Cut(ev.Name, "/")
			run.last = top
			if c := run.cases[ev.Name]; c != nil {
				c.waiting = false
			}
			run.ended = false
		case "pause_test":
			if c := run.cases[ev.Name]; c != nil {
				c.waiting = true
			}
		case "status":
			run.ended = true
		}
	}
	return run
}

func (c *goCase) text() string {
	if len(c.output) == 0 {
		return ""
	}
	return verdict.Bound(strings.Join(c.output, "\n")+"\n", verdict.MaxOutput)
}

// goAssertion matches the lines t.Error and friends print: "file_test.go:12: msg".
var goAssertion = regexp.MustCompile(`^\s*[^\s:]+\.go:\d+: `)

// verdict is a finished testcase's verdict. A failed test's details hold its
// output and that of its failed subtests; its message is its own last
// "file.go:N: ..." line, or else that of its first failed subtest with one.
func (c *goCase) verdict(run *goRun) verdict.Verdict {
	v := verdict.Verdict{Duration: c.duration, Output: c.text()}
	switch c.result {
	case gtr.Pass:
		v.Status = result.Passed
	case gtr.Skip:
		v.Status, v.Message = result.Skipped, "skipped"
		for _, l := range c.output {
			if l = strings.TrimSpace(l); l != "" {
				v.Message = l // t.Skip's reason, with its file:line
				break
			}
		}
	case gtr.Fail:
		v.Status = result.Failed
		var details strings.Builder
		for _, name := range run.order {
			sc := run.cases[name]
			if name != c.name && (!strings.HasPrefix(name, c.name+"/") || sc.result != gtr.Fail) {
				continue
			}
			// t.Log and t.Error print alike; the last such line is most often
			// the one that failed the test (t.Fatal's, or an error after logs).
			msg := ""
			for _, l := range sc.output {
				if goAssertion.MatchString(l) {
					msg = strings.TrimSpace(l)
				}
				details.WriteString(l)
				details.WriteByte('\n')
			}
			if v.Message == "" && msg != "" {
				v.Message = msg
				if name != c.name {
					v.Message = name + ": " + msg
				}
			}
		}
		if v.Message == "" {
			v.Message = "test failed"
		}
		v.Details = verdict.Bound(details.String(), verdict.MaxOutput)
	}
	return v
}

// crashMessage says how the binary died: its panic or fatal error, or its
// exit code or signal.
func crashMessage(out Output) string {
	for _, o := range [][]byte{out.Stderr, out.Stdout} {
		for line := range strings.Lines(string(o)) {
			if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
				return fmt.Sprintf("crashed: %s (exit code %d)", strings.TrimSpace(line), out.ExitCode)
			}
		}
	}
	if out.ExitCode > 128 && out.ExitCode < 128+65 {
		sig := syscall.Signal(out.ExitCode - 128)
		return fmt.Sprintf("crashed: the test binary was killed by signal %d (%v)", int(sig), sig)
	}
	return fmt.Sprintf("crashed: the test binary exited %d while the test ran", out.ExitCode)
}
