package agent

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// The frames of `agent serve`: the one definition of the wire format the agent
// and the master's internal/session share. A frame is a 13-byte header — type
// (1 byte), tag (8), payload length (4), big-endian — and the payload.
//
// The master tags each request with a number of its own; every frame the agent
// sends about that request carries the same tag. A run is answered with Stdout
// and Stderr frames as the output comes, Data frames with the result file, and
// one Exit frame; a read with Data frames and OK; a beat, a removal and a
// cancellation with OK (cancel: none); a pending query with what the run would
// have sent, or None. Any request may instead be answered with one Error frame.
// The master acknowledges each Exit frame with Ack, so that the agent knows which
// results must be kept for a later session when its stdin closes.

// FrameType says what a frame is.
type FrameType uint8

// Requests, master to agent.
const (
	FrameRun     FrameType = 1 // payload: RunRequest
	FrameCancel  FrameType = 2 // tag: a run's; kill its command
	FrameBeat    FrameType = 3 // touch the heartbeat
	FrameRead    FrameType = 4 // payload: FileRequest
	FrameRemove  FrameType = 5 // payload: FileRequest (Max unused)
	FramePending FrameType = 6 // payload: the run's ID, 8 bytes
	FrameAck     FrameType = 7 // tag: a run's whose Exit frame arrived
)

// Replies, agent to master.
const (
	FrameHello  FrameType = 64 // tag 0, payload: ProtocolVersion, 4 bytes; sent once at start
	FrameStdout FrameType = 65 // payload: output bytes
	FrameStderr FrameType = 66
	FrameData   FrameType = 67 // payload: the next bytes of a file
	FrameExit   FrameType = 68 // payload: ExitStatus; ends a run
	FrameOK     FrameType = 69 // ends a beat, read or removal
	FrameNone   FrameType = 70 // ends a pending query: nothing is kept for that ID
	FrameError  FrameType = 71 // payload: ErrorReply; ends any request
)

// ProtocolVersion is sent in the Hello frame; a master refuses another.
const ProtocolVersion = 1

// MaxPayload bounds a frame's payload: longer output and files travel as several
// frames, so no frame holds up the others for long and a corrupt length cannot
// make a reader allocate gigabytes.
const MaxPayload = 1 << 20

const headerSize = 13

// Frame is one message of `agent serve`.
type Frame struct {
	Type    FrameType
	Tag     uint64
	Payload []byte
}

// ErrFrameTooLarge is returned for a frame whose payload exceeds MaxPayload.
var ErrFrameTooLarge = errors.New("frame too large")

// WriteFrame writes f with a single Write, so that frames written by one writer
// goroutine are never interleaved.
func WriteFrame(w io.Writer, f Frame) error {
	if len(f.Payload) > MaxPayload {
		return fmt.Errorf("write frame: %w (%d bytes)", ErrFrameTooLarge, len(f.Payload))
	}
	buf := make([]byte, headerSize+len(f.Payload))
	buf[0] = byte(f.Type)
	binary.BigEndian.PutUint64(buf[1:], f.Tag)
	binary.BigEndian.PutUint32(buf[9:], uint32(len(f.Payload)))
	copy(buf[headerSize:], f.Payload)
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one frame. It returns io.EOF at the end of the stream between
// frames and io.ErrUnexpectedEOF within one.
func ReadFrame(r io.Reader) (Frame, error) {
	f, _, err := ReadFrameInto(r, nil)
	return f, err
}

// ReadFrameInto is ReadFrame reading the payload into buf, grown as needed and
// returned for the next call: the frame's Payload is valid only until then. A
// reader of a stream of output frames allocates nothing per frame.
func ReadFrameInto(r io.Reader, buf []byte) (Frame, []byte, error) {
	if cap(buf) < headerSize {
		buf = make([]byte, headerSize) // a reader of many frames passes its own
	}
	h := buf[:headerSize] // read before the payload takes its place
	if _, err := io.ReadFull(r, h); err != nil {
		return Frame{}, buf, err
	}
	f := Frame{Type: FrameType(h[0]), Tag: binary.BigEndian.Uint64(h[1:])}
	n := binary.BigEndian.Uint32(h[9:])
	if n > MaxPayload {
		return Frame{}, buf, fmt.Errorf("read frame: %w (%d bytes)", ErrFrameTooLarge, n)
	}
	if n > 0 {
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		f.Payload = buf[:n]
		if _, err := io.ReadFull(r, f.Payload); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return Frame{}, buf, err
		}
	}
	return f, buf, nil
}

