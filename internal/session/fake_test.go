package session_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
)

// fakeContainer's Exec is a function: an agent that misbehaves on purpose. No
// engine is needed.
type fakeContainer struct {
	exec func(ctx context.Context, spec engine.ExecSpec) (int, error)
}

func (f *fakeContainer) ID() string { return "fakecontainer0123456789" }
func (f *fakeContainer) Exec(ctx context.Context, spec engine.ExecSpec) (int, error) {
	return f.exec(ctx, spec)
}
func (f *fakeContainer) ReadFile(context.Context, string, int64) ([]byte, error) {
	return nil, errors.New("not implemented")
}
func (f *fakeContainer) Remove(context.Context) error                     { return nil }
func (f *fakeContainer) Logs(context.Context, io.Writer, io.Writer) error { return nil }

func hello(w io.Writer) error {
	return agent.WriteFrame(w, agent.Frame{Type: agent.FrameHello, Payload: []byte{0, 0, 0, agent.ProtocolVersion}})
}

func TestOpenRefusesAnotherProtocol(t *testing.T) {
	for name, greet := range map[string][]byte{
		"version 2": {0, 0, 0, 2},
		"garbage":   []byte("Error: no such command\n"),
	} {
		t.Run(name, func(t *testing.T) {
			c := &fakeContainer{exec: func(ctx context.Context, spec engine.ExecSpec) (int, error) {
				if name == "garbage" {
					spec.Stdout.Write(greet)
				} else {
					agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameHello, Payload: greet})
				}
				<-ctx.Done()
				return -1, context.Cause(ctx)
			}}
			if _, err := session.Open(context.Background(), c); err == nil {
				t.Fatal("Open succeeded")
			} else {
				t.Log(err)
			}
		})
	}
}

// A protocol error ends the session, and the Run in progress fails: its fate is
// unknown.
func TestProtocolErrorEndsTheSession(t *testing.T) {
	c := &fakeContainer{exec: func(ctx context.Context, spec engine.ExecSpec) (int, error) {
		hello(spec.Stdout)
		agent.ReadFrame(spec.Stdin) // the run request
		agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameHello, Payload: []byte{0, 0, 0, 1}})
		// Go on writing: the session must not wait for us to stop.
		for ctx.Err() == nil {
			if agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameStdout, Tag: 1, Payload: []byte("x")}) != nil {
				break
			}
		}
		return -1, context.Cause(ctx)
	}}
	s, err := session.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Run(context.Background(), session.Run{ID: 1, Argv: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "second hello") {
		t.Errorf("err = %v, want the protocol error", err)
	}
	<-s.Done()
}

// A Run whose agent never answers ends at once with its ctx, sends a cancel
// frame, and writes nothing after it returned.
func TestRunCancelIsPrompt(t *testing.T) {
	got := make(chan agent.Frame, 10)
	c := &fakeContainer{exec: func(ctx context.Context, spec engine.ExecSpec) (int, error) {
		hello(spec.Stdout)
		for {
			f, err := agent.ReadFrame(spec.Stdin)
			if err != nil {
				return 0, nil
			}
			got <- f
			if f.Type == agent.FrameRun {
				agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameStdout, Tag: f.Tag, Payload: []byte("started\n")})
			}
			if f.Type == agent.FrameCancel {
				// Late output and exit of the killed command: dropped.
				agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameStdout, Tag: f.Tag, Payload: []byte("late\n")})
				st, _ := agent.ExitStatus{Code: 137}.MarshalBinary()
				agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameExit, Tag: f.Tag, Payload: st})
			}
		}
	}}
	s, err := session.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := newLockedBuffer()
	go func() {
		<-out.wrote
		cancel()
	}()
	_, err = s.Run(ctx, session.Run{ID: 1, Argv: []string{"sleep", "300"}, Stdout: out})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	want := []agent.FrameType{agent.FrameRun, agent.FrameCancel, agent.FrameAck}
	for _, w := range want {
		select {
		case f := <-got:
			if f.Type != w || f.Tag != 1 {
				t.Errorf("agent got %+v, want type %d for tag 1", f, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("agent never got frame type %d", w)
		}
	}
	if out.String() != "started\n" {
		t.Errorf("output %q, want none after Run returned", out.String())
	}
	if err := s.Beat(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Beat with a done ctx: %v", err)
	}
}

// The exec's own error is what Run and Err report when the stream breaks.
func TestStreamBreakReportsTheExecError(t *testing.T) {
	gone := errors.New("ssh: connection lost")
	c := &fakeContainer{exec: func(ctx context.Context, spec engine.ExecSpec) (int, error) {
		hello(spec.Stdout)
		agent.ReadFrame(spec.Stdin)
		agent.WriteFrame(spec.Stdout, agent.Frame{Type: agent.FrameStdout, Tag: 1, Payload: bytes.Repeat([]byte("y"), 100)})
		return -1, gone
	}}
	s, err := session.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	if _, err := s.Run(context.Background(), session.Run{ID: 1, Argv: []string{"true"}, Stdout: &out}); !errors.Is(err, gone) {
		t.Errorf("Run: %v", err)
	}
	<-s.Done()
	if !errors.Is(s.Err(), gone) {
		t.Errorf("Err: %v", s.Err())
	}
	if out.Len() != 100 {
		t.Errorf("output before the break: %d bytes", out.Len())
	}
}

// A Run after the stream broke, with no command running (the worker between
// two batches), was never sent: its error says so, besides the break's. One
// the agent was sent and saw break is not that.
func TestRunAfterTheBreakWasNotSent(t *testing.T) {
	gone := errors.New("connection reset by peer")
	c := &fakeContainer{exec: func(ctx context.Context, spec engine.ExecSpec) (int, error) {
		hello(spec.Stdout)
		agent.ReadFrame(spec.Stdin) // the first run, cut while it runs
		return -1, gone
	}}
	s, err := session.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Run(context.Background(), session.Run{ID: 1, Argv: []string{"true"}})
	if !errors.Is(err, gone) || errors.Is(err, session.ErrNotSent) {
		t.Errorf("the run the agent was sent: %v, want the break and not ErrNotSent", err)
	}
	<-s.Done()
	_, err = s.Run(context.Background(), session.Run{ID: 2, Argv: []string{"true"}})
	if !errors.Is(err, gone) || !errors.Is(err, session.ErrNotSent) {
		t.Errorf("the run after the break: %v, want the break and ErrNotSent", err)
	}
	if strings.Contains(err.Error(), session.ErrNotSent.Error()) {
		t.Errorf("message %q: the break alone is what a user reads", err)
	}
}
