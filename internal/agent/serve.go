package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// `agent serve` is one master session: it reads request frames (frame.go) on
// stdin and writes reply frames on stdout until stdin closes. Commands run one at
// a time, like `agent exec` runs them; beats, file reads and removals are answered
// while one runs. When stdin closes while a command runs, the command runs on to
// its end, and what the session could not deliver — the exit status, the result
// file and the end of the output — is kept in PendingDir for a later session to
// ask for once.

// PendingDir holds the results of runs whose session ended before they did,
// and a file for every live `agent serve`. It is under /tmp because the image's
// user may not be root.
const PendingDir = "/tmp/paratest-agent"

// MaxResultFile bounds the result file read after a run.
const MaxResultFile = 64 << 20

// TailMax bounds, per stream, the output kept with a pending result.
const TailMax = 64 << 10

// drainWait bounds how long the output of a command that has ended is still read,
// for processes that left its process group but hold its pipes.
const drainWait = time.Second

type serveConfig struct {
	Heartbeat string // touched by beats
	Dir       string // PendingDir
	Cgroup    string // where the container's cgroup is mounted; "" is CgroupRoot
}

// server is the state of one `agent serve`.
type server struct {
	cfg   serveConfig
	self  string        // its file in Dir: "serve-PID-START"
	out   chan Frame    // to the writer goroutine
	ended chan struct{} // stdin closed: nothing more is sent
	gone  chan struct{} // a write to stdout failed

	runMu sync.Mutex     // one command at a time
	runs  sync.WaitGroup // runs not finished yet
	reqs  sync.WaitGroup // other requests being answered

	mu       sync.Mutex
	closed   bool                          // ended is closed
	cancels  map[uint64]context.CancelFunc // by tag: runs and pending queries
	unacked  map[uint64]*outcome           // by tag: results sent, not acknowledged
	goneOnce sync.Once
}

// outcome is what a run leaves: everything a session is sent after its output.
type outcome struct {
	id     uint64
	status ExitStatus
	file   []byte
	tails  [2]tail // stdout, stderr: what could not be sent
}

func serve(ctx context.Context, stdin io.Reader, stdout io.Writer, cfg serveConfig) error {
	s := &server{
		cfg:     cfg,
		self:    fmt.Sprintf("serve-%d-%d", os.Getpid(), time.Now().UnixNano()),
		out:     make(chan Frame, 64),
		ended:   make(chan struct{}),
		gone:    make(chan struct{}),
		cancels: map[uint64]context.CancelFunc{},
		unacked: map[uint64]*outcome{},
	}
	// Until this server ends, a later session's query for an outcome waits.
	if err := s.register(); err != nil {
		fmt.Fprintf(os.Stderr, "paratest agent: %v; a later session will not wait for this one's results\n", err)
	}
	defer os.Remove(filepath.Join(cfg.Dir, s.self))
	written := make(chan struct{})
	go func() {
		defer close(written)
		s.write(stdout)
	}()
	s.send(Frame{Type: FrameHello, Payload: binary.BigEndian.AppendUint32(nil, ProtocolVersion)})

	frames, readErr, stop := make(chan Frame), make(chan error, 1), make(chan struct{})
	defer close(stop)
	go func() {
		r := bufio.NewReaderSize(stdin, 64<<10)
		for {
			f, err := ReadFrame(r)
			if err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- f:
			case <-stop:
				return
			}
		}
	}()
	// Pending queries end with the session; runs go on to their end.
	sessCtx, endSession := context.WithCancel(ctx)
	defer endSession()
	var err error
loop:
	for {
		select {
		case f := <-frames:
			s.handle(ctx, sessCtx, f)
		case err = <-readErr:
			if errors.Is(err, io.EOF) {
				err = nil // the master ended the session
			} else {
				err = fmt.Errorf("serve: read request: %w", err)
			}
			break loop
		case <-ctx.Done():
			err = fmt.Errorf("serve: %w", context.Cause(ctx))
			break loop
		}
	}
	s.mu.Lock()
	s.closed = true
	close(s.ended)
	s.mu.Unlock()
	endSession()
	s.runs.Wait() // a run that ends from now on keeps its outcome itself
	s.mu.Lock()
	unacked := s.unacked
	s.unacked = nil
	s.mu.Unlock()
	for _, o := range unacked { // sent, maybe never read
		s.keep(o)
	}
	s.reqs.Wait()
	// Replies already queued are written if stdout still takes them.
	select {
	case <-written:
	case <-time.After(2 * time.Second):
	}
	return err
}

