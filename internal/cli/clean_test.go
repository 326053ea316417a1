package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

func TestClean(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name       string
		args       []string // after "clean --config="
		removed    []runner.Removed
		err        error
		cause      error // the context's, when cancelled
		wantCode   int
		wantRunID  string
		wantAll    bool
		wantStdout string
		wantStderr string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		ctx := context.Background()
		if tc.cause != nil {
			c, cancel := context.WithCancelCause(ctx)
			cancel(tc.cause)
			ctx = c
		}
		f := &fakeRunner{removed: tc.removed, err: tc.err}
		var stdout, stderr bytes.Buffer
		d := f.deps(&stdout, &stderr)
		d.lookupEnv = homeEnv
		code := execute(ctx, append([]string{"clean", "--config="}, tc.args...), d)
		if code != tc.wantCode {
			t.Errorf("exit code %d, want %d", code, tc.wantCode)
		}
		if diff := cmp.Diff(tc.wantStdout, stdout.String()); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(tc.wantStderr, stderr.String()); diff != "" {
			t.Errorf("stderr (-want +got):\n%s", diff)
		}
		if f.cfg != nil && f.all != tc.wantAll {
			t.Errorf("runner got all %v, want %v", f.all, tc.wantAll)
		}
		if f.cfg != nil && f.runID != tc.wantRunID {
			t.Errorf("runner got run id %q, want %q", f.runID, tc.wantRunID)
		}
	}
	for _, tc := range []testCase{
		{
			name: "every run",
			args: []string{"--matrix", "hosts.yml"},
			removed: []runner.Removed{
				{Host: "b01", Containers: []string{"4f2a9c1d0e3b", "9c1d0e3b4f2a"}},
				{Host: "b02"},
				{Host: "10.0.0.6", Containers: []string{"0e3b4f2a9c1d"}},
			},
			wantStdout: "removed 4f2a9c1d0e3b on b01\nremoved 9c1d0e3b4f2a on b01\nremoved 0e3b4f2a9c1d on 10.0.0.6\nremoved 3 containers on 3 hosts\n",
		},
		{
			name:       "one run",
			args:       []string{"--run", "jenkins-app-42", "--run-id", "ignored"},
			removed:    []runner.Removed{{Host: "local", Containers: []string{"4f2a9c1d0e3b"}}},
			wantRunID:  "jenkins-app-42",
			wantStdout: "removed 4f2a9c1d0e3b on local\nremoved 1 container on 1 host\n",
		},
		{
			name:       "live runs left",
			removed:    []runner.Removed{{Host: "b01", Containers: []string{"4f2a9c1d0e3b"}, Live: 8}, {Host: "b02", Live: 1}},
			wantStdout: "removed 4f2a9c1d0e3b on b01\nremoved 1 container on 2 hosts\nleft 9 running containers of runs going on now (--all removes them too)\n",
		},
		{
			name:       "every run, live ones too",
			args:       []string{"--all"},
			removed:    []runner.Removed{{Host: "local", Containers: []string{"4f2a9c1d0e3b"}}},
			wantAll:    true,
			wantStdout: "removed 4f2a9c1d0e3b on local\nremoved 1 container on 1 host\n",
		},
		{
			name:       "nothing left",
			removed:    []runner.Removed{{Host: "local"}},
			wantStdout: "removed 0 containers on 1 host\n",
		},
		{
			name: "a host fails",
			args: []string{"--matrix", "hosts.yml"},
			removed: []runner.Removed{
				{Host: "b01", Containers: []string{"4f2a9c1d0e3b"}},
				{Host: "b02", Err: errors.New("dial build-02:22: connection refused\nretried 3 times")},
				{Host: "b03", Containers: []string{"9c1d0e3b4f2a"}, Err: errors.New("remove 0e3b4f2a9c1d: no such container")},
				{Host: "b04"},
			},
			wantCode:   exit.Infra,
			wantStdout: "removed 4f2a9c1d0e3b on b01\nremoved 9c1d0e3b4f2a on b03\nremoved 2 containers on 2 hosts\n",
			wantStderr: "jenkins-paratest: clean b02: dial build-02:22: connection refused; retried 3 times\njenkins-paratest: clean b03: remove 0e3b4f2a9c1d: no such container\n",
		},
		{
			name:       "interrupted",
			removed:    []runner.Removed{{Host: "b01", Err: context.Canceled}},
			cause:      exit.Signal{Sig: syscall.SIGTERM},
			wantCode:   143,
			wantStdout: "removed 0 containers on 0 hosts\n",
			wantStderr: "jenkins-paratest: clean b01: context canceled\njenkins-paratest: interrupted by terminated\n",
		},
		{
			name:       "runner error",
			args:       []string{"--matrix", "hosts.yml"},
			err:        exit.Usagef("matrix hosts.yml: no such file"),
			wantCode:   exit.Usage,
			wantStderr: "jenkins-paratest: matrix hosts.yml: no such file\n",
		},
		{
			name:       "config error",
			args:       []string{"--matrix", "hosts.yml", "--orphan-ttl", "1s"},
			wantCode:   exit.Usage,
			wantStderr: "jenkins-paratest: --orphan-ttl: must be ≥ 5s, got 1s\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestCheckAndCleanHelp(t *testing.T) {
	code, stdout, _ := mainIn(t, nil, "clean", "--help")
	help := strings.Join(strings.Fields(stdout), " ")
	for _, want := range []string{"--run=ID", "--run-id=ID", "--matrix=FILE", "--identity=FILE"} {
		if !strings.Contains(help, want) {
			t.Errorf("clean --help does not mention %s", want)
		}
	}
	if code != 0 || strings.Contains(strings.ToLower(help), "--ssh-passphrase") {
		t.Errorf("clean --help: exit code %d, or a passphrase flag:\n%s", code, stdout)
	}
	code, stdout, _ = mainIn(t, nil, "--help")
	if code != 0 || !strings.Contains(stdout, "check") || !strings.Contains(stdout, "clean") {
		t.Errorf("--help: exit code %d, want 0 and the check and clean commands:\n%s", code, stdout)
	}
}
