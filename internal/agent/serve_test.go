package agent

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// peer is a master talking to an in-process `agent serve` over pipes.
type peer struct {
	t      *testing.T
	in     *io.PipeWriter
	frames chan Frame
	done   chan struct{} // closed when serve returns
	err    error         // what it returned
}

func startServe(t *testing.T, dir string) *peer {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &peer{t: t, in: inW, frames: make(chan Frame, 1024), done: make(chan struct{})}
	cfg := serveConfig{Heartbeat: filepath.Join(dir, "heartbeat"), Dir: filepath.Join(dir, "pending")}
	go func() {
		p.err = serve(context.Background(), inR, outW, cfg)
		outW.Close()
		close(p.done)
	}()
	go func() {
		defer close(p.frames)
		for {
			f, err := ReadFrame(outR)
			if err != nil {
				return
			}
			p.frames <- f
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not return after stdin closed")
		}
	})
	if f := p.next(); f.Type != FrameHello || !bytes.Equal(f.Payload, []byte{0, 0, 0, ProtocolVersion}) {
		t.Fatalf("first frame %+v, want hello", f)
	}
	return p
}

func (p *peer) send(typ FrameType, tag uint64, payload []byte) {
	p.t.Helper()
	if err := WriteFrame(p.in, Frame{Type: typ, Tag: tag, Payload: payload}); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) run(tag uint64, req RunRequest) {
	p.t.Helper()
	b, _ := req.MarshalBinary()
	p.send(FrameRun, tag, b)
}

func (p *peer) next() Frame {
	p.t.Helper()
	select {
	case f, ok := <-p.frames:
		if !ok {
			p.t.Fatal("the agent's output ended")
		}
		return f
	case <-time.After(30 * time.Second):
		p.t.Fatal("no frame for 30s")
	}
	return Frame{}
}

// outcome collects the frames of tag up to the one that ends it.
type collected struct {
	stdout, stderr, data bytes.Buffer
	end                  Frame
	status               ExitStatus
}

func (p *peer) collect(tag uint64) *collected {
	p.t.Helper()
	var c collected
	for {
		f := p.next()
		if f.Tag != tag {
			p.t.Fatalf("frame %+v of another request, want tag %d", f, tag)
		}
		switch f.Type {
		case FrameStdout:
			c.stdout.Write(f.Payload)
		case FrameStderr:
			c.stderr.Write(f.Payload)
		case FrameData:
			c.data.Write(f.Payload)
		case FrameExit:
			if err := c.status.UnmarshalBinary(f.Payload); err != nil {
				p.t.Fatal(err)
			}
			c.end = f
			return &c
		default:
			c.end = f
			return &c
		}
	}
}

func TestServeRun(t *testing.T) {
	p := startServe(t, t.TempDir())
	p.run(1, RunRequest{ID: 10, Argv: []string{"sh", "-c", `echo "out $X"; echo err >&2; exit 3`}, Env: []string{"X=from-env"}})
	c := p.collect(1)
	if c.end.Type != FrameExit || c.status != (ExitStatus{Code: 3}) {
		t.Fatalf("ended by %+v, status %+v", c.end, c.status)
	}
	p.send(FrameAck, 1, nil)
	if c.stdout.String() != "out from-env\n" || c.stderr.String() != "err\n" {
		t.Errorf("stdout %q, stderr %q", c.stdout.String(), c.stderr.String())
	}
	p.run(2, RunRequest{ID: 11, Argv: []string{"/no/such/program"}})
	if c := p.collect(2); c.status.Code != ExitNotFound || !strings.Contains(c.stderr.String(), "/no/such/program") {
		t.Errorf("missing program: %+v, stderr %q", c.status, c.stderr.String())
	}
}

