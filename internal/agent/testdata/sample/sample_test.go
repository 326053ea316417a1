package sample

import (
	"fmt"
	"testing"
)

func TestAlpha(t *testing.T)      {}
func TestBeta(t *testing.T)       {}
func BenchmarkGamma(b *testing.B) {}

func Example_delta() {
	fmt.Println("delta")
	// Output: delta
}
