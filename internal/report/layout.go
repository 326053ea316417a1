// Package report owns the output directory (paratest-out by default) and the summary
// files written into it: summary.json for machines, summary.md for a pull-request
// comment and flaky.json for the flaky and failed tests with all their attempts. It
// decides which host a failure points at (FailedOnlyOn, HostStats), for these files
// and the console alike. It also holds the helpers every report writer shares:
// atomic writes, and text cleaning and bounding for output that Jenkins or GitHub
// will show.
package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Layout is the output directory and the place of each file in it.
type Layout struct{ Dir string }

// The names of the files and directories paratest writes into Layout.Dir. Reset
// removes exactly these, so a user may keep other files next to them.
const (
	junitDir    = "junit"
	logsDir     = "logs"
	summaryJSON = "summary.json"
	summaryMD   = "summary.md"
	flakyJSON   = "flaky.json"
	journal     = "journal.jsonl"
)

var owned = []string{junitDir, logsDir, summaryJSON, summaryMD, flakyJSON, journal}

// JUnitDir is where the TEST-<suite>.xml files go.
func (l Layout) JUnitDir() string { return filepath.Join(l.Dir, junitDir) }

// LogsDir is where the full worker logs go.
func (l Layout) LogsDir() string { return filepath.Join(l.Dir, logsDir) }

// LogPath is the full log of one worker: logs/<host>_<worker>.log, both names made
// safe for a file name.
func (l Layout) LogPath(host, worker string) string {
	return filepath.Join(l.LogsDir(), SafeName(host)+"_"+SafeName(worker)+".log")
}

// SummaryJSON is the machine-readable summary.
func (l Layout) SummaryJSON() string { return filepath.Join(l.Dir, summaryJSON) }

// SummaryMD is the Markdown summary, ready to post as a pull-request comment.
func (l Layout) SummaryMD() string { return filepath.Join(l.Dir, summaryMD) }

// FlakyJSON is the flaky-test report.
func (l Layout) FlakyJSON() string { return filepath.Join(l.Dir, flakyJSON) }

// Journal is the run's event journal.
func (l Layout) Journal() string { return filepath.Join(l.Dir, journal) }

// Reset empties the output directory of everything an earlier run wrote, because
// Jenkins' junit step parses stale TEST-*.xml files too. It removes only paratest's
// own files (and temporary files WriteAtomic may have left), keeps anything else,
// then creates Dir, JUnitDir and LogsDir.
func (l Layout) Reset() error {
	if l.Dir == "" {
		return errors.New("reset output directory: no directory given")
	}
	var errs []error
	for _, name := range owned {
		if err := os.RemoveAll(filepath.Join(l.Dir, name)); err != nil {
			errs = append(errs, err)
		}
	}
	entries, err := os.ReadDir(l.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, e := range entries {
		if isOwnTemp(e.Name()) {
			if err := os.Remove(filepath.Join(l.Dir, e.Name())); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, d := range []string{l.JUnitDir(), l.LogsDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reset output directory %s: %w", l.Dir, err)
	}
	return nil
}

// isOwnTemp reports whether name is a temporary file WriteAtomic made for one of our
// own files and left behind when the process was killed mid-write.
func isOwnTemp(name string) bool {
	for _, o := range owned {
		if strings.HasPrefix(name, tempPrefix(o)) {
			return true
		}
	}
	return false
}
