package runner

import (
	"fmt"

	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
)

// batchLog is one batch's part of a worker's log: where it starts, and the
// excerpt of it written for the batch's bad attempts.
type batchLog struct {
	seq   int   // the worker's batch number; 0 before its first batch
	start int64 // the log's offset when the batch began
	done  bool  // excerpt was called for it: path is its answer
	path  string
}

// excerpt is the path of the excerpt of w's last batch — its log from the
// batch's start to now: the batch's output, exit code and verdict lines —
// which every bad attempt of the batch links to instead of the whole log. It
// is written once per batch, by w's goroutine, which alone runs w's batches.
// "" when there is none: no batch yet, a log that holds nothing of it (its
// limit, a full disk), or a write that failed (warned once per worker).
func (p *pool) excerpt(w *worker, round int) string {
	b := &w.batchLog
	if b.seq == 0 || b.done {
		return b.path
	}
	b.done = true
	end, ok := logOffset(w.log)
	if !ok {
		return ""
	}
	l := report.Layout{Dir: p.s.cfg.Out} // the run's layout: runner.go makes it so
	path := l.ExcerptPath(w.h.name, w.name, b.seq)
	header := fmt.Sprintf("=== jenkins-paratest: bytes %d-%d of %s: batch %d of worker %s on %s, round %d",
		b.start, end, w.logPath, b.seq, w.name, w.h.name, round)
	wrote, err := l.WriteExcerpt(path, w.logPath, b.start, end, header)
	if err != nil {
		if !w.excerptWarned {
			w.excerptWarned = true
			p.s.con.Warnf("worker %s: log excerpt: %v; failing tests link no excerpt, the log has it all", w.tag(), err)
		}
		return ""
	}
	if wrote {
		b.path = path
	}
	return b.path
}
