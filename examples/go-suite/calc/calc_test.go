package calc

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestAdd(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{0, 0, 0}, {1, 2, 3}, {-4, 4, 0}, {1 << 30, 1 << 30, 1 << 31},
	}
	for _, tc := range tests {
		if got := Add(tc.a, tc.b); got != tc.want {
			t.Errorf("Add(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	time.Sleep(20 * time.Millisecond)
}

func TestSub(t *testing.T) {
	if got := Sub(10, 3); got != 7 {
		t.Fatalf("Sub(10, 3) = %d, want 7", got)
	}
	if got := Sub(3, 10); got != -7 {
		t.Fatalf("Sub(3, 10) = %d, want -7", got)
	}
	time.Sleep(15 * time.Millisecond)
}

func TestMul(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{0, 99, 0}, {7, 6, 42}, {-3, 5, -15}, {-3, -5, 15},
	}
	for _, tc := range tests {
		if got := Mul(tc.a, tc.b); got != tc.want {
			t.Errorf("Mul(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	time.Sleep(40 * time.Millisecond)
}

func TestDivide(t *testing.T) {
	tests := []struct {
		name       string
		a, b, want int
	}{
		{"exact", 12, 4, 3},
		{"truncates", 7, 2, 3},
		{"negative", -7, 2, -3},
		{"both negative", -8, -2, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Div(tc.a, tc.b, RoundDown)
			if err != nil {
				t.Fatalf("Div(%d, %d): unexpected error: %v", tc.a, tc.b, err)
			}
			if got != tc.want {
				t.Errorf("Div(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			time.Sleep(25 * time.Millisecond)
		})
	}
}

func TestDivideByZero(t *testing.T) {
	if _, err := Div(1, 0, RoundDown); !errors.Is(err, ErrDivideByZero) {
		t.Fatalf("Div(1, 0) error = %v, want ErrDivideByZero", err)
	}
	time.Sleep(10 * time.Millisecond)
}

// TestDivideRounding is the suite's deliberate failure switch: with
// GOSUITE_FAIL=1 it exercises a "regressed" rounding mode so that a
// jenkins-paratest run turns red with a realistic assertion message.
func TestDivideRounding(t *testing.T) {
	mode := RoundHalfUp
	if os.Getenv("GOSUITE_FAIL") == "1" {
		mode = RoundDown // simulated regression
	}
	tests := []struct{ a, b, want int }{
		{7, 2, 4},
		{5, 3, 2},
		{-7, 2, -4},
		{9, 4, 2},
	}
	for _, tc := range tests {
		got, err := Div(tc.a, tc.b, mode)
		if err != nil {
			t.Fatalf("Div(%d, %d): %v", tc.a, tc.b, err)
		}
		if got != tc.want {
			t.Fatalf("TestDivideRounding: Div(%d, %d): got %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	time.Sleep(60 * time.Millisecond)
}

func TestPow(t *testing.T) {
	tests := []struct{ base, exp, want int }{
		{2, 0, 1}, {2, 10, 1024}, {3, 5, 243}, {-2, 3, -8}, {10, 9, 1_000_000_000},
	}
	for _, tc := range tests {
		if got := Pow(tc.base, tc.exp); got != tc.want {
			t.Errorf("Pow(%d, %d) = %d, want %d", tc.base, tc.exp, got, tc.want)
		}
	}
	time.Sleep(30 * time.Millisecond)
}

func TestGCD(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{12, 18, 6}, {17, 5, 1}, {0, 9, 9}, {-24, 36, 12}, {1071, 462, 21},
	}
	for _, tc := range tests {
		if got := GCD(tc.a, tc.b); got != tc.want {
			t.Errorf("GCD(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	time.Sleep(20 * time.Millisecond)
}

// TestPrimesLarge is one of the suite's slow tests (~1 s of real sieving).
func TestPrimesLarge(t *testing.T) {
	deadline := time.Now().Add(time.Second)
	rounds := 0
	for time.Now().Before(deadline) || rounds == 0 {
		ps := Primes(2_000_000)
		if got, want := len(ps), 148933; got != want {
			t.Fatalf("len(Primes(2e6)) = %d, want %d", got, want)
		}
		if last := ps[len(ps)-1]; last != 1999993 {
			t.Fatalf("largest prime <= 2e6 = %d, want 1999993", last)
		}
		rounds++
	}
	t.Logf("sieved 2e6 %d times", rounds)
}

func TestFibonacci(t *testing.T) {
	want := []int{0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55}
	for n, w := range want {
		if got := Fib(n); got != w {
			t.Errorf("Fib(%d) = %d, want %d", n, got, w)
		}
	}
	if got := Fib(90); got != 2880067194370816120 {
		t.Errorf("Fib(90) = %d, want 2880067194370816120", got)
	}
	time.Sleep(35 * time.Millisecond)
}

func TestEval(t *testing.T) {
	valid := []struct {
		expr string
		want int
	}{
		{"1 + 2 * 3", 7},
		{"(1 + 2) * 3", 9},
		{"100 / 7", 14},
		{"-(4 - 10) * 2", 12},
		{"2 * (3 + (4 - 1)) / 3", 4},
	}
	t.Run("valid", func(t *testing.T) {
		for _, tc := range valid {
			got, err := Eval(tc.expr)
			if err != nil {
				t.Errorf("Eval(%q): unexpected error: %v", tc.expr, err)
				continue
			}
			if got != tc.want {
				t.Errorf("Eval(%q) = %d, want %d", tc.expr, got, tc.want)
			}
		}
		time.Sleep(50 * time.Millisecond)
	})
	t.Run("invalid", func(t *testing.T) {
		for _, expr := range []string{"", "1 +", "(2 * 3", "4 / 0", "7 $ 2"} {
			if _, err := Eval(expr); err == nil {
				t.Errorf("Eval(%q): expected an error", expr)
			}
		}
		time.Sleep(50 * time.Millisecond)
	})
}

func BenchmarkEval(b *testing.B) {
	for b.Loop() {
		if _, err := Eval("2 * (3 + (4 - 1)) / 3 + 17 * 4"); err != nil {
			b.Fatal(err)
		}
	}
}
