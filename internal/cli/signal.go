package cli

import (
	"context"
	"os"
	"os/signal"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// signalContexts returns the two contexts of a run. The first signal on sigs
// cancels soft, which the run uses: it stops dispatching, writes the reports and
// cleans up, briefly. The second cancels hard, soft's parent, which ends the
// clean-up: Jenkins sends another signal when the user insists, and then waiting
// for containers is wrong. Both
// causes are exit.Signal, so the exit code is 128+signal. After the second signal
// sigs is stopped, so a third gets the default action and ends the process at once.
// stop releases the goroutine; call it when the run is over.
func signalContexts(sigs chan os.Signal) (soft, hard context.Context, stop func()) {
	hard, cancelHard := context.WithCancelCause(context.Background())
	soft, cancelSoft := context.WithCancelCause(hard)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				if first {
					first = false
					cancelSoft(exit.Signal{Sig: sig})
					continue
				}
				cancelHard(exit.Signal{Sig: sig})
				signal.Stop(sigs)
				return
			}
		}
	}()
	return soft, hard, func() {
		close(done)
		cancelSoft(context.Canceled)
		cancelHard(context.Canceled)
	}
}
