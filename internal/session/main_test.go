package session_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/docker"
	"github.com/jenkins-paratest/jenkins-paratest/internal/session"
)

// These tests drive the real engine DOCKER_HOST names (the local one by default),
// with an image imported from a tar: /bin/busybox (static, from the host) and
// its applets as links, and /tmp. The agent is internal/agent built static
// (testdata/agent) and copied in as the runner copies its own binary.

const procLabel = "paratest.sessiontest"

var (
	procID   = fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	imageRef = fmt.Sprintf("paratest-sessiontest:%d", os.Getpid())
)

var fixture struct {
	once  sync.Once
	skip  string
	err   error
	eng   *docker.Engine
	raw   *client.Client
	agent []byte
	image bool
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

// applets are linked to busybox in the image.
var applets = []string{"sh", "true", "false", "sleep", "cat", "head", "echo", "printf", "kill", "ps", "seq", "dd"}

func setup(tb testing.TB) *docker.Engine {
	tb.Helper()
	fixture.once.Do(prepare)
	if fixture.skip != "" {
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
			tb.Fatalf("PARATEST_REQUIRE_E2E=1 but %s", fixture.skip)
		}
		tb.Skip(fixture.skip)
	}
	if fixture.err != nil {
		tb.Fatal(fixture.err)
	}
	return fixture.eng
}

func prepare() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := os.Stat("/bin/busybox"); err != nil {
		fixture.skip = "no /bin/busybox to build the test image with"
		return
	}
	eng, err := docker.New(docker.Options{})
	if err != nil {
		fixture.err = err
		return
	}
	pingCtx, cancelPing := context.WithTimeout(ctx, 10*time.Second)
	_, err = eng.Info(pingCtx) // a real ping
	cancelPing()
	if err != nil {
		fixture.skip = fmt.Sprintf("no Docker engine answers: %v", err)
		_ = eng.Close()
		return
	}
	fixture.eng = eng
	if fixture.raw, err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation()); err != nil {
		fixture.err = err
		return
	}
	if fixture.agent, err = buildAgent(ctx); err != nil {
		fixture.err = err
		return
	}
	fixture.err = importImage(ctx)
}

func buildAgent(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "paratest-sessiontest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "agent")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./testdata/agent")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the agent: %v\n%s", err, out)
	}
	return os.ReadFile(bin)
}

func importImage(ctx context.Context) error {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	hdrs := []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: now},
		{Typeflag: tar.TypeDir, Name: "bin/", Mode: 0o755, ModTime: now},
	}
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb)), ModTime: now}); err != nil {
		return err
	}
	if _, err := tw.Write(bb); err != nil {
		return err
	}
	for _, a := range applets {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", ModTime: now}); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	rc, err := fixture.raw.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, imageRef,
		image.ImportOptions{Changes: []string{"ENV PATH=/bin"}})
	if err != nil {
		return fmt.Errorf("import %s: %w", imageRef, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import %s: %w", imageRef, err)
	}
	fixture.image = true
	return nil
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
	if fixture.image {
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

// start starts a worker container as the runner does: the agent idles as its
// main process. It is removed when the test ends.
func start(tb testing.TB, files ...engine.File) engine.Container {
	tb.Helper()
	e := setup(tb)
	c, err := e.Start(context.Background(), engine.ContainerSpec{
		Image:  imageRef,
		Labels: map[string]string{procLabel: procID},
		Cmd:    []string{agent.Path, "agent", "idle"},
		Files:  append([]engine.File{{Path: agent.Path, Mode: 0o755, Data: fixture.agent}}, files...),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := c.Remove(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return c
}

// open opens a session in c, closed when the test ends.
func open(tb testing.TB, c engine.Container) *session.Session {
	tb.Helper()
	s, err := session.Open(context.Background(), c)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
