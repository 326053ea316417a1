package runner

import (
	"bytes"
	"strings"
	"testing"
)

func TestCaptureKeepsHeadAndTailLines(t *testing.T) {
	c := newCapture(64)
	var all bytes.Buffer
	for i := range 1000 {
		line := strings.Repeat("x", i%7) + "\n"
		c.Write([]byte(line))
		all.WriteString(line)
	}
	got := c.Bytes()
	if len(got) > 64*2+100 {
		t.Fatalf("capture holds %d bytes, want about 128", len(got))
	}
	if !bytes.HasPrefix(all.Bytes(), got[:bytes.Index(got, []byte("…"))]) {
		t.Error("head is not the start of the output")
	}
	tail := got[bytes.LastIndex(got, []byte("…\n"))+len("…\n"):]
	if !bytes.HasSuffix(all.Bytes(), tail) || (len(tail) > 0 && !bytes.HasPrefix(tail, []byte("x")) && tail[0] != '\n') {
		t.Errorf("tail %q is not a whole-line end of the output", tail)
	}
	if !bytes.Contains(got, []byte("bytes of output cut here")) {
		t.Error("no marker where output was cut")
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
