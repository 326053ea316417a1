// Package report owns the output directory (paratest-out by default) and the summary
// files written into it: summary.json for machines, summary.md for a pull-request
// comment and flaky.json for the flaky and failed tests with all their attempts. It
// decides which host a failure points at (FailedOnlyOn, HostStats), for these files
// and the console alike. It writes the log excerpts failing testcases link to
// (WriteExcerpt). It also holds the helpers every report writer shares: atomic
// writes, and text cleaning and bounding for output that Jenkins or GitHub will
// show.
package report

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Layout is the output directory and the place of each file in it.
type Layout struct{ Dir string }

// The names of the files and directories paratest writes into Layout.Dir.
const (
	junitDir    = "junit"
	logsDir     = "logs"
	excerptsDir = "attachments"
	summaryJSON = "summary.json"
	summaryMD   = "summary.md"
	flakyJSON   = "flaky.json"
	timeline    = "timeline.html"
	journal     = "journal.jsonl"
	// manifest lists what a run wrote, so that the next one removes exactly
	// that: its first line is manifestHeader, then one path a line, relative
	// to Dir.
	manifest       = ".paratest-manifest"
	manifestHeader = "# jenkins-paratest: the files of the last run here; the next run removes them"
)

// topFiles are the files a run writes at the top of Dir.
var topFiles = []string{summaryJSON, summaryMD, flakyJSON, timeline, journal}

// JUnitDir is where the TEST-<suite>.xml files go.
func (l Layout) JUnitDir() string { return filepath.Join(l.Dir, junitDir) }

// LogsDir is where the full worker logs go.
func (l Layout) LogsDir() string { return filepath.Join(l.Dir, logsDir) }

// LogPath is the full log of one worker: logs/<host>_<worker>.log, both names made
// safe for a file name.
func (l Layout) LogPath(host, worker string) string {
	return filepath.Join(l.LogsDir(), SafeName(host)+"_"+SafeName(worker)+".log")
}

// AttachmentsDir is where the log excerpts that failing testcases link to go.
func (l Layout) AttachmentsDir() string { return filepath.Join(l.Dir, excerptsDir) }

// ExcerptPath is the excerpt of one batch's part of a worker's log:
// attachments/<host>_<worker>-<seq>.txt, seq the worker's batch number. The name
// is unique in the run because junit-attachments copies a file once per test
// class and file name: two excerpts of one name would show as one.
func (l Layout) ExcerptPath(host, worker string, seq int) string {
	return filepath.Join(l.AttachmentsDir(), SafeName(host)+"_"+SafeName(worker)+"-"+strconv.Itoa(seq)+".txt")
}

// SummaryJSON is the machine-readable summary.
func (l Layout) SummaryJSON() string { return filepath.Join(l.Dir, summaryJSON) }

// SummaryMD is the Markdown summary, ready to post as a pull-request comment.
func (l Layout) SummaryMD() string { return filepath.Join(l.Dir, summaryMD) }

// FlakyJSON is the flaky-test report.
func (l Layout) FlakyJSON() string { return filepath.Join(l.Dir, flakyJSON) }

// Timeline is the page that shows the run over time, a lane per worker.
func (l Layout) Timeline() string { return filepath.Join(l.Dir, timeline) }

// Journal is the run's event journal.
func (l Layout) Journal() string { return filepath.Join(l.Dir, journal) }

