package store

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLockFileExclusive takes the store's fixed lock file /tmp/gosuite.lock
// for ~500 ms. Another process taking the same lock at the same time (e.g.
// another package's test binary under `go test ./...`) makes it fail.
func TestLockFileExclusive(t *testing.T) {
	l, err := AcquireLock(LockPath)
	if err != nil {
		t.Fatalf("acquire lock: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Release(); err != nil {
			t.Errorf("release lock: %v", err)
		}
	})
	if _, err := AcquireLock(LockPath); err == nil {
		t.Fatalf("second AcquireLock(%s) succeeded while the lock is held", LockPath)
	}
	time.Sleep(500 * time.Millisecond) // hold it while "writing"
	b, err := os.ReadFile(LockPath)
	if err != nil {
		t.Fatalf("lock file vanished while held: %v", err)
	}
	if want := fmt.Sprintf("%d\n", os.Getpid()); string(b) != want {
		t.Fatalf("lock file contains %q, want our pid %q", b, want)
	}
}

// TestReplicaServesSnapshot serves a snapshot to a replica over the fixed
// replication port 127.0.0.1:47001 (the same port netsvc binds), holding it
// for ~500 ms.
func TestReplicaServesSnapshot(t *testing.T) {
	const addr = "127.0.0.1:47001"
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v (another process is using the port)", addr, err)
	}
	defer ln.Close()

	primary := New()
	primary.Put("a", "1", 0)
	primary.Put("b", "2", 0)
	done := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		time.Sleep(500 * time.Millisecond) // simulate a slow primary
		done <- primary.WriteSnapshot(conn)
	}()

	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	replica, err := ReadSnapshot(conn)
	if err != nil {
		t.Fatalf("replica ReadSnapshot: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("primary: %v", err)
	}
	if got := replica.Keys(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("replica keys = %v, want [a b]", got)
	}
}

func TestPutGet(t *testing.T) {
	s := New()
	s.Put("alpha", "1", 0)
	s.Put("beta", "2", 0)
	s.Put("alpha", "3", 0)
	for key, want := range map[string]string{"alpha": "3", "beta": "2"} {
		if got, err := s.Get(key); err != nil || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	if _, err := s.Get("gamma"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing) err = %v, want ErrNotFound", err)
	}
	time.Sleep(25 * time.Millisecond)
}

func TestDelete(t *testing.T) {
	s := New()
	s.Put("k", "v", 0)
	if !s.Delete("k") {
		t.Fatal("Delete(existing) = false")
	}
	if s.Delete("k") {
		t.Fatal("Delete(already deleted) = true")
	}
	if _, err := s.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete err = %v, want ErrNotFound", err)
	}
	time.Sleep(15 * time.Millisecond)
}

func TestTTLExpiry(t *testing.T) {
	s := New()
	s.Put("session", "abc", 150*time.Millisecond)
	s.Put("config", "on", 0)
	if _, err := s.Get("session"); err != nil {
		t.Fatalf("Get before expiry: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := s.Get("session"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after expiry err = %v, want ErrNotFound", err)
	}
	if got := s.Keys(); !slices.Equal(got, []string{"config"}) {
		t.Fatalf("Keys() = %v, want [config]", got)
	}
}

func TestCompareAndSwap(t *testing.T) {
	tests := []struct {
		name       string
		prev, next string
		wantErr    error
		wantValue  string
	}{
		{"matching prev", "v1", "v2", nil, "v2"},
		{"stale prev", "v0", "v2", ErrConflict, "v1"},
		{"same value", "v1", "v1", nil, "v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			s.Put("k", "v1", 0)
			if err := s.CompareAndSwap("k", tc.prev, tc.next); !errors.Is(err, tc.wantErr) {
				t.Fatalf("CompareAndSwap err = %v, want %v", err, tc.wantErr)
			}
			if got, _ := s.Get("k"); got != tc.wantValue {
				t.Fatalf("value = %q, want %q", got, tc.wantValue)
			}
			time.Sleep(20 * time.Millisecond)
		})
	}
	t.Run("missing key", func(t *testing.T) {
		if err := New().CompareAndSwap("nope", "", "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestKeysSorted(t *testing.T) {
	s := New()
	for _, k := range []string{"pear", "apple", "fig", "banana"} {
		s.Put(k, "x", 0)
	}
	want := []string{"apple", "banana", "fig", "pear"}
	if got := s.Keys(); !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
	time.Sleep(10 * time.Millisecond)
}

func TestConcurrentWrites(t *testing.T) {
	s := New()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				s.Put(fmt.Sprintf("w%d-%04d", w, i), "v", 0)
				if i%100 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	if n := len(s.Keys()); n != 16000 {
		t.Fatalf("len(Keys()) = %d, want 16000", n)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := New()
	s.Put("user:1", "ada", 0)
	s.Put("user:2", "grace", 0)
	s.Put("tmp", "gone", time.Nanosecond)
	time.Sleep(5 * time.Millisecond)

	path := filepath.Join(t.TempDir(), "store.snap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSnapshot(f); err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "user:1\tada\nuser:2\tgrace\n"; string(data) != want {
		t.Fatalf("snapshot = %q, want %q", data, want)
	}
	restored, err := ReadSnapshot(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	if got, _ := restored.Get("user:2"); got != "grace" {
		t.Fatalf("restored user:2 = %q, want grace", got)
	}
	if _, err := ReadSnapshot(strings.NewReader("no tab here\n")); err == nil {
		t.Fatal("ReadSnapshot(corrupt): expected an error")
	}
	time.Sleep(90 * time.Millisecond)
}

// TestCompactionSweep is one of the suite's slow tests (~1.2 s): it lets a
// batch of short-lived keys expire in waves and sweeps them.
func TestCompactionSweep(t *testing.T) {
	s := New()
	for i := range 300 {
		ttl := time.Duration(100+(i%3)*400) * time.Millisecond // 100, 500, 900 ms
		s.Put(fmt.Sprintf("k%03d", i), "v", ttl)
	}
	s.Put("keep", "v", 0)
	removed := 0
	for range 4 {
		time.Sleep(300 * time.Millisecond)
		removed += s.Compact()
	}
	if removed != 300 {
		t.Fatalf("Compact removed %d entries in total, want 300", removed)
	}
	if got := s.Keys(); !slices.Equal(got, []string{"keep"}) {
		t.Fatalf("Keys() after compaction = %v, want [keep]", got)
	}
}
