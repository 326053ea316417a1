package slow

import (
	"testing"
	"time"
)

func TestSleep1s(t *testing.T) { time.Sleep(1 * time.Second) }

func TestSleep1500ms(t *testing.T) { time.Sleep(1500 * time.Millisecond) }

func TestSleep2s(t *testing.T) { time.Sleep(2 * time.Second) }

// TestSleepThenFail fails after a second.
func TestSleepThenFail(t *testing.T) {
	time.Sleep(time.Second)
	t.Error("too slow on purpose")
}

func TestFast(t *testing.T) {}
