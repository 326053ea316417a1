// Package slow has the parity suite's slow tests.
package slow
