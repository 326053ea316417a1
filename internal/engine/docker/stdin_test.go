package docker_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Stdin reaches the command intact, and its EOF is the end of the command's
// input (the connection is half-closed), so `cat` ends.
func TestExecStdin(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	in := make([]byte, 3<<20+7)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range in {
		in[i] = byte(rnd.Uint32())
	}
	var out, errOut bytes.Buffer
	code, err := c.Exec(context.Background(), engine.ExecSpec{
		Cmd: []string{"/tool", "cat", "/dev/stdin"}, Stdin: bytes.NewReader(in), Stdout: &out, Stderr: &errOut,
	})
	if err != nil || code != 0 {
		t.Fatalf("code %d, err %v, stderr %q", code, err, errOut.String())
	}
	if !bytes.Equal(out.Bytes(), in) {
		t.Errorf("stdout: %d bytes, want the %d of stdin", out.Len(), len(in))
	}
	// Empty input: EOF at once.
	out.Reset()
	code, err = c.Exec(context.Background(), engine.ExecSpec{Cmd: []string{"/tool", "cat", "/dev/stdin"}, Stdin: bytes.NewReader(nil), Stdout: &out})
	if err != nil || code != 0 || out.Len() != 0 {
		t.Errorf("empty stdin: code %d, err %v, stdout %q", code, err, out.String())
	}
}

// A command that ends without reading its stdin ends the exec, although Stdin
// has not ended; closing Stdin's writer afterwards ends the engine's copy.
func TestExecStdinNotRead(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	r, w := io.Pipe()
	defer w.Close()
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), engine.ExecSpec{Cmd: []string{"/tool", "echo", "hi"}, Stdin: r})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Exec did not return while its Stdin was still open")
	}
}

// Stdin interleaves with output: a line written comes back before the next is
// written, so the stream is not buffered until EOF.
func TestExecStdinInteractive(t *testing.T) {
	e := setup(t)
	c := start(t, e, engine.ContainerSpec{})
	r, w := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		code, err := c.Exec(context.Background(), engine.ExecSpec{Cmd: []string{"/tool", "cat", "/dev/stdin"}, Stdin: r, Stdout: outW})
		if err == nil && code != 0 {
			err = io.ErrUnexpectedEOF
		}
		outW.CloseWithError(err)
		done <- err
	}()
	buf := make([]byte, 5)
	for _, msg := range []string{"one\n", "two\n", "three"} {
		if _, err := w.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(outR, buf[:len(msg)]); err != nil || string(buf[:len(msg)]) != msg {
			t.Fatalf("echoed %q, %v; want %q", buf[:len(msg)], err, msg)
		}
	}
	w.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
