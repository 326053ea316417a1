package calc

import (
	"fmt"
	"testing"
)

func TestAdd01(t *testing.T) {
	if got := Add(1, 1); got != 2 {
		t.Errorf("Add(1, 1) = %d, want 2", got)
	}
}

func TestAdd02(t *testing.T) {
	if got := Add(2, 2); got != 4 {
		t.Errorf("Add(2, 2) = %d, want 4", got)
	}
}

func TestAdd03(t *testing.T) {
	if got := Add(3, 3); got != 6 {
		t.Errorf("Add(3, 3) = %d, want 6", got)
	}
}

func TestAdd04(t *testing.T) {
	if got := Add(4, 4); got != 8 {
		t.Errorf("Add(4, 4) = %d, want 8", got)
	}
}

func TestAdd05(t *testing.T) {
	if got := Add(5, 5); got != 10 {
		t.Errorf("Add(5, 5) = %d, want 10", got)
	}
}

func TestAdd06(t *testing.T) {
	if got := Add(6, 6); got != 12 {
		t.Errorf("Add(6, 6) = %d, want 12", got)
	}
}

func TestAdd07(t *testing.T) {
	if got := Add(7, 7); got != 15 {
		t.Errorf("Add(7, 7) = %d, want 15", got)
	}
}

func TestAdd08(t *testing.T) {
	if got := Add(8, 8); got != 16 {
		t.Errorf("Add(8, 8) = %d, want 16", got)
	}
}

func TestAdd09(t *testing.T) {
	if got := Add(9, 9); got != 18 {
		t.Errorf("Add(9, 9) = %d, want 18", got)
	}
}

func TestAdd10(t *testing.T) {
	if got := Add(10, 10); got != 20 {
		t.Errorf("Add(10, 10) = %d, want 20", got)
	}
}

func TestAdd11(t *testing.T) {
	if got := Add(11, 11); got != 22 {
		t.Errorf("Add(11, 11) = %d, want 22", got)
	}
}

func TestAdd12(t *testing.T) {
	t.Skip("skipped: overflow checks are not written yet")
}

func TestAdd13(t *testing.T) {
	if got := Add(13, 13); got != 26 {
		t.Errorf("Add(13, 13) = %d, want 26", got)
	}
}

func TestAdd14(t *testing.T) {
	if got := Add(14, 14); got != 28 {
		t.Errorf("Add(14, 14) = %d, want 28", got)
	}
}

func TestAdd15(t *testing.T) {
	if got := Add(15, 15); got != 30 {
		t.Errorf("Add(15, 15) = %d, want 30", got)
	}
}

func TestAdd16(t *testing.T) {
	if got := Add(16, 16); got != 32 {
		t.Errorf("Add(16, 16) = %d, want 32", got)
	}
}

func TestAdd17(t *testing.T) {
	if got := Add(17, 17); got != 34 {
		t.Errorf("Add(17, 17) = %d, want 34", got)
	}
}

func TestAdd18(t *testing.T) {
	if got := Add(18, 18); got != 36 {
		t.Errorf("Add(18, 18) = %d, want 36", got)
	}
}

func TestAdd19(t *testing.T) {
	if got := Add(19, 19); got != 38 {
		t.Errorf("Add(19, 19) = %d, want 38", got)
	}
}

// TestCrash kills the test binary: a panic ends the process, so the tests
// after it in the same run never start.
func TestCrash(t *testing.T) {
	fmt.Println("about to crash")
	var m map[string]int
	m["boom"]++ // panic: assignment to entry in nil map
}

func TestAdd20(t *testing.T) {
	if got := Add(20, 20); got != 40 {
		t.Errorf("Add(20, 20) = %d, want 40", got)
	}
}

func TestAdd21(t *testing.T) {
	if got := Add(21, 21); got != 42 {
		t.Errorf("Add(21, 21) = %d, want 42", got)
	}
}

func TestAdd22(t *testing.T) {
	if got := Add(22, 22); got != 44 {
		t.Errorf("Add(22, 22) = %d, want 44", got)
	}
}

func TestAdd23(t *testing.T) {
	if got := Add(23, 23); got != 46 {
		t.Errorf("Add(23, 23) = %d, want 46", got)
	}
}

func TestAdd24(t *testing.T) {
	if got := Add(24, 24); got != 48 {
		t.Errorf("Add(24, 24) = %d, want 48", got)
	}
}

func TestAdd25(t *testing.T) {
	t.Log("dividing by a large number")
	if got := Div(25, 100); got != 1 {
		t.Fatalf("Div(25, 100) = %d, want 1", got)
	}
	t.Log("not reached")
}

func TestAdd26(t *testing.T) {
	if got := Add(26, 26); got != 52 {
		t.Errorf("Add(26, 26) = %d, want 52", got)
	}
}

func TestAdd27(t *testing.T) {
	if got := Add(27, 27); got != 54 {
		t.Errorf("Add(27, 27) = %d, want 54", got)
	}
}

func TestAdd28(t *testing.T) {
	if got := Add(28, 28); got != 56 {
		t.Errorf("Add(28, 28) = %d, want 56", got)
	}
}

func TestAdd29(t *testing.T) {
	if got := Add(29, 29); got != 58 {
		t.Errorf("Add(29, 29) = %d, want 58", got)
	}
}

func TestAdd30(t *testing.T) {
	if got := Add(30, 30); got != 60 {
		t.Errorf("Add(30, 30) = %d, want 60", got)
	}
}

func TestAdd31(t *testing.T) {
	if got := Add(31, 31); got != 63 {
		t.Errorf("Add(31, 31) = %d, want 63", got)
	}
}

func TestAdd32(t *testing.T) {
	if got := Add(32, 32); got != 64 {
		t.Errorf("Add(32, 32) = %d, want 64", got)
	}
}

func TestAdd33(t *testing.T) {
	if got := Add(33, 33); got != 66 {
		t.Errorf("Add(33, 33) = %d, want 66", got)
	}
}

func TestAdd34(t *testing.T) {
	if got := Add(34, 34); got != 68 {
		t.Errorf("Add(34, 34) = %d, want 68", got)
	}
}

func TestAdd35(t *testing.T) {
	if got := Add(35, 35); got != 70 {
		t.Errorf("Add(35, 35) = %d, want 70", got)
	}
}

func TestAdd36(t *testing.T) {
	if got := Add(36, 36); got != 72 {
		t.Errorf("Add(36, 36) = %d, want 72", got)
	}
}

func TestAdd37(t *testing.T) {
	if got := Add(37, 37); got != 74 {
		t.Errorf("Add(37, 37) = %d, want 74", got)
	}
}

func TestAdd38(t *testing.T) {
	if got := Add(38, 38); got != 76 {
		t.Errorf("Add(38, 38) = %d, want 76", got)
	}
}

func TestAdd39(t *testing.T) {
	if got := Add(39, 39); got != 78 {
		t.Errorf("Add(39, 39) = %d, want 78", got)
	}
}

func TestAdd40(t *testing.T) {
	if got := Add(40, 40); got != 80 {
		t.Errorf("Add(40, 40) = %d, want 80", got)
	}
}

func TestPow(t *testing.T) {
	for n, want := range []int{1, 2, 4, 8, 16} {
		if got := Pow(2, n); got != want {
			t.Errorf("Pow(2, %d) = %d, want %d", n, got, want)
		}
	}
}
