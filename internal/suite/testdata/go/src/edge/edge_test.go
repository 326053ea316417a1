package edge

import (
	"fmt"
	"log"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestBefore(t *testing.T) { t.Log("before") }

// TestParallelWaits pauses until the sequential tests are done: when one of
// them kills the binary, it has not run.
func TestParallelWaits(t *testing.T) {
	t.Parallel()
	t.Log("ran in parallel")
}

var runs int

// TestSecondRunFails passes once and fails when run again (-test.count=2).
func TestSecondRunFails(t *testing.T) {
	runs++
	if runs == 2 {
		t.Error("fails on its second run")
	}
}

// TestExit leaves the binary through log.Fatal, os.Exit(1): no panic, no
// "--- FAIL" line, and the exit code of a plain failure.
func TestExit(t *testing.T) {
	fmt.Println("exiting")
	log.Fatal("fatal from the log package")
}

// TestSubPanic panics in its second subtest.
func TestSubPanic(t *testing.T) {
	t.Run("first ok", func(t *testing.T) {})
	t.Run("second [panics]", func(t *testing.T) { panic("subtest panic") })
	t.Run("third never", func(t *testing.T) {})
}

// TestHang sleeps until it is killed.
func TestHang(t *testing.T) {
	t.Run("hanging sub", func(t *testing.T) {
		fmt.Println("going to sleep")
		time.Sleep(time.Minute)
	})
}

// TestKilled kills its own binary with SIGKILL, as the OOM killer would.
func TestKilled(t *testing.T) {
	fmt.Println("killing myself")
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Second)
}

func TestAfter(t *testing.T) {}