// handle dispatches one request. It never blocks on stdout: replies are sent by
// goroutines, so that a master slow to read cannot stall the reading of its
// acknowledgements and cancellations.
func (s *server) handle(ctx, sessCtx context.Context, f Frame) {
	switch f.Type {
	case FrameRun:
		var req RunRequest
		if err := req.UnmarshalBinary(f.Payload); err != nil {
			s.goReply(f.Tag, func() { s.sendError(f.Tag, err) })
			return
		}
		runCtx, cancel := context.WithCancel(ctx)
		s.mu.Lock()
		s.cancels[f.Tag] = cancel
		s.mu.Unlock()
		s.runs.Add(1)
		go func() {
			defer s.runs.Done()
			defer cancel()
			s.run(runCtx, f.Tag, req)
		}()
	case FrameCancel:
		s.mu.Lock()
		if cancel := s.cancels[f.Tag]; cancel != nil {
			cancel()
		}
		s.mu.Unlock()
	case FrameAck:
		s.mu.Lock()
		delete(s.unacked, f.Tag) // delivered: nothing to keep
		s.mu.Unlock()
	case FrameBeat:
		s.goReply(f.Tag, func() {
			if err := beat(s.cfg.Heartbeat); err != nil {
				s.sendError(f.Tag, fmt.Errorf("beat: %w", err))
				return
			}
			s.send(Frame{Type: FrameOK, Tag: f.Tag})
		})
	case FrameRead:
		var req FileRequest
		err := req.UnmarshalBinary(f.Payload)
		s.goReply(f.Tag, func() {
			var data []byte
			if err == nil {
				data, err = readBounded(req.Path, req.Max)
			}
			if err != nil {
				s.sendError(f.Tag, err)
				return
			}
			if s.sendData(f.Tag, data) {
				s.send(Frame{Type: FrameOK, Tag: f.Tag})
			}
		})
	case FrameRemove:
		var req FileRequest
		err := req.UnmarshalBinary(f.Payload)
		s.goReply(f.Tag, func() {
			if err == nil {
				if err = os.Remove(req.Path); errors.Is(err, os.ErrNotExist) {
					err = nil
				}
			}
			if err != nil {
				s.sendError(f.Tag, err)
				return
			}
			s.send(Frame{Type: FrameOK, Tag: f.Tag})
		})
	case FramePending:
		id, err := UnmarshalU64(f.Payload)
		pctx, cancel := context.WithCancel(sessCtx)
		s.mu.Lock()
		s.cancels[f.Tag] = cancel
		s.mu.Unlock()
		s.goReply(f.Tag, func() {
			defer cancel()
			if err == nil {
				err = s.pending(pctx, f.Tag, id)
			}
			if err != nil {
				s.sendError(f.Tag, err)
			}
		})
	default:
		s.goReply(f.Tag, func() { s.sendError(f.Tag, fmt.Errorf("unknown request type %d", f.Type)) })
	}
}

func (s *server) goReply(tag uint64, fn func()) {
	s.reqs.Add(1)
	go func() {
		defer s.reqs.Done()
		defer s.forget(tag)
		fn()
	}()
}

func (s *server) forget(tag uint64) {
	s.mu.Lock()
	delete(s.cancels, tag)
	s.mu.Unlock()
}

// run runs one command once the one before it has ended, and delivers its outcome
// or keeps it for a later session.
func (s *server) run(ctx context.Context, tag uint64, req RunRequest) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	defer s.forget(tag)
	select {
	case <-s.ended:
		return // nobody waits for it, and no result is claimed: it never ran
	default:
	}
	if err := ctx.Err(); err != nil {
		s.sendError(tag, errors.New("cancelled before it started"))
		return
	}
	if len(req.Argv) == 0 {
		s.sendError(tag, errors.New("run: no command"))
		return
	}
	if req.ResultFile != "" {
		// A file left by an earlier command must not be read as this one's.
		if err := os.Remove(req.ResultFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.sendError(tag, fmt.Errorf("remove %s: %w", req.ResultFile, err))
			return
		}
	}
	o := &outcome{id: req.ID}
	ooms := s.oomKills()
	code, timedOut, err := s.command(ctx, tag, req, o)
	if err != nil {
		s.sendError(tag, fmt.Errorf("run: %w", err))
		return
	}
	o.status = ExitStatus{Code: code, TimedOut: timedOut}
	if s.oomKills() > ooms {
		o.status.OutOfMemory, o.status.MemoryLimit = true, memoryLimit(s.cgroup())
	}
	if req.ResultFile != "" {
		data, err := readBounded(req.ResultFile, MaxResultFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			o.status.File = FileMissing
		case err != nil:
			o.status.File, o.status.FileError = FileFailed, err.Error()
		default:
			o.status.File, o.file = FileRead, data
		}
	}
	s.finish(tag, o)
}

