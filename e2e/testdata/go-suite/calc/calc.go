// Package calc is integer arithmetic for the parity suite.
package calc

// Add returns a+b.
func Add(a, b int) int { return a + b }

// Mul returns a*b.
func Mul(a, b int) int { return a * b }

// Div returns a/b, rounded towards zero.
func Div(a, b int) int { return a / b }

// Pow returns a**n for n >= 0.
func Pow(a, n int) int {
	r := 1
	for range n {
		r *= a
	}
	return r
}
