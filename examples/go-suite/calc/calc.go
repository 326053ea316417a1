// Package calc implements small integer arithmetic helpers used by the
// example suite.
package calc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ErrDivideByZero is returned by Div when the divisor is zero.
var ErrDivideByZero = errors.New("calc: division by zero")

// Rounding selects how Div rounds a non-exact quotient.
type Rounding int

const (
	// RoundDown truncates toward zero.
	RoundDown Rounding = iota
	// RoundHalfUp rounds to the nearest integer, halves away from zero.
	RoundHalfUp
)

// Add returns a+b.
func Add(a, b int) int { return a + b }

// Sub returns a-b.
func Sub(a, b int) int { return a - b }

// Mul returns a*b.
func Mul(a, b int) int { return a * b }

// Div divides a by b using the given rounding mode.
func Div(a, b int, mode Rounding) (int, error) {
	if b == 0 {
		return 0, ErrDivideByZero
	}
	q, r := a/b, a%b
	if mode == RoundHalfUp && r != 0 {
		if 2*abs(r) >= abs(b) {
			if (a < 0) != (b < 0) {
				q--
			} else {
				q++
			}
		}
	}
	return q, nil
}

// Pow returns base**exp for exp >= 0.
func Pow(base, exp int) int {
	result := 1
	for exp > 0 {
		if exp&1 == 1 {
			result *= base
		}
		base *= base
		exp >>= 1
	}
	return result
}

// GCD returns the greatest common divisor of a and b.
func GCD(a, b int) int {
	a, b = abs(a), abs(b)
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Primes returns all primes <= n (sieve of Eratosthenes).
func Primes(n int) []int {
	if n < 2 {
		return nil
	}
	composite := make([]bool, n+1)
	var out []int
	for i := 2; i <= n; i++ {
		if composite[i] {
			continue
		}
		out = append(out, i)
		for j := i * i; j <= n; j += i {
			composite[j] = true
		}
	}
	return out
}

// Fib returns the n-th Fibonacci number (Fib(0) == 0).
func Fib(n int) int {
	a, b := 0, 1
	for range n {
		a, b = b, a+b
	}
	return a
}

// Eval evaluates an integer expression with + - * / and parentheses.
// Division truncates toward zero.
func Eval(expr string) (int, error) {
	p := &parser{src: strings.TrimSpace(expr)}
	v, err := p.expr()
	if err != nil {
		return 0, err
	}
	p.skip()
	if p.pos != len(p.src) {
		return 0, fmt.Errorf("calc: unexpected %q at offset %d", p.src[p.pos], p.pos)
	}
	return v, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) skip() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *parser) peek() byte {
	p.skip()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) expr() (int, error) {
	v, err := p.term()
	if err != nil {
		return 0, err
	}
	for {
		switch op := p.peek(); op {
		case '+', '-':
			p.pos++
			r, err := p.term()
			if err != nil {
				return 0, err
			}
			if op == '+' {
				v += r
			} else {
				v -= r
			}
		default:
			return v, nil
		}
	}
}

func (p *parser) term() (int, error) {
	v, err := p.factor()
	if err != nil {
		return 0, err
	}
	for {
		switch op := p.peek(); op {
		case '*', '/':
			p.pos++
			r, err := p.factor()
			if err != nil {
				return 0, err
			}
			if op == '*' {
				v *= r
			} else if v, err = Div(v, r, RoundDown); err != nil {
				return 0, err
			}
		default:
			return v, nil
		}
	}
}

func (p *parser) factor() (int, error) {
	switch c := p.peek(); {
	case c == '(':
		p.pos++
		v, err := p.expr()
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, fmt.Errorf("calc: missing ')' at offset %d", p.pos)
		}
		p.pos++
		return v, nil
	case c == '-':
		p.pos++
		v, err := p.factor()
		return -v, err
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && unicode.IsDigit(rune(p.src[p.pos])) {
			p.pos++
		}
		return strconv.Atoi(p.src[start:p.pos])
	case c == 0:
		return 0, errors.New("calc: unexpected end of expression")
	default:
		return 0, fmt.Errorf("calc: unexpected %q at offset %d", c, p.pos)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
