// Package session is the master's side of `agent serve`: one long-lived exec per
// worker container carries every command the worker runs, its result file, file
// reads and removals and the heartbeat, as frames (internal/agent/frame.go) on
// the exec's stdin and stdout. A command then costs one round trip on an open
// stream instead of an exec's four or more API calls, and its end is an explicit
// exit frame, so "the command exited N" is never confused with "the stream broke".
//
// Lifecycle: Open starts the exec and waits for the agent's hello; the Session
// lives until Close, until the ctx given to Open ends, or until the stream breaks
// (the container died, the connection was lost), whichever comes first; Done is
// closed then and Err says why. Run calls must not overlap (a worker runs one
// batch at a time), but Beat, ReadFile, Remove and Pending may be called from
// other goroutines while a Run is in progress.
package session

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// ErrClosed is Err after Close.
var ErrClosed = errors.New("session closed")

// ErrNotSent is in the error of a request the session ended before sending:
// the agent never saw it (a Run of it ran nothing). The error's message is the
// session's end alone.
var ErrNotSent = errors.New("not sent")

// notSent is the error of a request that was never sent: err, the session's
// end, and ErrNotSent.
type notSent struct{ err error }

func (e notSent) Error() string   { return e.err.Error() }
func (e notSent) Unwrap() []error { return []error{e.err, ErrNotSent} }

// Session is one `agent serve` exec in a container. See the package comment.
type Session struct {
	name   string // the container's short id, for messages
	cancel context.CancelCauseFunc

	sendq   chan agent.Frame // requests, to the writer goroutine
	ctlMu   sync.Mutex
	ctl     []agent.Frame // acknowledgements and cancellations: never wait for room
	ctlSig  chan struct{} // a control frame is queued
	closing chan struct{} // Close was called
	once    sync.Once

	mu    sync.Mutex
	calls map[uint64]*call // by tag: requests awaiting their last frame
	tag   uint64

	agentErr tailBuffer // the agent's own stderr, for messages

	done chan struct{}
	err  error // set before done is closed
}

// call is one request awaiting its reply. The reader goroutine fills it; the
// requester reads it after the reply arrives on the channel.
type call struct {
	mu             sync.Mutex // held while the reader writes to stdout or stderr
	gone           bool       // the requester returned: its writers are not used again
	stdout, stderr io.Writer  // a run's; nil for a pending query, whose output is kept in tails
	werr           error      // the first write error
	tails          [2]tailBuffer
	data           []byte
	limit          int // bytes of Data frames accepted
	exit           bool
	reply          chan agent.Frame // the frame that ends the call; buffered
}

