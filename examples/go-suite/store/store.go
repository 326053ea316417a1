// Package store is a small in-memory key/value store with TTLs,
// compare-and-swap, snapshots and an exclusive lock file.
package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// LockPath is the store's process-wide lock file. Tests that take it cannot
// run concurrently on one host.
const LockPath = "/tmp/gosuite.lock"

// ErrNotFound is returned for missing or expired keys.
var ErrNotFound = errors.New("store: key not found")

// ErrConflict is returned by CompareAndSwap when the current value differs.
var ErrConflict = errors.New("store: compare-and-swap conflict")

type entry struct {
	value   string
	expires time.Time // zero: no expiry
}

// Store is safe for concurrent use.
type Store struct {
	mu   sync.RWMutex
	data map[string]entry
	now  func() time.Time
}

// New returns an empty store.
func New() *Store { return &Store{data: map[string]entry{}, now: time.Now} }

// Put sets key to value with an optional ttl (0: forever).
func (s *Store) Put(key, value string, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := entry{value: value}
	if ttl > 0 {
		e.expires = s.now().Add(ttl)
	}
	s.data[key] = e
}

// Get returns the value for key.
func (s *Store) Get(key string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.data[key]
	if !ok || (!e.expires.IsZero() && !s.now().Before(e.expires)) {
		return "", ErrNotFound
	}
	return e.value, nil
}

// Delete removes key; it reports whether the key existed.
func (s *Store) Delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.data[key]
	if ok {
		delete(s.data, key)
	}
	return ok
}

// CompareAndSwap sets key to next if its current value is prev.
func (s *Store) CompareAndSwap(key, prev, next string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok {
		return ErrNotFound
	}
	if e.value != prev {
		return ErrConflict
	}
	e.value = next
	s.data[key] = e
	return nil
}

// Keys returns the live keys in sorted order.
func (s *Store) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	keys := make([]string, 0, len(s.data))
	for k, e := range s.data {
		if e.expires.IsZero() || now.Before(e.expires) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Compact drops expired entries and returns how many were removed.
func (s *Store) Compact() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for k, e := range s.data {
		if !e.expires.IsZero() && !now.Before(e.expires) {
			delete(s.data, k)
			n++
		}
	}
	return n
}

// WriteSnapshot writes the live entries as "key\tvalue" lines.
func (s *Store) WriteSnapshot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, k := range s.Keys() {
		v, err := s.Get(k)
		if err != nil {
			continue
		}
		if strings.ContainsAny(k, "\t\n") || strings.Contains(v, "\n") {
			return fmt.Errorf("store: key %q or its value cannot be snapshotted", k)
		}
		fmt.Fprintf(bw, "%s\t%s\n", k, v)
	}
	return bw.Flush()
}

// ReadSnapshot loads a snapshot written by WriteSnapshot into a new store.
func ReadSnapshot(r io.Reader) (*Store, error) {
	s := New()
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			return nil, fmt.Errorf("store: snapshot line %d: missing tab", line)
		}
		s.Put(k, v, 0)
	}
	return s, sc.Err()
}

// Lock is an exclusive lock held through a file created with O_EXCL.
type Lock struct{ path string }

// AcquireLock creates path exclusively; it fails if the file exists.
func AcquireLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("another process holds %s", path)
		}
		return nil, err
	}
	_, werr := fmt.Fprintf(f, "%d\n", os.Getpid())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, werr
	}
	return &Lock{path: path}, nil
}

// Release removes the lock file.
func (l *Lock) Release() error { return os.Remove(l.path) }
