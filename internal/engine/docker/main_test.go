package docker_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/docker"
)

// These tests drive the real engine DOCKER_HOST names (the local one by default).
// They build their only image from testdata/tool, so no registry is needed, and
// label every container so they can prove nothing is left behind.

const (
	procLabel = "paratest.enginetest"      // unique per test process
	testLabel = "paratest.enginetest.test" // the top-level test's name
)

var (
	procID   = fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	imageRef = fmt.Sprintf("paratest-enginetest:%d", os.Getpid())
)

// fixture is what the tests share: built once, torn down by TestMain.
var fixture struct {
	once    sync.Once
	skip    string // why the tests cannot run here
	err     error
	eng     *docker.Engine
	raw     *client.Client // for what the engine does not offer: importing, tagging, inspecting
	tool    []byte         // the static test tool, as built for the engine's platform
	arch    string         // the engine's GOARCH
	imageID string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := teardown(); err != nil {
		fmt.Fprintln(os.Stderr, "teardown:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// setup returns the shared engine, or skips the test when no engine answers a ping
// (fails instead with PARATEST_REQUIRE_E2E=1). It registers a check, run after the
// test's own cleanups, that the test left no container behind.
func setup(t *testing.T) *docker.Engine {
	t.Helper()
	fixture.once.Do(prepare)
	if fixture.skip != "" {
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
			t.Fatalf("PARATEST_REQUIRE_E2E=1 but %s", fixture.skip)
		}
		t.Skip(fixture.skip)
	}
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	labels := labelsFor(t, nil)
	t.Cleanup(func() {
		ids, err := fixture.eng.RemoveAll(context.Background(), labels)
		if err != nil {
			t.Errorf("clean up: %v", err)
		}
		if len(ids) > 0 {
			t.Errorf("test left containers behind: %v", ids)
		}
	})
	return fixture.eng
}

func prepare() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	eng, err := docker.New(docker.Options{})
	if err != nil {
		fixture.err = err
		return
	}
	pingCtx, cancelPing := context.WithTimeout(ctx, 10*time.Second)
	_, err = eng.Info(pingCtx) // a real ping: ClientVersion alone never touches the network
	cancelPing()
	if err != nil {
		fixture.skip = fmt.Sprintf("no Docker engine answers: %v", err)
		_ = eng.Close()
		return
	}
	fixture.eng = eng
	fixture.raw, err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		fixture.err = err
		return
	}
	fixture.err = importToolImage(ctx)
}

// importToolImage builds testdata/tool for the engine's platform and imports it as
// imageRef: /tool, plus a /tmp with its usual 1777 mode.
func importToolImage(ctx context.Context) error {
	info, err := fixture.raw.Info(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "paratest-enginetest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "tool")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./testdata/tool")
	fixture.arch = goarch(info.Architecture)
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+fixture.arch)
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build test tool: %v\n%s", err, out)
	}
	fixture.tool, err = os.ReadFile(bin)
	if err != nil {
		return err
	}
	rootfs, err := toolTar(fixture.tool)
	if err != nil {
		return err
	}
	rc, err := fixture.raw.ImageImport(ctx, image.ImportSource{Source: bytes.NewReader(rootfs), SourceName: "-"}, imageRef, image.ImportOptions{})
	if err != nil {
		return fmt.Errorf("import %s: %w", imageRef, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import %s: %w", imageRef, err)
	}
	img, err := fixture.raw.ImageInspect(ctx, imageRef)
	if err != nil {
		return err
	}
	fixture.imageID = img.ID
	return nil
}

// toolTar is the test image's root file system.
func toolTar(tool []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: now}); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "tool", Mode: 0o755, Size: int64(len(tool)), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(tool); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func goarch(engineArch string) string {
	switch engineArch {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return runtime.GOARCH
}

func teardown() error {
	if fixture.eng == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	ids, err := fixture.eng.RemoveAll(ctx, map[string]string{procLabel: procID})
	if len(ids) > 0 {
		errs = append(errs, fmt.Errorf("containers left behind: %v", ids))
	}
	errs = append(errs, err)
	if fixture.imageID != "" {
		if _, err := fixture.raw.ImageRemove(ctx, imageRef, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
			errs = append(errs, err)
		}
	}
	if fixture.raw != nil {
		errs = append(errs, fixture.raw.Close())
	}
	errs = append(errs, fixture.eng.Close())
	return errors.Join(errs...)
}

// labelsFor labels a container of t's top-level test, plus extra.
func labelsFor(t *testing.T, extra map[string]string) map[string]string {
	top, _, _ := strings.Cut(t.Name(), "/")
	l := map[string]string{procLabel: procID, testLabel: top}
	maps.Copy(l, extra)
	return l
}

// start starts a container of the test image running `tool sleep` unless spec says
// otherwise, and removes it when the test ends.
func start(t *testing.T, e engine.Engine, spec engine.ContainerSpec) engine.Container {
	t.Helper()
	if spec.Image == "" {
		spec.Image = imageRef
	}
	if spec.Cmd == nil {
		spec.Cmd = []string{"/tool", "sleep"}
	}
	spec.Labels = labelsFor(t, spec.Labels)
	c, err := e.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Remove(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

// run execs /tool with args and fails the test if the command's fate is unknown.
func run(t *testing.T, c engine.Container, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code, err := c.Exec(context.Background(), engine.ExecSpec{
		Cmd: append([]string{"/tool"}, args...), Env: env, Stdout: &o, Stderr: &e,
	})
	if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}
