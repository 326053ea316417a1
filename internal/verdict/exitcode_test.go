package verdict

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

func TestExitCode(t *testing.T) {
	type testCase struct {
		name  string
		batch Batch
		want  []Verdict
	}
	fn := func(t *testing.T, tc testCase) {
		got := ExitCode(tc.batch)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ExitCode (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{
			name:  "exit 0 passes every id and shares the time",
			batch: Batch{IDs: []string{"a", "b", "c"}, Duration: 3 * time.Second, Stdout: []byte("ok\n")},
			want: []Verdict{
				{ID: "a", Status: result.Passed, Duration: time.Second, Output: "ok\n"},
				{ID: "b", Status: result.Passed, Duration: time.Second, Output: "ok\n"},
				{ID: "c", Status: result.Passed, Duration: time.Second, Output: "ok\n"},
			},
		},
		{
			name:  "non-zero fails every id, output is stdout then stderr",
			batch: Batch{IDs: []string{"spec/a_spec.rb", "spec/b_spec.rb"}, ExitCode: 1, Duration: time.Second, Stdout: []byte("2 examples, 1 failure"), Stderr: []byte("warning: x\n")},
			want: []Verdict{
				{ID: "spec/a_spec.rb", Status: result.Failed, Duration: 500 * time.Millisecond, Message: "exit code 1", Output: "2 examples, 1 failure\nwarning: x\n"},
				{ID: "spec/b_spec.rb", Status: result.Failed, Duration: 500 * time.Millisecond, Message: "exit code 1", Output: "2 examples, 1 failure\nwarning: x\n"},
			},
		},
		{
			name:  "killed by a signal fails with its exit code",
			batch: Batch{IDs: []string{"t"}, ExitCode: 137},
			want:  []Verdict{{ID: "t", Status: result.Failed, Message: "exit code 137"}},
		},
		{
			name:  "127: command not found",
			batch: Batch{IDs: []string{"t"}, ExitCode: 127, Stderr: []byte("sh: 1: rspec: not found\n")},
			want:  []Verdict{{ID: "t", Status: result.Errored, Message: "command not found / not executable (exit 127)", Output: "sh: 1: rspec: not found\n"}},
		},
		{
			name:  "126: not executable",
			batch: Batch{IDs: []string{"t"}, ExitCode: 126},
			want:  []Verdict{{ID: "t", Status: result.Errored, Message: "command not found / not executable (exit 126)"}},
		},
		{
			name:  "duplicate ids each get a verdict",
			batch: Batch{IDs: []string{"t", "t"}, Duration: 2 * time.Second},
			want:  []Verdict{{ID: "t", Status: result.Passed, Duration: time.Second}, {ID: "t", Status: result.Passed, Duration: time.Second}},
		},
		{
			name:  "no ids",
			batch: Batch{ExitCode: 1},
			want:  []Verdict{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestExitCodeBoundsOutput(t *testing.T) {
	big := make([]byte, 2*MaxOutput)
	for i := range big {
		big[i] = 'x'
	}
	v := ExitCode(Batch{IDs: []string{"t"}, ExitCode: 1, Stdout: big})[0]
	if len(v.Output) > MaxOutput+64 {
		t.Errorf("Output is %d bytes, want about %d", len(v.Output), MaxOutput)
	}
}