// Open starts `agent serve` in c and waits for it to greet. ctx bounds the
// session's whole life, not only the opening: when it ends, so does the session.
func Open(ctx context.Context, c engine.Container) (*Session, error) {
	execCtx, cancel := context.WithCancelCause(ctx)
	s := &Session{
		name:     shortID(c.ID()),
		cancel:   cancel,
		sendq:    make(chan agent.Frame, 16),
		ctlSig:   make(chan struct{}, 1),
		closing:  make(chan struct{}),
		calls:    map[uint64]*call{},
		done:     make(chan struct{}),
		agentErr: tailBuffer{max: 4 << 10},
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	execDone := make(chan struct{})
	go func() {
		defer close(execDone)
		code, err := c.Exec(execCtx, engine.ExecSpec{
			Cmd:    []string{agent.Path, "agent", "serve"},
			Stdin:  inR,
			Stdout: outW,
			Stderr: &s.agentErr,
		})
		if err == nil {
			err = fmt.Errorf("agent serve exited %d%s", code, s.agentErr.suffix())
		}
		// The reader sees the exec's own error (engine.ErrContainerGone, …),
		// and the engine's copy of stdin stops.
		outW.CloseWithError(err)
		inR.CloseWithError(err)
	}()
	hello := make(chan error, 1)
	go s.read(outR, hello, execDone)
	go s.write(inW)
	select {
	case err := <-hello:
		if err == nil {
			return s, nil
		}
		s.cancel(err)
		<-s.done
		return nil, fmt.Errorf("open session in %s: %w", s.name, err)
	case <-s.done:
		return nil, fmt.Errorf("open session in %s: %w", s.name, s.err)
	}
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended: ErrClosed after Close, else what broke the
// stream (the exec's error: engine.ErrContainerGone, the ctx's cause, …). It is
// nil while the session lives.
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Close ends the session: the agent's stdin closes, and a command it runs goes
// on to its end, its outcome kept for Pending. Close returns once the exec has
// ended; it is safe to call more than once and concurrently with the other
// methods, which then fail with ErrClosed.
func (s *Session) Close() error {
	s.once.Do(func() { close(s.closing) })
	// Closing the connection ends the agent's stdin too, should the end of the
	// pipe not have reached it yet.
	s.cancel(ErrClosed)
	<-s.done
	return nil
}

// read reads the agent's frames until the stream ends, then ends the session.
func (s *Session) read(r *io.PipeReader, hello chan<- error, execDone <-chan struct{}) {
	// Reads of a payload at least as large as the buffer bypass it: a small
	// one costs no throughput, and there is one per worker.
	br := bufio.NewReaderSize(r, 8<<10)
	err := s.greet(br)
	hello <- err
	// One payload buffer for the whole stream: output frames are written on
	// synchronously, so a test printing gigabytes makes no garbage here.
	buf := make([]byte, 0, 4096)
	for err == nil {
		var f agent.Frame
		if f, buf, err = agent.ReadFrameInto(br, buf); err == nil {
			switch f.Type {
			case agent.FrameStdout, agent.FrameStderr, agent.FrameData: // copied, or written on, by dispatch
			default: // kept beyond this frame: a reply
				f.Payload = bytes.Clone(f.Payload)
			}
			err = s.dispatch(f)
		}
	}
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("agent serve ended its output%s", s.agentErr.suffix())
	}
	s.cancel(err)
	r.CloseWithError(err) // the exec may be writing: it must not wait for us
	<-execDone
	select {
	case <-s.closing:
		err = ErrClosed
	default:
	}
	s.mu.Lock()
	calls := s.calls
	s.calls = nil
	s.mu.Unlock()
	for _, c := range calls {
		c.drop()
	}
	s.err = err
	close(s.done)
}

func (s *Session) greet(r io.Reader) error {
	f, err := agent.ReadFrame(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("agent serve ended before greeting%s", s.agentErr.suffix())
		}
		if errors.Is(err, agent.ErrFrameTooLarge) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("no hello from agent serve: %w%s", err, s.agentErr.suffix())
		}
		return err // the exec's own
	}
	if f.Type != agent.FrameHello || len(f.Payload) != 4 {
		return fmt.Errorf("agent serve: not a hello frame (type %d); is the agent in the container this binary?", f.Type)
	}
	if v := binary.BigEndian.Uint32(f.Payload); v != agent.ProtocolVersion {
		return fmt.Errorf("agent serve speaks protocol %d, this binary %d", v, agent.ProtocolVersion)
	}
	return nil
}

// dispatch hands one frame to the request it belongs to. Frames of a request
// the requester gave up are dropped. An error is a protocol error and ends the
// session.
func (s *Session) dispatch(f agent.Frame) error {
	if f.Type == agent.FrameExit {
		// Acknowledged even when nobody waits: the agent need not keep it.
		s.control(agent.Frame{Type: agent.FrameAck, Tag: f.Tag})
	}
	s.mu.Lock()
	c := s.calls[f.Tag]
	switch f.Type {
	case agent.FrameExit, agent.FrameOK, agent.FrameNone, agent.FrameError:
		delete(s.calls, f.Tag)
	}
	s.mu.Unlock()
	switch f.Type {
	case agent.FrameStdout, agent.FrameStderr:
		if c != nil {
			c.output(int(f.Type-agent.FrameStdout), f.Payload)
		}
	case agent.FrameData:
		if c != nil {
			if len(c.data)+len(f.Payload) > c.limit {
				return fmt.Errorf("agent serve: more than the %d bytes asked for", c.limit)
			}
			c.data = append(c.data, f.Payload...)
		}
	case agent.FrameExit, agent.FrameOK, agent.FrameNone, agent.FrameError:
		if c != nil {
			c.reply <- f
		}
	case agent.FrameHello:
		return errors.New("agent serve: a second hello")
	}
	// Other types are from a newer agent; the hello's version rules them out.
	return nil
}

