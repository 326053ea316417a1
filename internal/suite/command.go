package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/listing"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// command is the generic mode: list:, command: and results: say it all.
type command struct {
	cfg   *config.Config
	names *names
}

func newCommand(cfg *config.Config) *command {
	c := &command{cfg: cfg}
	c.names = newNames(c.derive)
	return c
}

func (c *command) Files() []engine.File { return nil }

func (c *command) List() Command {
	what := fmt.Sprintf("list command %q", strings.Join(c.cfg.List.Argv, " "))
	if c.cfg.List.Shell != "" {
		what = fmt.Sprintf("list command %q", c.cfg.List.Shell)
	}
	return Command{Argv: c.cfg.List.Args(nil), What: what}
}

func (c *command) ParseList(out Output) ([]string, error) {
	if out.ExitCode != 0 {
		return nil, fmt.Errorf("%s exited %d: %s", c.List().What, out.ExitCode, LastLine(out.Stderr, out.Stdout))
	}
	ids, err := listing.Parse(bytes.NewReader(out.Stdout))
	for _, id := range ids {
		c.names.of(id) // in listing order, before filter: how a collision is settled
	}
	return ids, err
}

// Name is the id's name as GoNames (go-test-json) or GenericNames derive it,
// made unique (names). With results: junit, the runner's own testcase names
// it once it has run (Verdict's Class and Name).
func (c *command) Name(id string) Name { return c.names.of(id) }

func (c *command) derive(id string) Name {
	var n Name
	if c.cfg.Results.Kind == config.ResultsGoTestJSON {
		n.Suite, n.Class, n.Name = result.GoNames(id)
	} else {
		n.Suite, n.Class, n.Name = result.GenericNames(id)
	}
	return n
}

// Group keeps the tests of one Go package together when the command is `go
// test -json`, which runs one package's binary at a time.
func (c *command) Group(id string) string {
	if c.cfg.Results.Kind == config.ResultsGoTestJSON {
		return goPackage(id)
	}
	return ""
}

func (c *command) Batch(ids []string, _ int) Command {
	cmd := Command{Argv: c.cfg.Command.Args(ids), What: "command"}
	switch c.cfg.Results.Kind {
	case config.ResultsJUnit:
		cmd.ResultFile = c.cfg.Results.Path
	case config.ResultsGoTestJSON:
		cmd.Text = func(w io.Writer) io.WriteCloser { return &jsonText{w: w} }
	}
	return cmd
}

func (c *command) Verdicts(out Output) []verdict.Verdict {
	b := verdict.Batch{IDs: out.IDs, ExitCode: out.ExitCode, Stdout: out.Stdout, Stderr: out.Stderr, Duration: out.Duration, JUnit: out.File}
	switch c.cfg.Results.Kind {
	case config.ResultsGoTestJSON:
		return verdict.GoTestJSON(b)
	case config.ResultsJUnit:
		return verdict.JUnit(b)
	}
	return verdict.ExitCode(b)
}

func (c *command) PerID() bool { return c.cfg.Results.Kind != config.ResultsExitCode }

// LastLine is the last non-empty line of the first output that has one, for
// one-line error messages.
func LastLine(outputs ...[]byte) string {
	for _, o := range outputs {
		lines := strings.Split(strings.TrimSpace(string(o)), "\n")
		if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
			return l
		}
	}
	return "(no output)"
}

// goPackage is the import path of a Go test id "import/path.TestName".
func goPackage(id string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		return id[:i]
	}
	return id
}

// jsonText writes the Output fields of a test2json stream as plain text; lines
// that are not JSON pass through as they are, and so does a line longer than
// maxJSONLine (no test2json event is that long), so the buffer stays bounded.
type jsonText struct {
	w       io.Writer
	buf     []byte
	scanned int // bytes of buf known to hold no newline
}

const maxJSONLine = 1 << 20

func (j *jsonText) Write(p []byte) (int, error) {
	j.buf = append(j.buf, p...)
	for {
		i := bytes.IndexByte(j.buf[j.scanned:], '\n')
		if i < 0 {
			j.scanned = len(j.buf)
			if len(j.buf) > maxJSONLine {
				j.w.Write(j.buf)
				j.buf, j.scanned = j.buf[:0], 0
			}
			return len(p), nil
		}
		i += j.scanned
		j.line(j.buf[:i+1])
		j.buf, j.scanned = j.buf[i+1:], 0
	}
}

func (j *jsonText) line(l []byte) {
	var ev struct{ Output *string }
	if err := json.Unmarshal(l, &ev); err != nil {
		j.w.Write(l)
		return
	}
	if ev.Output != nil {
		io.WriteString(j.w, *ev.Output)
	}
}

// Close writes what is left of an unterminated last line.
func (j *jsonText) Close() error {
	if len(j.buf) > 0 {
		j.line(j.buf)
		j.buf = nil
	}
	return nil
}
