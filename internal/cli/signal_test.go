package cli

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

func TestSignalContexts(t *testing.T) {
	t.Parallel()
	sigs := make(chan os.Signal, 2)
	soft, hard, stop := signalContexts(sigs)
	defer stop()
	if soft.Err() != nil || hard.Err() != nil {
		t.Fatal("contexts cancelled before any signal")
	}

	sigs <- syscall.SIGTERM
	waitDone(t, soft)
	if err := context.Cause(soft); !errors.Is(err, exit.Signal{Sig: syscall.SIGTERM}) || exit.Code(err) != 143 {
		t.Errorf("soft cause %v (exit %d), want SIGTERM (143)", err, exit.Code(err))
	}
	select {
	case <-hard.Done():
		t.Fatal("first signal cancelled the hard context")
	case <-time.After(50 * time.Millisecond):
	}

	sigs <- os.Interrupt
	waitDone(t, hard)
	if err := context.Cause(hard); exit.Code(err) != 130 {
		t.Errorf("hard cause %v (exit %d), want SIGINT (130)", err, exit.Code(err))
	}
	if err := context.Cause(soft); exit.Code(err) != 143 {
		t.Errorf("soft cause changed to %v by the second signal", err)
	}
}

func TestSignalContextsStop(t *testing.T) {
	t.Parallel()
	_, hard, stop := signalContexts(make(chan os.Signal, 1))
	stop()
	waitDone(t, hard)
	var sig exit.Signal
	if errors.As(context.Cause(hard), &sig) {
		t.Errorf("stop cancelled with a signal cause: %v", sig)
	}
}

func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("context not cancelled")
	}
}