func (c *call) output(stream int, p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.werr != nil {
		return
	}
	w := c.stdout
	if stream == 1 {
		w = c.stderr
	}
	if w == nil {
		c.tails[stream].Write(p)
		return
	}
	_, c.werr = w.Write(p)
}

// drop makes sure the reader writes nothing more to the call's writers.
func (c *call) drop() {
	c.mu.Lock()
	c.gone = true
	c.mu.Unlock()
}

// write writes requests, control frames first, until the session closes or
// ends; closing the pipe is the end of the agent's stdin.
func (s *Session) write(w *io.PipeWriter) {
	defer w.Close()
	for {
		select {
		case <-s.closing:
			return
		case <-s.done:
			return
		case <-s.ctlSig:
		case f := <-s.sendq:
			if !s.flushControl(w) || agent.WriteFrame(w, f) != nil {
				return
			}
			continue
		}
		if !s.flushControl(w) {
			return
		}
	}
}

func (s *Session) flushControl(w io.Writer) bool {
	s.ctlMu.Lock()
	fs := s.ctl
	s.ctl = nil
	s.ctlMu.Unlock()
	for _, f := range fs {
		if agent.WriteFrame(w, f) != nil {
			return false
		}
	}
	return true
}

// control queues a frame that must not wait for room: the reader sends acks.
func (s *Session) control(f agent.Frame) {
	s.ctlMu.Lock()
	s.ctl = append(s.ctl, f)
	s.ctlMu.Unlock()
	select {
	case s.ctlSig <- struct{}{}:
	default:
	}
}

// call sends a request and waits for the frame that ends it. When ctx ends
// first, the agent is told to stop (cancelTag) and ctx's cause is returned.
func (s *Session) call(ctx context.Context, c *call, typ agent.FrameType, payload []byte) (agent.Frame, error) {
	if len(payload) > agent.MaxPayload {
		return agent.Frame{}, fmt.Errorf("request of %d bytes: more than the %d a frame holds", len(payload), agent.MaxPayload)
	}
	if ctx.Err() != nil {
		return agent.Frame{}, context.Cause(ctx)
	}
	c.reply = make(chan agent.Frame, 1)
	s.mu.Lock()
	if s.calls == nil {
		s.mu.Unlock()
		<-s.done
		return agent.Frame{}, notSent{s.err}
	}
	s.tag++
	tag := s.tag
	s.calls[tag] = c
	s.mu.Unlock()
	abandon := func() {
		s.mu.Lock()
		delete(s.calls, tag)
		s.mu.Unlock()
		c.drop()
	}
	select {
	case s.sendq <- agent.Frame{Type: typ, Tag: tag, Payload: payload}:
	case <-ctx.Done():
		abandon()
		return agent.Frame{}, context.Cause(ctx)
	case <-s.done:
		abandon()
		return agent.Frame{}, notSent{s.err}
	}
	select {
	case f := <-c.reply:
		return f, nil
	case <-ctx.Done():
		abandon()
		s.control(agent.Frame{Type: agent.FrameCancel, Tag: tag})
		return agent.Frame{}, context.Cause(ctx)
	case <-s.done:
		abandon()
		select {
		case f := <-c.reply: // it came just before the end
			return f, nil
		default:
		}
		return agent.Frame{}, s.err
	}
}

// replyError turns an Error frame into an error.
func replyError(f agent.Frame) error {
	var r agent.ErrorReply
	if err := r.UnmarshalBinary(f.Payload); err != nil {
		return err
	}
	if r.NotExist {
		return fmt.Errorf("%s: %w", r.Message, engine.ErrNotExist)
	}
	return errors.New(r.Message)
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2*t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.b[max(0, len(t.b)-t.max):]...)
}

// suffix is ": <what the agent said>" for messages, or "".
func (t *tailBuffer) suffix() string {
	if b := t.bytes(); len(b) > 0 {
		return ": " + string(bytes.TrimSpace(b))
	}
	return ""
}

func shortID(id string) string {
	if strings.Trim(id, "0123456789abcdef") != "" { // a pod's name, not a Docker id
		return id
	}
	return id[:min(len(id), 12)]
}
