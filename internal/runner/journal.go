package runner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// journal appends every verdict to <out>/journal.jsonl as it is made, synced, so
// that a master killed outright (SIGKILL, a lost agent) loses nothing that ran:
// `run --resume` reads it back and runs only the tests without a verdict.
type journal struct {
	mu      sync.Mutex // guards f's writes and written
	f       *os.File
	written uint64 // adds written so far

	syncMu sync.Mutex // one sync at a time; guards synced
	synced uint64     // adds on disk
}

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
// master died while writing it) is ignored.
func readJournal(path string) (map[string][]entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]entry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for line := 1; sc.Scan(); line++ {
		var e entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			continue
		}
		out[e.ID] = append(out[e.ID], e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// createJournal starts a journal at path holding the entries given (those a
// resumed run keeps).
func createJournal(path string, keep []entry) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	j := &journal{f: f}
	for _, e := range keep {
		if err := j.write(e); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, f.Sync()
}

// add records one attempt and syncs it to disk.
// add appends entries — a batch's verdicts — and returns once they are on
// disk: a verdict is synced before its batch's lease ends. Adds of many workers
// share their syncs (group commit): one that finds its entries synced by
// another's sync returns at once.
func (j *journal) add(es ...entry) error {
	if len(es) == 0 {
		return nil
	}
	j.mu.Lock()
	for _, e := range es {
		if err := j.write(e); err != nil {
			j.mu.Unlock()
			return err
		}
	}
	j.written++
	mine := j.written
	j.mu.Unlock()

	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= mine {
		return nil
	}
	j.mu.Lock()
	upto := j.written // everything written so far goes with this sync
	j.mu.Unlock()
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.synced = upto
	return nil
}

func (j *journal) write(e entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = j.f.Write(append(data, '\n'))
	return err
}

func (j *journal) close() error { return j.f.Close() }
