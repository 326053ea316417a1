package verdict

import (
	"fmt"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// ExitCode judges the batch by its exit code alone, for runners that leave nothing
// else to read: every id gets the batch's verdict and an even share of its time.
// Exit 0 passes. Exit 126 and 127 are the shell saying the command could not be run
// at all, so no test ran: Errored. Any other exit fails.
func ExitCode(b Batch) []Verdict {
	v := Verdict{Status: result.Passed, Output: BatchOutput(b.Stdout, b.Stderr)}
	switch b.ExitCode {
	case 0:
	case 126, 127:
		v.Status = result.Errored
		v.Message = fmt.Sprintf("command not found / not executable (exit %d)", b.ExitCode)
	default:
		v.Status = result.Failed
		v.Message = fmt.Sprintf("exit code %d", b.ExitCode)
	}
	if len(b.IDs) > 0 {
		v.Duration = b.Duration / time.Duration(len(b.IDs))
	}
	out := make([]Verdict, len(b.IDs))
	for i, id := range b.IDs {
		out[i] = v
		out[i].ID = id
	}
	return out
}