func TestServeTimeoutIsExplicit(t *testing.T) {
	p := startServe(t, t.TempDir())
	p.run(1, RunRequest{ID: 1, Argv: []string{"sleep", "300"}, Timeout: 100 * time.Millisecond})
	c := p.collect(1)
	if !c.status.TimedOut {
		t.Errorf("status %+v, want TimedOut", c.status)
	}
	if strings.Contains(c.stderr.String(), TimeoutMarker) {
		t.Errorf("stderr %q has the marker of `agent exec`", c.stderr.String())
	}
	p.run(2, RunRequest{ID: 2, Argv: []string{"sh", "-c", "exit 124"}, Timeout: time.Minute})
	if c := p.collect(2); c.status.TimedOut || c.status.Code != 124 {
		t.Errorf("exit 124: %+v", c.status)
	}
}

func TestServeResultFile(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir)
	file := filepath.Join(dir, "junit.xml")
	os.WriteFile(file, []byte("stale"), 0o644)
	for i, tc := range []struct {
		script string
		state  uint8
		want   string
	}{
		{"true", FileMissing, ""},
		{": > " + file, FileRead, ""},
		{"printf '<testsuites/>' > " + file, FileRead, "<testsuites/>"},
		{"rm " + file + "; mkdir " + file, FileFailed, ""},
	} {
		tag := uint64(i + 1)
		p.run(tag, RunRequest{ID: tag, Argv: []string{"sh", "-c", tc.script}, ResultFile: file})
		c := p.collect(tag)
		if c.status.File != tc.state || c.data.String() != tc.want {
			t.Errorf("%s: %+v, data %q; want file state %d, %q", tc.script, c.status, c.data.String(), tc.state, tc.want)
		}
	}
	os.Remove(file)
	p.run(9, RunRequest{ID: 9, Argv: []string{"sh", "-c", "head -c 3000000 /dev/zero > " + file}, ResultFile: file})
	if c := p.collect(9); c.data.Len() != 3000000 {
		t.Errorf("a 3 MB result file arrived as %d bytes", c.data.Len())
	}
}

func TestServeBeatReadRemoveWhileRunning(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir)
	p.run(1, RunRequest{ID: 1, Argv: []string{"sleep", "2"}})
	p.send(FrameBeat, 2, nil)
	if f := p.next(); f.Type != FrameOK || f.Tag != 2 {
		t.Fatalf("beat: %+v", f)
	}
	if _, err := os.Stat(filepath.Join(dir, "heartbeat")); err != nil {
		t.Error(err)
	}
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("content"), 0o644)
	req, _ := FileRequest{Path: file, Max: 4}.MarshalBinary()
	p.send(FrameRead, 3, req)
	if c := p.collect(3); c.end.Type != FrameOK || c.data.String() != "cont" {
		t.Errorf("read: %+v %q", c.end, c.data.String())
	}
	p.send(FrameRemove, 4, req)
	if f := p.next(); f.Type != FrameOK {
		t.Errorf("remove: %+v", f)
	}
	p.send(FrameRead, 5, req)
	f := p.next()
	var e ErrorReply
	if f.Type != FrameError || e.UnmarshalBinary(f.Payload) != nil || !e.NotExist {
		t.Errorf("read of a removed file: %+v %+v", f, e)
	}
	p.send(FrameRemove, 6, req) // missing: fine
	if f := p.next(); f.Type != FrameOK {
		t.Errorf("remove of a missing file: %+v", f)
	}
	if c := p.collect(1); c.status.Code != 0 {
		t.Errorf("the command: %+v", c.status)
	}
}

