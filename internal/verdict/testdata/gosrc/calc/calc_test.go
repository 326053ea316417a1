package calc

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestAdd(t *testing.T) {
	t.Log("adding")
	if got := Add(1, 2); got != 3 {
		t.Errorf("Add(1, 2) = %d, want 3", got)
	}
}

func TestDiv(t *testing.T) {
	fmt.Println("printed to stdout by the test")
	if got := Div(7, 2); got != 4 {
		t.Errorf("Div(7, 2) = %d, want 4\nrounding is toward zero", got)
	}
	t.Log("after the assertion")
}

func TestSkipped(t *testing.T) {
	if os.Getenv("NETWORK") == "" {
		t.Skip("needs NETWORK")
	}
}

func TestTable(t *testing.T) {
	for _, tc := range []struct{ a, b, want int }{{1, 1, 2}, {2, 2, 5}, {3, 3, 6}} {
		t.Run(fmt.Sprintf("%d+%d", tc.a, tc.b), func(t *testing.T) {
			if got := Add(tc.a, tc.b); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
			t.Logf("ok %d", tc.want)
		})
	}
}

func TestParallelA(t *testing.T) {
	t.Parallel()
	for i := range 3 {
		t.Logf("A step %d", i)
		time.Sleep(20 * time.Millisecond)
	}
}

func TestParallelB(t *testing.T) {
	t.Parallel()
	for i := range 3 {
		time.Sleep(10 * time.Millisecond)
		t.Logf("B step %d", i)
	}
	t.Error("B failed in the middle of A")
}
