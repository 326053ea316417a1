package broken

import "testing"

func TestCompiles(t *testing.T) {
	var n int = "not an int"
	_ = n
}
