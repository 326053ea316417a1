// Package timeline writes timeline.html: one self-contained page that shows a
// run over time — a lane per worker, grouped by host; a bar per attempt,
// coloured by its verdict; the containers' starts, reconnect gaps and idle
// time; the phases — with the run's wall time, its lower bound, efficiency,
// longest test and the test that ended last in a header.
//
// Jenkins serves archived and published HTML under a Content-Security-Policy
// that allows no script and no inline CSS ("sandbox; default-src 'none';
// img-src 'self'; style-src 'self';"), so the page has neither: the chart is
// inline SVG drawn with presentation attributes, a bar's details are its
// <title> (the tooltip on hover) and a SMIL <set> shows them on keyboard
// focus. The data it was drawn from is embedded as JSON in a data block
// (<script type="application/json" id="paratest-timeline">), which is never
// executed, for tools and tests.
package timeline

import (
	"bufio"
	"bytes"
	"io"

	"github.com/jenkins-paratest/jenkins-paratest/internal/report"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// DataID is the id of the data block that holds the timeline's data as JSON.
const DataID = "paratest-timeline"

// Write writes the timeline of run to path, atomically.
func Write(path string, run *result.Run) error {
	return report.WriteAtomicFunc(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := writePage(bw, build(run)); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Render is the timeline page of run.
func Render(run *result.Run) []byte {
	var b bytes.Buffer
	_ = writePage(&b, build(run)) // a buffer takes every write
	return b.Bytes()
}
