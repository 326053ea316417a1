// Package benchtable is make bench's table, shared by the benchmarks of every
// package: each benchmark appends its rows to the file PARATEST_BENCH_TABLE
// names, and bench/speed.sh prints them. Only tests import it.
package benchtable

import (
	"os"
	"strings"
	"testing"
)

// Row appends one row — id, what, measured, baselines, ratio, target — to the
// table, tab-separated, and logs it.
func Row(b *testing.B, id, what, measured, baselines, ratio, target string) {
	b.Helper()
	row := strings.Join([]string{id, what, measured, baselines, ratio, target}, "\t") + "\n"
	b.Log(row)
	path := os.Getenv("PARATEST_BENCH_TABLE")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(row); err != nil {
		b.Fatal(err)
	}
}
