package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Image makes sure ref is present according to policy; an empty policy means
// engine.PullMissing, Docker's own default.
func (e *Engine) Image(ctx context.Context, ref string, policy engine.PullPolicy, progress io.Writer) (engine.ImageInfo, error) {
	switch policy {
	case "":
		policy = engine.PullMissing
	case engine.PullMissing, engine.PullAlways, engine.PullNever:
	default:
		return engine.ImageInfo{}, fmt.Errorf("image %q on %s: unknown pull policy %q (want missing, always or never)", ref, e.host, policy)
	}
	if policy != engine.PullAlways {
		info, err := e.inspect(ctx, ref)
		switch {
		case err == nil:
			return info, nil
		case !isNotFound(err):
			return engine.ImageInfo{}, fmt.Errorf("inspect image %q on %s: %w", ref, e.host, ctxErr(ctx, err))
		case policy == engine.PullNever:
			return engine.ImageInfo{}, &imageNotFoundError{
				msg:   fmt.Sprintf("image %q not found on %s (pull: never); build it or set pull: missing", ref, e.host),
				cause: err,
			}
		}
	}
	if err := e.pull(ctx, ref, progress); err != nil {
		return engine.ImageInfo{}, err
	}
	info, err := e.inspect(ctx, ref)
	if err != nil {
		return engine.ImageInfo{}, fmt.Errorf("inspect image %q on %s after pull: %w", ref, e.host, ctxErr(ctx, err))
	}
	return info, nil
}

func (e *Engine) inspect(ctx context.Context, ref string) (engine.ImageInfo, error) {
	img, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		return engine.ImageInfo{}, err
	}
	info := engine.ImageInfo{Ref: ref, ID: img.ID}
	if img.Config != nil {
		info.Entrypoint, info.Cmd = img.Config.Entrypoint, img.Config.Cmd
	}
	return info, nil
}

func (e *Engine) pull(ctx context.Context, ref string, progress io.Writer) error {
	auth, err := registryAuth(ref)
	if err != nil {
		return fmt.Errorf("pull image %q on %s: credentials: %w", ref, e.host, err)
	}
	rc, err := e.cli.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: auth})
	if err != nil {
		// The engine answers "not found" before streaming when the registry lacks
		// the repository or tag, or refuses to say (pull access denied).
		if isNotFound(err) {
			return &imageNotFoundError{
				msg: fmt.Sprintf("pull image %q on %s: %v; check the name and tag, and that %s holds credentials for its registry (docker login)",
					ref, e.host, err, dockerConfigPath()),
				cause: err,
			}
		}
		return fmt.Errorf("pull image %q on %s: %w", ref, e.host, ctxErr(ctx, err))
	}
	defer rc.Close()
	if err := writeProgress(progress, rc); err != nil {
		return fmt.Errorf("pull image %q on %s: %w", ref, e.host, ctxErr(ctx, err))
	}
	return nil
}

// imageNotFoundError carries a message written for the user and still matches
// engine.ErrImageNotFound and the engine's own error.
type imageNotFoundError struct {
	msg   string
	cause error
}

func (e *imageNotFoundError) Error() string   { return e.msg }
func (e *imageNotFoundError) Unwrap() []error { return []error{engine.ErrImageNotFound, e.cause} }

// writeProgress decodes the engine's JSON message stream to its end, writing to w
// (when not nil) one line per status change: "<layer>: <status>" or "<status>".
// Progress-bar updates repeat a layer's status and are dropped, so the output suits
// a Jenkins console that has no cursor. An error message in the stream is returned.
func writeProgress(w io.Writer, r io.Reader) error {
	if w == nil {
		w = io.Discard
	}
	dec := json.NewDecoder(r)
	last := make(map[string]string)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read progress: %w", err)
		}
		if m.Error != nil {
			return errors.New(m.Error.Message)
		}
		status := oneLine(m.Status)
		if status == "" {
			continue
		}
		line := status
		if m.ID != "" {
			if last[m.ID] == status {
				continue
			}
			last[m.ID] = status
			line = m.ID + ": " + status
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return fmt.Errorf("write progress: %w", err)
		}
	}
}

// oneLine drops control characters (carriage returns, escapes) from s.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s))
}
