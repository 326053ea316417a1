package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// journal appends every verdict to <out>/journal.jsonl as it is made, so that a
// master killed outright (SIGKILL, a lost agent) loses nothing that ran: `run
// --resume` reads it back and runs only the tests without a verdict. A batch's
// verdicts go in one write, which a killed process cannot lose; the file is
// synced at most once every syncEvery and when it is closed, so a power cut on
// the master's machine costs at most that much of the run's work (its tests
// run again on resume), and 256 workers do not queue for the disk.
type journal struct {
	mu       sync.Mutex // guards f's writes, lastSync and failed
	f        *os.File
	lastSync time.Time
	now      func() time.Time
	failed   bool // a write failed (a full disk): the journal stops, said once
	// buf and enc encode a batch's lines, reused from batch to batch.
	buf bytes.Buffer
	enc *json.Encoder
}

// maxJournalBuf is the most the journal keeps of its encoding buffer between
// batches.
const maxJournalBuf = 1 << 20

// syncEvery is how often the journal syncs to disk while verdicts arrive.
const syncEvery = time.Second

// entry is one line of the journal: one attempt of one test.
type entry struct {
	ID      string         `json:"id"`
	Suite   string         `json:"suite,omitempty"`
	Class   string         `json:"class,omitempty"`
	Name    string         `json:"name,omitempty"`
	Attempt result.Attempt `json:"attempt"`
}

// readJournal returns the attempts recorded in the journal at path, by test id, in
// the order they were made. A missing journal is empty; a torn last line (the
// master died while writing it) is ignored; any other line that is not a
// verdict of ours is an error naming path:line.
func readJournal(path string) (map[string][]entry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]entry{}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if i == len(lines)-1 {
			break // "" after the last newline, or a torn line
		}
		var e entry
		err := json.Unmarshal(line, &e)
		switch {
		case err != nil:
			err = fmt.Errorf("not a verdict of jenkins-paratest (%v)", err)
		case e.ID == "":
			err = errors.New("a verdict without a test id")
		case !validStatus(e.Attempt.Status):
			err = fmt.Errorf("test %q: status %q is none of passed, failed, error or skipped", e.ID, e.Attempt.Status)
		case e.Attempt.Round < 1:
			err = fmt.Errorf("test %q: round %d, want 1 or more", e.ID, e.Attempt.Round)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w; remove the file to run every test again", path, i+1, err)
		}
		// The run resumed removes the excerpts of the one it resumes
		// (report.Layout.Reset): a link would name a file that is gone.
		d := e.Attempt.Said()
		d.Excerpt = ""
		e.Attempt.Say(d)
		out[e.ID] = append(out[e.ID], e)
	}
	return out, nil
}

func validStatus(s result.Status) bool {
	switch s {
	case result.Passed, result.Failed, result.Errored, result.Skipped:
		return true
	}
	return false
}

// createJournal starts a journal at path holding the entries given (those a
// resumed run keeps).
func createJournal(path string, keep []entry) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	j := &journal{f: f, now: time.Now}
	if err := j.add(keep...); err != nil {
		f.Close()
		return nil, err
	}
	return j, j.sync()
}

// add appends entries — a batch's verdicts — in one write, and syncs the file
// when the last sync is syncEvery old.
func (j *journal) add(es ...entry) error {
	if len(es) == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed {
		return nil // said once; the verdicts do not depend on it
	}
	if j.enc == nil {
		j.enc = json.NewEncoder(&j.buf)
	}
	j.buf.Reset()
	for _, e := range es {
		if err := j.enc.Encode(e); err != nil { // a line each, as json.Marshal and a \n
			return err
		}
	}
	_, err := j.f.Write(j.buf.Bytes())
	if j.buf.Cap() > maxJournalBuf { // a batch of big outputs: not kept for the rest
		j.buf, j.enc = bytes.Buffer{}, nil
	}
	if err != nil {
		j.failed = true
		return fmt.Errorf("%w; the journal stops here, and --resume would run the later tests again", err)
	}
	if j.now().Sub(j.lastSync) < syncEvery {
		return nil
	}
	return j.syncLocked()
}

func (j *journal) sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.syncLocked()
}

func (j *journal) syncLocked() error {
	j.lastSync = j.now()
	return j.f.Sync()
}

// close syncs what is written and closes the file.
func (j *journal) close() error {
	return errors.Join(j.sync(), j.f.Close())
}