// Reset empties the output directory of everything an earlier run wrote,
// because Jenkins' junit step parses stale TEST-*.xml files too, then creates
// Dir, JUnitDir and LogsDir and a new manifest. It removes only files a run of
// ours wrote: those its manifest lists (logs, attachments), the TEST-*.xml files
// of its junit directory and the temporary files WriteAtomic may have left. It
// refuses, and removes nothing, when one of the places a run writes holds a file
// no run of ours wrote (a user's summary.md, logs/app.log, junit/keep.txt).
func (l Layout) Reset() error {
	if l.Dir == "" {
		return errors.New("reset output directory: no directory given")
	}
	if fi, err := os.Stat(l.Dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("out %s: not a directory: name a directory (it is created when missing)", l.Dir)
	}
	claimed, err := l.readManifest()
	if err != nil {
		return err
	}
	doomed, err := l.owned(claimed)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range doomed {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
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
	return l.writeManifest()
}

// Claim adds paths (under Dir) to the manifest before the run creates them:
// the next run removes them.
func (l Layout) Claim(paths ...string) error {
	var b strings.Builder
	for _, p := range paths {
		rel, err := filepath.Rel(l.Dir, p)
		if err != nil || strings.HasPrefix(rel, "..") || strings.ContainsAny(rel, "\n\r") {
			return fmt.Errorf("claim %s: not a file name under %s", p, l.Dir)
		}
		b.WriteString(filepath.ToSlash(rel) + "\n")
	}
	f, err := os.OpenFile(filepath.Join(l.Dir, manifest), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	_, err = f.WriteString(b.String())
	return errors.Join(err, f.Close())
}

// readManifest is the set of paths the last run's manifest lists; empty when
// there is none.
func (l Layout) readManifest() (map[string]bool, error) {
	data, err := os.ReadFile(filepath.Join(l.Dir, manifest))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("out %s: %w", l.Dir, err)
	}
	lines := strings.Split(string(data), "\n")
	if lines[0] != manifestHeader {
		return nil, fmt.Errorf("out %s: %s is not a manifest of jenkins-paratest: remove it, or choose another --out", l.Dir, filepath.Join(l.Dir, manifest))
	}
	claimed := map[string]bool{}
	for _, line := range lines[1:] {
		if line != "" {
			claimed[path.Clean(line)] = true
		}
	}
	return claimed, nil
}

// writeManifest starts the manifest of this run with its fixed files.
func (l Layout) writeManifest() error {
	data := manifestHeader + "\n" + strings.Join(topFiles, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(l.Dir, manifest), []byte(data), 0o644); err != nil {
		return fmt.Errorf("reset output directory %s: %w", l.Dir, err)
	}
	return nil
}

// owned are the paths in Dir an earlier run wrote, to remove; an error names
// the first file in our places that no run of ours wrote.
func (l Layout) owned(claimed map[string]bool) ([]string, error) {
	var doomed []string
	foreign := func(rel string) error {
		return fmt.Errorf("out %s: %s was not written by jenkins-paratest, and a run writes there: move it away, or choose another --out", l.Dir, filepath.Join(l.Dir, filepath.FromSlash(rel)))
	}
	for _, name := range topFiles {
		switch fi, err := os.Lstat(filepath.Join(l.Dir, name)); {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("out %s: %w", l.Dir, err)
		case !claimed[name] || !fi.Mode().IsRegular():
			return nil, foreign(name)
		default:
			doomed = append(doomed, filepath.Join(l.Dir, name))
		}
	}
	for _, dir := range []string{junitDir, logsDir, excerptsDir} {
		fi, err := os.Lstat(filepath.Join(l.Dir, dir))
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("out %s: %w", l.Dir, err)
		case !fi.IsDir():
			return nil, foreign(dir)
		}
		entries, err := os.ReadDir(filepath.Join(l.Dir, dir))
		if err != nil {
			return nil, fmt.Errorf("out %s: %w", l.Dir, err)
		}
		for _, e := range entries {
			rel := dir + "/" + e.Name()
			ours := claimed[rel] || dir == junitDir && isJUnitFile(strings.TrimPrefix(e.Name(), ".")) ||
				dir == excerptsDir && claimed[dir+"/"+tempOf(e.Name())]
			if !ours || !e.Type().IsRegular() {
				return nil, foreign(rel)
			}
			doomed = append(doomed, filepath.Join(l.Dir, dir, e.Name()))
		}
	}
	entries, err := os.ReadDir(l.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("out %s: %w", l.Dir, err)
	}
	for _, e := range entries {
		if isOwnTemp(e.Name()) {
			doomed = append(doomed, filepath.Join(l.Dir, e.Name()))
		}
	}
	return doomed, nil
}

// isJUnitFile is a name junit.Write gives, TEST-<suite>.xml, or one of its
// temporary files (WriteAtomic's .TEST-<suite>.xml.tmp-N without the dot).
func isJUnitFile(name string) bool {
	if i := strings.Index(name, ".xml.tmp-"); i > 0 {
		name = name[:i+len(".xml")]
	}
	return strings.HasPrefix(name, "TEST-") && strings.HasSuffix(name, ".xml")
}

// tempOf is the file a WriteAtomic temporary file name is for, "" when name
// is none: an excerpt is claimed before it is written, so its temporary file
// left by a killed process is ours when the excerpt is.
func tempOf(name string) string {
	if !strings.HasPrefix(name, ".") {
		return ""
	}
	i := strings.LastIndex(name, ".tmp-")
	if i <= 1 {
		return ""
	}
	return name[1:i]
}

// isOwnTemp reports whether name is a temporary file WriteAtomic made for one of our
// own files and left behind when the process was killed mid-write.
func isOwnTemp(name string) bool {
	for _, o := range append(topFiles, junitDir, logsDir) {
		if strings.HasPrefix(name, tempPrefix(o)) {
			return true
		}
	}
	return false
}
