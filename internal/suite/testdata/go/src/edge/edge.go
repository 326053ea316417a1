// Package edge has the tests that end a test binary in ways the parity suite
// does not: os.Exit in a test, a panic in a subtest, a hang that the agent's
// timeout kills. capture.sh runs them to record the go adapter's testdata.
package edge