// command runs req's command with its output streamed as frames. The output goes
// through pipes of our own, not exec's copying goroutines, so that a master slow
// to read holds the command up instead of losing its last output.
func (s *server) command(ctx context.Context, tag uint64, req RunRequest, o *outcome) (code int, timedOut bool, err error) {
	var pipes [2][2]*os.File // stdout, stderr: read end, write end
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			for _, p := range pipes[:i] {
				p[0].Close()
				p[1].Close()
			}
			return 0, false, err
		}
		pipes[i] = [2]*os.File{r, w}
	}
	var copying sync.WaitGroup
	var ended atomic.Bool
	for i, typ := range []FrameType{FrameStdout, FrameStderr} {
		copying.Go(func() {
			defer pipes[i][0].Close()
			s.stream(pipes[i][0], typ, tag, &o.tails[i], &ended)
		})
	}
	code, timedOut = runCommand(ctx, req.Argv, req.Env, req.Timeout, req.Keep, pipes[0][1], pipes[1][1])
	ended.Store(true)
	for _, p := range pipes {
		p[1].Close()
		// What still holds the write end left the process group: read what it
		// wrote so far, not wait for it.
		_ = p[0].SetReadDeadline(time.Now().Add(drainWait))
	}
	copying.Wait()
	return code, timedOut, nil
}

// stream sends what r yields as frames of typ, into t once the session has ended.
func (s *server) stream(r *os.File, typ FrameType, tag uint64, t *tail, ended *atomic.Bool) {
	buf := make([]byte, 32<<10)
	lost := false
	for {
		if ended.Load() {
			_ = r.SetReadDeadline(time.Now().Add(drainWait))
		}
		n, err := r.Read(buf)
		if n > 0 {
			if !lost && !s.send(Frame{Type: typ, Tag: tag, Payload: bytes.Clone(buf[:n])}) {
				lost = true
			}
			if lost {
				t.write(buf[:n])
			}
		}
		if err != nil {
			return
		}
	}
}

// finish delivers o, or keeps it when the session is over. A delivered outcome
// is kept in memory until the master acknowledges it, for the session may end
// before the master read it.
func (s *server) finish(tag uint64, o *outcome) {
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.unacked[tag] = o
	}
	s.mu.Unlock()
	if closed {
		s.keep(o)
		return
	}
	if s.sendData(tag, o.file) {
		st, _ := o.status.MarshalBinary()
		s.send(Frame{Type: FrameExit, Tag: tag, Payload: st})
	}
}

// send queues f for stdout; false when the session is over and f was not queued.
func (s *server) send(f Frame) bool {
	select {
	case <-s.ended:
		return false
	case <-s.gone:
		return false
	default:
	}
	select {
	case s.out <- f:
		return true
	case <-s.ended:
		return false
	case <-s.gone:
		return false
	}
}

func (s *server) sendData(tag uint64, data []byte) bool {
	for _, c := range chunks(data) {
		if !s.send(Frame{Type: FrameData, Tag: tag, Payload: c}) {
			return false
		}
	}
	return true
}

func (s *server) sendError(tag uint64, err error) {
	p, _ := ErrorReply{NotExist: errors.Is(err, os.ErrNotExist), Message: err.Error()}.MarshalBinary()
	s.send(Frame{Type: FrameError, Tag: tag, Payload: p})
}

// write writes the queued frames to w until the session ends and the queue is
// empty, or w fails.
func (s *server) write(w io.Writer) {
	for {
		var f Frame
		select {
		case f = <-s.out:
		case <-s.ended:
			select {
			case f = <-s.out:
			default:
				return
			}
		}
		if err := WriteFrame(w, f); err != nil {
			s.goneOnce.Do(func() { close(s.gone) })
			return
		}
	}
}

// readBounded reads at most max bytes of the regular file at path.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, st.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, max))
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// chunks splits data into payloads of at most MaxPayload bytes.
func chunks(data []byte) [][]byte {
	var cs [][]byte
	for len(data) > 0 {
		n := min(len(data), MaxPayload)
		cs = append(cs, data[:n])
		data = data[n:]
	}
	return cs
}

// tail keeps the last TailMax bytes written to it.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) write(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2*TailMax {
		t.b = append([]byte(nil), t.b[len(t.b)-TailMax:]...)
	}
}

func (t *tail) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b[max(0, len(t.b)-TailMax):]
}
