package agent

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestFrameRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	var frames []Frame
	var stream bytes.Buffer
	for i := range 500 {
		f := Frame{Type: FrameType(rnd.IntN(256)), Tag: rnd.Uint64()}
		switch n := rnd.IntN(10); {
		case i == 0:
			f.Payload = make([]byte, MaxPayload) // the largest
		case n < 3:
			// none
		default:
			f.Payload = make([]byte, rnd.IntN(4000))
			for j := range f.Payload {
				f.Payload[j] = byte(rnd.Uint32())
			}
		}
		frames = append(frames, f)
		if err := WriteFrame(&stream, f); err != nil {
			t.Fatal(err)
		}
	}
	// Read through a reader that returns short reads, as a pipe may.
	r := &trickle{r: &stream, rnd: rnd}
	for i, want := range frames {
		got, err := ReadFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got.Type != want.Type || got.Tag != want.Tag || !bytes.Equal(got.Payload, want.Payload) {
			t.Fatalf("frame %d: type %d tag %d, %d bytes; want type %d tag %d, %d bytes",
				i, got.Type, got.Tag, len(got.Payload), want.Type, want.Tag, len(want.Payload))
		}
	}
	if _, err := ReadFrame(r); !errors.Is(err, io.EOF) {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

type trickle struct {
	r   io.Reader
	rnd *rand.Rand
}

func (t *trickle) Read(p []byte) (int, error) {
	n := 1 + t.rnd.IntN(7)
	if t.rnd.IntN(2) == 0 {
		n = 1 + t.rnd.IntN(64<<10)
	}
	return t.r.Read(p[:min(len(p), n)])
}

// Every cut of a frame but at its boundaries is io.ErrUnexpectedEOF.
func TestFrameTruncated(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, Frame{Type: FrameStdout, Tag: 9, Payload: []byte("hello, world")}); err != nil {
		t.Fatal(err)
	}
	whole := buf.Bytes()
	for n := range len(whole) {
		_, err := ReadFrame(bytes.NewReader(whole[:n]))
		want := io.ErrUnexpectedEOF
		if n == 0 {
			want = io.EOF
		}
		if !errors.Is(err, want) {
			t.Errorf("cut at %d of %d: err = %v, want %v", n, len(whole), err, want)
		}
	}
}

func TestFrameTooLarge(t *testing.T) {
	if err := WriteFrame(io.Discard, Frame{Payload: make([]byte, MaxPayload+1)}); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("write: %v", err)
	}
	// A corrupt length is refused before anything is allocated for it.
	hdr := []byte{byte(FrameData), 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}
	if _, err := ReadFrame(bytes.NewReader(hdr)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("read: %v", err)
	}
}

type payload interface {
	MarshalBinary() ([]byte, error)
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in  payload
		out interface{ UnmarshalBinary([]byte) error }
	}{
		{RunRequest{ID: 1<<63 + 5, Argv: []string{"go", "test", "", "a\x00b", "ünï"}, Env: []string{"A=1"}, Timeout: 90 * time.Second, ResultFile: "/tmp/r.xml", Keep: true}, &RunRequest{}},
		{RunRequest{Argv: []string{"true"}}, &RunRequest{}},
		{FileRequest{Path: "/tmp/x", Max: 64 << 20}, &FileRequest{}},
		{ExitStatus{Code: 137, TimedOut: true, File: FileFailed, FileError: "is a directory"}, &ExitStatus{}},
		{ExitStatus{Code: 137, OutOfMemory: true, MemoryLimit: 32 << 20, File: FileRead}, &ExitStatus{}},
		{ExitStatus{Code: -1}, &ExitStatus{}},
		{ErrorReply{NotExist: true, Message: "open /x: no such file"}, &ErrorReply{}},
	} {
		b, err := tc.in.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.out.UnmarshalBinary(b); err != nil {
			t.Fatalf("%T: %v", tc.in, err)
		}
		got := reflectValue(tc.out)
		if diff := cmp.Diff(tc.in, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%T (-want +got):\n%s", tc.in, diff)
		}
		// Every truncation, and a byte too many, is an error, never a panic.
		for n := range len(b) {
			if err := tc.out.UnmarshalBinary(b[:n]); err == nil {
				t.Errorf("%T cut at %d of %d: no error", tc.in, n, len(b))
			}
		}
		if err := tc.out.UnmarshalBinary(append(b, 0)); err == nil {
			t.Errorf("%T with a byte too many: no error", tc.in)
		}
	}
	if v, err := UnmarshalU64(MarshalU64(42)); v != 42 || err != nil {
		t.Errorf("u64: %d, %v", v, err)
	}
}

func reflectValue(p any) any {
	switch v := p.(type) {
	case *RunRequest:
		return *v
	case *FileRequest:
		return *v
	case *ExitStatus:
		return *v
	case *ErrorReply:
		return *v
	}
	panic("unknown payload")
}

// FuzzPayloads feeds arbitrary bytes to the decoders: errors, never panics or
// huge allocations.
func FuzzPayloads(f *testing.F) {
	b, _ := RunRequest{ID: 1, Argv: []string{"a", "b"}, Env: []string{"X=1"}}.MarshalBinary()
	f.Add(b)
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var r RunRequest
		if r.UnmarshalBinary(data) == nil {
			again, _ := r.MarshalBinary()
			if !bytes.Equal(again, data) {
				t.Errorf("decoded %+v re-encodes differently", r)
			}
		}
		_ = (&FileRequest{}).UnmarshalBinary(data)
		_ = (&ExitStatus{}).UnmarshalBinary(data)
		_ = (&ErrorReply{}).UnmarshalBinary(data)
		_, _ = ReadFrame(bytes.NewReader(data))
	})
}

// Reading a stream of output frames into one buffer allocates nothing per
// frame (a test printing gigabytes makes no garbage in the master).
func TestReadFrameIntoReusesItsBuffer(t *testing.T) {
	var stream bytes.Buffer
	for range 100 {
		if err := WriteFrame(&stream, Frame{Type: FrameStdout, Tag: 7, Payload: bytes.Repeat([]byte("x"), 4096)}); err != nil {
			t.Fatal(err)
		}
	}
	data := stream.Bytes()
	buf := make([]byte, 0, 8192)
	r := bytes.NewReader(data)
	allocs := testing.AllocsPerRun(10, func() {
		r.Reset(data)
		for {
			f, b, err := ReadFrameInto(r, buf)
			if err != nil {
				break
			}
			buf = b
			if len(f.Payload) != 4096 || f.Tag != 7 {
				t.Fatalf("frame %+v", f)
			}
		}
	})
	if allocs > 1 { // the io.EOF path
		t.Errorf("%v allocations per 100 frames, want none per frame", allocs)
	}
}
