package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
)

// BenchmarkSessionRun is the dispatch cost of a trivial command over a session:
// go test -run '^$' -bench Run ./internal/session. BenchmarkExecRun is the same
// command as the runner ran it before sessions, one engine exec per command
// (plus, with a result file, an exec to remove it and a copy to read it).
func BenchmarkSessionRun(b *testing.B) {
	for _, bc := range []struct {
		name string
		file string
	}{{"plain", ""}, {"result-file", "/tmp/junit.xml"}} {
		b.Run(bc.name, func(b *testing.B) {
			s := open(b, start(b))
			ctx := context.Background()
			var id uint64
			for b.Loop() {
				id++
				res, err := s.Run(ctx, session.Run{ID: id, Argv: []string{"/bin/true"}, ResultFile: bc.file})
				if err != nil || res.ExitCode != 0 {
					b.Fatal(res, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/command")
		})
	}
}

func BenchmarkExecRun(b *testing.B) {
	for _, bc := range []struct {
		name string
		file string
	}{{"plain", ""}, {"result-file", "/tmp/junit.xml"}} {
		b.Run(bc.name, func(b *testing.B) {
			c := start(b)
			ctx := context.Background()
			for b.Loop() {
				if bc.file != "" {
					if code, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{agent.Path, "agent", "rm", bc.file}}); err != nil || code != 0 {
						b.Fatal(code, err)
					}
				}
				code, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{agent.Path, "agent", "exec", "--", "/bin/true"}})
				if err != nil || code != 0 {
					b.Fatal(code, err)
				}
				if bc.file != "" {
					if _, err := c.ReadFile(ctx, bc.file, agent.MaxResultFile); !errors.Is(err, engine.ErrNotExist) {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/command")
		})
	}
}