func TestServeCancel(t *testing.T) {
	p := startServe(t, t.TempDir())
	begin := time.Now()
	p.run(1, RunRequest{ID: 1, Argv: []string{"sh", "-c", "echo started; exec sleep 300"}})
	if f := p.next(); f.Type != FrameStdout {
		t.Fatalf("%+v, want output", f)
	}
	p.send(FrameCancel, 1, nil)
	if c := p.collect(1); c.end.Type != FrameExit || c.status.Code != 128+9 {
		t.Errorf("cancelled: %+v %+v", c.end, c.status)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestServeBadRequests(t *testing.T) {
	p := startServe(t, t.TempDir())
	p.send(FrameType(200), 1, nil)
	p.send(FrameRun, 2, []byte{1, 2, 3})
	p.run(3, RunRequest{ID: 3})
	for range 3 {
		if f := p.next(); f.Type != FrameError || f.Tag < 1 || f.Tag > 3 {
			t.Errorf("%+v, want an error reply to request 1, 2 or 3", f)
		}
	}
}

// A master slow to read loses nothing: the command waits for it.
func TestServeSlowMaster(t *testing.T) {
	p := startServe(t, t.TempDir())
	p.run(1, RunRequest{ID: 1, Argv: []string{"head", "-c", "8000000", "/dev/zero"}})
	time.Sleep(2 * time.Second) // longer than exec's WaitDelay
	if c := p.collect(1); c.stdout.Len() != 8000000 || c.status.Code != 0 {
		t.Errorf("%d bytes of stdout, %+v", c.stdout.Len(), c.status)
	}
}

// When stdin closes while a command runs, its outcome is kept for one query
// of a later session, which waits for the end of a command still running.
func TestServePendingAfterStdinCloses(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir)
	p.run(1, RunRequest{ID: 42, Argv: []string{"sh", "-c", "echo early; sleep 1; echo late; echo late-err >&2; echo res > " + dir + "/res; exit 5"}, ResultFile: dir + "/res"})
	if f := p.next(); f.Type != FrameStdout || string(f.Payload) != "early\n" {
		t.Fatalf("first output %+v", f)
	}
	p.in.Close()

	q := startServe(t, dir)
	q.send(FramePending, 7, MarshalU64(42))
	c := q.collect(7)
	if c.end.Type != FrameExit || c.status != (ExitStatus{Code: 5, File: FileRead}) {
		t.Fatalf("pending: %+v %+v", c.end, c.status)
	}
	if c.stdout.String() != "late\n" || c.stderr.String() != "late-err\n" || c.data.String() != "res\n" {
		t.Errorf("pending: stdout %q, stderr %q, file %q", c.stdout.String(), c.stderr.String(), c.data.String())
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("first serve: %v", p.err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the first serve did not end with its command")
	}
	q.send(FramePending, 8, MarshalU64(42))
	if f := q.next(); f.Type != FrameNone || f.Tag != 8 {
		t.Errorf("second query: %+v, want none", f)
	}
	q.send(FramePending, 9, MarshalU64(1234))
	if f := q.next(); f.Type != FrameNone {
		t.Errorf("unknown run: %+v, want none", f)
	}
}

// An outcome sent but not acknowledged when stdin closes may never have been
// read: it is kept too. An acknowledged one is not.
func TestServeKeepsUnacknowledged(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir)
	p.run(1, RunRequest{ID: 1, Argv: []string{"true"}})
	p.collect(1)
	p.send(FrameAck, 1, nil)
	p.run(2, RunRequest{ID: 2, Argv: []string{"sh", "-c", "exit 9"}})
	p.collect(2)
	p.in.Close()
	if <-p.done; p.err != nil {
		t.Fatal(p.err)
	}
	q := startServe(t, dir)
	q.send(FramePending, 1, MarshalU64(1))
	if f := q.next(); f.Type != FrameNone {
		t.Errorf("acknowledged run: %+v, want none", f)
	}
	q.send(FramePending, 2, MarshalU64(2))
	if c := q.collect(2); c.status.Code != 9 {
		t.Errorf("unacknowledged run: %+v %+v", c.end, c.status)
	}
	// The claimed outcome is removed once sent: soon after.
	var left []string
	for range 100 {
		left = left[:0]
		entries, _ := os.ReadDir(filepath.Join(dir, "pending"))
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), "serve-") { // q's own, while it lives
				left = append(left, e.Name())
			}
		}
		if len(left) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("left in the pending directory: %s", left)
	}
}

func TestServeEndsWithStdinWhenIdle(t *testing.T) {
	p := startServe(t, t.TempDir())
	p.in.Close()
	select {
	case <-p.done:
		if p.err != nil {
			t.Error(p.err)
		}
	case <-time.After(5 * time.Second):
		t.Error("serve did not end")
	}
}