// RunRequest is the payload of a Run frame.
type RunRequest struct {
	ID         uint64 // the master's name for the run, across sessions: what Pending asks for
	Argv       []string
	Env        []string // KEY=VALUE, added to the agent's environment
	Timeout    time.Duration
	ResultFile string // removed before the command starts, read after it ends; "" for none
	// Keep lets what the command starts outlive it (setup's database); else
	// every process it started goes when it ends, those that left its process
	// group (setsid, a double fork) too.
	Keep bool
}

// MarshalBinary encodes r.
func (r RunRequest) MarshalBinary() ([]byte, error) {
	var e encoder
	e.u64(r.ID)
	e.u64(uint64(r.Timeout))
	e.str(r.ResultFile)
	e.strs(r.Argv)
	e.strs(r.Env)
	e.bool(r.Keep)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (r *RunRequest) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	r.ID = d.u64()
	r.Timeout = time.Duration(d.u64())
	r.ResultFile = d.str()
	r.Argv = d.strs()
	r.Env = d.strs()
	r.Keep = d.bool()
	return d.end("run request")
}

// FileRequest is the payload of a Read or Remove frame.
type FileRequest struct {
	Path string
	Max  int64 // bytes to read at most
}

// MarshalBinary encodes r.
func (r FileRequest) MarshalBinary() ([]byte, error) {
	var e encoder
	e.u64(uint64(r.Max))
	e.str(r.Path)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (r *FileRequest) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	r.Max = int64(d.u64())
	r.Path = d.str()
	return d.end("file request")
}

// File states of an ExitStatus.
const (
	FileNone    = 0 // no result file was asked for
	FileMissing = 1 // the command left no result file
	FileRead    = 2 // the Data frames before the Exit frame hold it
	FileFailed  = 3 // it could not be read: FileError says why
)

// ExitStatus is the payload of an Exit frame.
type ExitStatus struct {
	Code     int
	TimedOut bool // the timeout expired and the command's processes were killed
	// OutOfMemory: while the command ran, the kernel killed a process of the
	// container for going over its memory limit, MemoryLimit bytes (0 when
	// unknown).
	OutOfMemory bool
	MemoryLimit int64
	File        uint8
	FileError   string
}

// MarshalBinary encodes s.
func (s ExitStatus) MarshalBinary() ([]byte, error) {
	var e encoder
	e.u64(uint64(int64(s.Code)))
	e.bool(s.TimedOut)
	e.bool(s.OutOfMemory)
	e.u64(uint64(s.MemoryLimit))
	e.b = append(e.b, s.File)
	e.str(s.FileError)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (s *ExitStatus) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	s.Code = int(int64(d.u64()))
	s.TimedOut = d.bool()
	s.OutOfMemory = d.bool()
	s.MemoryLimit = int64(d.u64())
	s.File = d.byte()
	s.FileError = d.str()
	return d.end("exit status")
}

// ErrorReply is the payload of an Error frame.
type ErrorReply struct {
	NotExist bool // the file asked for does not exist
	Message  string
}

// MarshalBinary encodes r.
func (r ErrorReply) MarshalBinary() ([]byte, error) {
	var e encoder
	e.bool(r.NotExist)
	e.str(r.Message)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (r *ErrorReply) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	r.NotExist = d.bool()
	r.Message = d.str()
	return d.end("error reply")
}

// MarshalU64 and UnmarshalU64 encode the 8-byte payloads (a pending query's ID).
func MarshalU64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// UnmarshalU64 decodes what MarshalU64 encoded.
func UnmarshalU64(b []byte) (uint64, error) {
	d := decoder{b: b}
	v := d.u64()
	return v, d.end("number")
}

// encoder appends fixed-size big-endian numbers and length-prefixed strings.
type encoder struct{ b []byte }

func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) str(s string) { e.u32(uint32(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) strs(ss []string) {
	e.u32(uint32(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// decoder reads what encoder wrote; the first short or malformed field makes it
// return zero values from then on, and end reports it.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n int) []byte {
	if d.bad || n < 0 || len(d.b) < n {
		d.bad = true
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) byte() byte {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.bad = true
	return false
}

func (d *decoder) str() string { return string(d.take(int(d.u32()))) }

func (d *decoder) strs() []string {
	n := int(d.u32())
	if n > len(d.b)/4 { // each string takes at least its 4-byte length
		d.bad = true
		return nil
	}
	var ss []string
	for range n {
		ss = append(ss, d.str())
	}
	return ss
}

func (d *decoder) end(what string) error {
	if d.bad {
		return fmt.Errorf("malformed %s", what)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("malformed %s: %d bytes too many", what, len(d.b))
	}
	return nil
}
