package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/pkg/jsonmessage"
)

// SaveImage streams ref as a `docker save` archive.
func (e *Engine) SaveImage(ctx context.Context, ref string) (io.ReadCloser, error) {
	rc, err := e.cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return nil, fmt.Errorf("save image %q on %s: %w", ref, e.host, ctxErr(ctx, err))
	}
	return rc, nil
}

// LoadImage loads a `docker save` archive. The engine answers with a JSON message
// stream whose errors are the load's errors.
func (e *Engine) LoadImage(ctx context.Context, archive io.Reader) error {
	resp, err := e.cli.ImageLoad(ctx, archive)
	if err != nil {
		return fmt.Errorf("load image on %s: %w", e.host, ctxErr(ctx, err))
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("load image on %s: %w", e.host, ctxErr(ctx, err))
	}
	return nil
}
