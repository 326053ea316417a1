// Package exit owns the process exit codes. Errors carry their code up to main,
// which is the one place that calls os.Exit.
package exit

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// The exit codes, documented in the README.
const (
	OK          = 0 // every test passed (flaky tests allowed)
	TestsFailed = 1 // tests failed; reports were written
	Usage       = 2 // bad flag, config or input
	Infra       = 3 // infrastructure error: engine, image, hosts, all workers lost
	// 128+signal when interrupted by a signal.
)

// Error is an error with the exit code it ends the process with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Usagef returns a usage or configuration error (exit 2).
func Usagef(format string, a ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, a...)}
}

// Infraf returns an infrastructure error (exit 3).
func Infraf(format string, a ...any) error {
	return &Error{Code: Infra, Err: fmt.Errorf(format, a...)}
}

// WithCode wraps err with a code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Signal is the cause a context is cancelled with when a signal arrives.
type Signal struct{ Sig os.Signal }

func (s Signal) Error() string { return "interrupted by " + s.Sig.String() }

// Code maps an error to the exit code: nil is 0, an Error its code, a Signal
// 128+signal, anything else Infra.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var s Signal
	if errors.As(err, &s) {
		if n, ok := s.Sig.(syscall.Signal); ok {
			return 128 + int(n)
		}
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Infra
}
