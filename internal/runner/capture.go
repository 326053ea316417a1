package runner

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// captureLimit bounds what the master keeps of one batch's stdout or stderr for
// its verdicts: the head and the tail, each this big. A test printing gigabytes
// does not grow the master; its full output goes to the worker log, up to logLimit.
const (
	captureLimit = 4 << 20
	logLimit     = 256 << 20
)

// capture keeps the first and the last limit bytes written to it, whole lines
// only at the seam, with a marker line saying how much was left out.
type capture struct {
	limit int
	head  []byte
	tail  []byte // a ring of the latest bytes once head is full
	cut   int64  // bytes dropped between head and tail
}

func newCapture(limit int) *capture { return &capture{limit: limit} }

func (c *capture) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.limit - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	c.tail = append(c.tail, p...)
	// The tail may grow to twice the limit before its start is dropped: each
	// byte is moved at most once, not on every write.
	if len(c.tail) > 2*c.limit {
		over := len(c.tail) - c.limit
		c.cut += int64(over)
		c.tail = append(c.tail[:0], c.tail[over:]...)
	}
	return n, nil
}

// Bytes is the head, a marker when something was cut, and the tail. The head
// ends and the tail starts on a line boundary, so line-based parsers (test2json
// streams) see whole lines.
func (c *capture) Bytes() []byte {
	head, tail := c.head, c.tail
	cut := c.cut
	if over := len(tail) - c.limit; over > 0 {
		cut += int64(over)
		tail = tail[over:]
	}
	if cut == 0 {
		return append(append([]byte(nil), head...), tail...)
	}
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		cut += int64(len(head) - i - 1)
		head = head[:i+1]
	}
	if i := bytes.IndexByte(tail, '\n'); i >= 0 {
		cut += int64(i + 1)
		tail = tail[i+1:]
	}
	out := append([]byte(nil), head...)
	out = fmt.Appendf(out, "… paratest: %d bytes of output cut here; the worker log has more …\n", cut)
	return append(out, tail...)
}

// limitWriter passes the first n bytes through to w, then a marker, then drops
// the rest: the worker log of a test that prints without end stays bounded.
//
// A failed write (a full disk) never fails the writer's caller — the output
// also feeds the verdicts — but is reported once to onErr, and the log stops.
type limitWriter struct {
	mu      sync.Mutex // a worker's batches and its warm runner write to one log
	w       io.Writer
	left    int64
	written int64 // bytes passed on to w: the log's size, where the next write lands
	done    bool
	onErr   func(error) // nil: the error is dropped
}

// offset is how many bytes the log holds, for the excerpt of a batch's part.
func (l *limitWriter) offset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.written
}

// logOffset is the offset of a worker's log, false when w is no log of ours.
func logOffset(w io.Writer) (int64, bool) {
	if l, ok := w.(*limitWriter); ok {
		return l.offset(), true
	}
	return 0, false
}

func (l *limitWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	if l.done {
		return n, nil
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
		l.done = true
	}
	l.left -= int64(len(p))
	m, err := l.w.Write(p)
	l.written += int64(m)
	if err != nil {
		l.done = true
		if l.onErr != nil {
			l.onErr(err)
		}
		return n, nil
	}
	if l.done {
		m, _ := fmt.Fprintf(l.w, "\n… paratest: this log reached its limit; later output is not kept …\n")
		l.written += int64(m)
	}
	return n, nil
}
