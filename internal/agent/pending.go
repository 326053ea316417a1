package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The outcomes a session could not deliver are kept in PendingDir as the frames
// it would have been sent, one file per run ID, for the next session of the
// container to ask for once. Every live server has a file there too, so that a
// query can tell "not kept yet" (an older server still runs the command) from
// "nothing to keep".

// keep writes o where a later session's query finds it.
func (s *server) keep(o *outcome) {
	if err := writeFrames(s.resultPath(o.id), o); err != nil {
		fmt.Fprintf(os.Stderr, "paratest agent: keep the result of run %d: %v\n", o.id, err)
	}
}

// writeFrames writes o as the frames a session would have been sent (tag 0),
// atomically.
func writeFrames(path string, o *outcome) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var werr error
	put := func(fr Frame) {
		if werr == nil {
			werr = WriteFrame(w, fr)
		}
	}
	for i, typ := range []FrameType{FrameStdout, FrameStderr} {
		for _, c := range chunks(o.tails[i].bytes()) {
			put(Frame{Type: typ, Payload: c})
		}
	}
	for _, c := range chunks(o.file) {
		put(Frame{Type: FrameData, Payload: c})
	}
	st, _ := o.status.MarshalBinary()
	put(Frame{Type: FrameExit, Payload: st})
	if werr == nil {
		werr = w.Flush()
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
	}
	return werr
}

// pending answers a query for the outcome of run id: the kept outcome, once, or
// None. While another server lives — the one of a session that ended, its
// command still running — it waits for that server's end, for the outcome may
// be that server's to keep.
func (s *server) pending(ctx context.Context, tag, id uint64) error {
	for {
		// Servers are looked at first: a server keeps its outcomes before
		// it ends.
		others := s.othersAlive()
		path := s.resultPath(id)
		frames, taken, err := claim(path)
		if err != nil {
			return err
		}
		if taken != "" {
			for _, f := range frames {
				f.Tag = tag
				if !s.send(f) {
					// This session ended too: the outcome waits for the next.
					return os.Rename(taken, path)
				}
			}
			return os.Remove(taken)
		}
		if !others {
			s.send(Frame{Type: FrameNone, Tag: tag})
			return nil
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil // cancelled: no reply is awaited
		case <-t.C:
		}
	}
}

// claim takes the outcome kept at path, so that only one query gets it, and
// returns its frames and where it now is ("" when there is none). The caller
// removes it once delivered.
func claim(path string) ([]Frame, string, error) {
	taken := fmt.Sprintf("%s.claimed-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	if err := os.Rename(path, taken); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", nil
		}
		return nil, "", err
	}
	frames, err := readFrames(taken)
	if err != nil {
		_ = os.Remove(taken) // unreadable: no later query would do better
		return nil, "", fmt.Errorf("read kept result %s: %w", path, err)
	}
	return frames, taken, nil
}

func readFrames(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var frames []Frame
	r := bufio.NewReader(f)
	for {
		fr, err := ReadFrame(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		frames = append(frames, fr)
	}
	if len(frames) == 0 || frames[len(frames)-1].Type != FrameExit {
		return nil, errors.New("no exit status")
	}
	return frames, nil
}

func (s *server) resultPath(id uint64) string {
	return filepath.Join(s.cfg.Dir, strconv.FormatUint(id, 10)+".result")
}

// register writes this server's file in Dir.
func (s *server) register() error {
	if err := os.MkdirAll(s.cfg.Dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.cfg.Dir, s.self), nil, 0o600)
}

// othersAlive says whether another server registered in Dir, of a live process,
// has not ended yet. The files of dead processes are removed.
func (s *server) othersAlive() bool {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return false
	}
	alive := false
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, "serve-")
		if !ok || name == s.self {
			continue
		}
		p, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			alive = true
		} else {
			_ = os.Remove(filepath.Join(s.cfg.Dir, name)) // killed before it could
		}
	}
	return alive
}
