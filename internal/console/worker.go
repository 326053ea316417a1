package console

import (
	"io"
	"strings"
	"sync"
)

// maxPartial bounds a line held back for its end: a test that writes megabytes
// without a line break gets them printed in pieces rather than kept in memory.
const maxPartial = 64 << 10

// WorkerWriter returns the live output stream of one worker (or of any other
// tagged source, such as an image pull). With StreamAll every line written to it
// reaches the console under the tag, written whole with the console's other
// lines; a partial line waits for its end, or for Close:
//
//	[w3] | <line>
//	[host-a/w3] | <line>
//
// With other streams it discards everything.
//
// The writer is safe for concurrent use, but it holds one partial line: give a
// container's stdout and stderr a writer each, or a line cut between two writes
// on one stream picks up the other stream's text. Write never fails (it feeds
// io.MultiWriters that must keep writing the worker's log). Close flushes a
// partial line and leaves the writer usable.
func (c *Console) WorkerWriter(host, worker string) io.WriteCloser {
	if c.stream != StreamAll {
		return discard{}
	}
	return &lineWriter{c: c, tag: tag(host, worker)}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

type lineWriter struct {
	c   *Console
	tag string

	mu  sync.Mutex
	buf []byte // the partial line
	cr  bool   // the last byte was \r: a \n right after it ends no further line
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	var out strings.Builder
	for len(p) > 0 {
		if w.cr && p[0] == '\n' {
			p = p[1:]
		}
		w.cr = false
		i := indexBreak(p)
		if i < 0 {
			w.buf = append(w.buf, p...)
			for len(w.buf) >= maxPartial {
				out.WriteString(w.c.outputLine(w.tag, string(w.buf[:maxPartial])))
				w.buf = append(w.buf[:0], w.buf[maxPartial:]...)
			}
			break
		}
		w.buf = append(w.buf, p[:i]...)
		out.WriteString(w.c.outputLine(w.tag, string(w.buf)))
		w.buf = w.buf[:0]
		w.cr = p[i] == '\r'
		p = p[i+1:]
	}
	w.c.write(out.String())
	return n, nil
}

// Close writes the partial line, if any.
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.c.write(w.c.outputLine(w.tag, string(w.buf)))
		w.buf = w.buf[:0]
	}
	w.cr = false
	return nil
}

func indexBreak(p []byte) int {
	for i, b := range p {
		if b == '\n' || b == '\r' {
			return i
		}
	}
	return -1
}
