package crash

import "testing"

func TestBefore(t *testing.T) { t.Log("fine") }

func TestPanics(t *testing.T) {
	t.Log("about to crash")
	var m map[string]int
	m["x"] = 1
}

func TestAfter(t *testing.T) { t.Log("never runs") }
