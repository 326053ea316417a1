package runner

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A capture over its limit keeps the head and the tail of the output, both
// cut at line boundaries, with a marker between them: every line it gives back
// is a whole line of the output, the first ones and the last ones.
func TestCaptureKeepsHeadAndTailLines(t *testing.T) {
	c := newCapture(64)
	var lines []string
	for i := range 1000 {
		line := fmt.Sprintf("L%04d", i)
		lines = append(lines, line)
		c.Write([]byte(line + "\n"))
	}
	got := strings.Split(strings.TrimSuffix(string(c.Bytes()), "\n"), "\n")
	marker := slices.IndexFunc(got, func(l string) bool { return strings.Contains(l, "bytes of output cut here") })
	if marker < 1 || marker == len(got)-1 {
		t.Fatalf("no marker between a head and a tail: %q", got)
	}
	head, tail := got[:marker], got[marker+1:]
	if !slices.Equal(head, lines[:len(head)]) {
		t.Errorf("head %q is not the first whole lines of the output", head)
	}
	if !slices.Equal(tail, lines[len(lines)-len(tail):]) {
		t.Errorf("tail %q is not the last whole lines of the output", tail)
	}
	if n := len(head) + len(tail); n*6 > 2*64 || n*6 < 64 {
		t.Errorf("%d lines of 6 bytes kept, want about 2 × 64 bytes' worth", n)
	}
}

// Writes cost what they write, not the size of the capture: a megabyte of
// 100-byte writes into a 4 MiB capture moves each byte at most twice.
func TestCaptureWritesAreCheap(t *testing.T) {
	c := newCapture(1 << 10)
	chunk := bytes.Repeat([]byte("y"), 100)
	for range 100_000 {
		c.Write(chunk)
		if len(c.tail) > 2<<10 {
			t.Fatalf("tail holds %d bytes, want at most twice the limit", len(c.tail))
		}
	}
	if got := c.Bytes(); len(got) > 3<<10 {
		t.Errorf("Bytes gives %d bytes, want about 2 KiB", len(got))
	}
}

func TestCaptureSmallOutputIsKeptWhole(t *testing.T) {
	c := newCapture(64)
	c.Write([]byte("hello\n"))
	c.Write([]byte("world\n"))
	if got := string(c.Bytes()); got != "hello\nworld\n" {
		t.Errorf("got %q", got)
	}
}

func TestLimitWriter(t *testing.T) {
	var b bytes.Buffer
	l := &limitWriter{w: &b, left: 10}
	for range 5 {
		if n, err := l.Write([]byte("abcdef")); n != 6 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if !strings.HasPrefix(b.String(), "abcdefabcd\n") || strings.Count(b.String(), "limit") != 1 {
		t.Errorf("log = %q", b.String())
	}
}

// A log write that fails (a full disk) does not fail the writer: the output
// also feeds the verdicts. It is reported once, and the log stops.
func TestLimitWriterSurvivesAFullDisk(t *testing.T) {
	var reported []error
	full := errors.New("no space left on device")
	l := &limitWriter{w: failWriter{full}, left: 1 << 20, onErr: func(err error) { reported = append(reported, err) }}
	for range 3 {
		if n, err := l.Write([]byte("abc")); n != 3 || err != nil {
			t.Fatalf("Write = %d, %v; want 3, nil", n, err)
		}
	}
	if len(reported) != 1 || !errors.Is(reported[0], full) {
		t.Errorf("reported %v, want the full disk once", reported)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
