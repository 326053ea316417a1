package docker_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// fakeRegistry serves one image over the registry v2 API on 127.0.0.1, which the
// engine treats as an insecure registry by default. It demands basic auth.
type fakeRegistry struct {
	host     string // 127.0.0.1:port
	repo     string
	tag      string
	user     string
	pass     string
	configID string // the config blob's digest: the pulled image's ID
	blobs    map[string][]byte
	manifest []byte
	digest   string // the manifest's
	authOK   atomic.Int32
	authBad  atomic.Int32
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func newFakeRegistry(t *testing.T) *fakeRegistry {
	t.Helper()
	rootfs, err := toolTar(fixture.tool)
	if err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	zw := gzip.NewWriter(&layer)
	if _, err := zw.Write(rootfs); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	config, err := json.Marshal(map[string]any{
		"architecture": fixture.arch,
		"os":           "linux",
		"config":       map[string]any{"Entrypoint": []string{"/tool"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{digestOf(rootfs)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeRegistry{
		repo: "paratest/enginetest", tag: fmt.Sprint(os.Getpid()),
		user: "paratest", pass: "s3cret-Pa55",
		configID: digestOf(config),
		blobs:    map[string][]byte{digestOf(config): config, digestOf(layer.Bytes()): layer.Bytes()},
	}
	r.manifest, err = json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.docker.distribution.manifest.v2+json",
		"config": map[string]any{
			"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digestOf(config),
		},
		"layers": []map[string]any{{
			"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": layer.Len(), "digest": digestOf(layer.Bytes()),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.digest = digestOf(r.manifest)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

func (r *fakeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if user, pass, ok := req.BasicAuth(); !ok || user != r.user || pass != r.pass {
		if ok {
			r.authBad.Add(1)
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
		regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	r.authOK.Add(1)
	prefix := "/v2/" + r.repo + "/"
	switch p := req.URL.Path; {
	case p == "/v2/":
		fmt.Fprint(w, "{}")
	case p == prefix+"manifests/"+r.tag || p == prefix+"manifests/"+r.digest:
		w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
		w.Header().Set("Docker-Content-Digest", r.digest)
		http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(r.manifest))
	case strings.HasPrefix(p, prefix+"manifests/"):
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
	case strings.HasPrefix(p, prefix+"blobs/") && r.blobs[strings.TrimPrefix(p, prefix+"blobs/")] != nil:
		d := strings.TrimPrefix(p, prefix+"blobs/")
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(r.blobs[d]))
	default:
		regError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
	}
}

// regError answers like the distribution registry, detail included: without it the
// engine does not recognise MANIFEST_UNKNOWN as "not found" (it answers 500).
func regError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q,"detail":{}}]}`, code, msg)
}

// writeDockerConfig points DOCKER_CONFIG at a config file holding auths.
func writeDockerConfig(t *testing.T, auths map[string]string) {
	t.Helper()
	entries := make(map[string]any)
	for host, userPass := range auths {
		entries[host] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(userPass))}
	}
	data, err := json.Marshal(map[string]any{"auths": entries})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestPull(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	reg := newFakeRegistry(t)
	ref := reg.host + "/" + reg.repo + ":" + reg.tag
	t.Cleanup(func() {
		_, err := fixture.raw.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil {
			t.Errorf("remove pulled image: %v", err)
		}
	})
	writeDockerConfig(t, map[string]string{
		"https://index.docker.io/v1/": "hub-user:hub-pass", // another registry's: not sent
		reg.host:                      reg.user + ":" + reg.pass,
	})

	var progress bytes.Buffer
	img, err := e.Image(ctx, ref, engine.PullMissing, &progress)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	t.Logf("progress:\n%s", progress.String())
	if img.ID != reg.configID {
		t.Errorf("ID = %s, want the config digest %s", img.ID, reg.configID)
	}
	if reg.authOK.Load() == 0 || reg.authBad.Load() != 0 {
		t.Errorf("registry saw %d good and %d bad credentials, want only good ones", reg.authOK.Load(), reg.authBad.Load())
	}
	checkProgress(t, progress.String(), "Status: Downloaded newer image for "+ref)

	progress.Reset()
	if _, err := e.Image(ctx, ref, engine.PullAlways, &progress); err != nil {
		t.Fatal(err)
	}
	checkProgress(t, progress.String(), "Status: Image is up to date for "+ref)

	t.Run("tag missing in registry", func(t *testing.T) {
		missing := reg.host + "/" + reg.repo + ":no-such-tag"
		_, err := e.Image(ctx, missing, engine.PullMissing, nil)
		if !errors.Is(err, engine.ErrImageNotFound) || !strings.Contains(err.Error(), fmt.Sprintf("%q", missing)) {
			t.Errorf("err = %v, want ErrImageNotFound naming %s", err, missing)
		}
		t.Log(err)
	})
	t.Run("wrong password", func(t *testing.T) {
		writeDockerConfig(t, map[string]string{reg.host: reg.user + ":wrong-Pa55"})
		_, err := e.Image(ctx, ref, engine.PullAlways, nil)
		if err == nil {
			t.Fatal("pull with a wrong password succeeded")
		}
		if strings.Contains(err.Error(), "Pa55") {
			t.Errorf("error shows the password: %v", err)
		}
		t.Log(err)
	})
}

// checkProgress wants lines without carriage returns, no status repeated for a
// layer, and last as the final line.
func checkProgress(t *testing.T, progress, last string) {
	t.Helper()
	if strings.Contains(progress, "\r") {
		t.Errorf("progress has carriage returns: %q", progress)
	}
	lines := strings.Split(strings.TrimSuffix(progress, "\n"), "\n")
	seen := make(map[string]bool)
	for _, l := range lines {
		if seen[l] && strings.Contains(l, ": ") && !strings.HasPrefix(l, "Digest: ") && !strings.HasPrefix(l, "Status: ") {
			t.Errorf("progress repeats %q", l)
		}
		seen[l] = true
	}
	if lines[len(lines)-1] != last {
		t.Errorf("progress ends with %q, want %q", lines[len(lines)-1], last)
	}
}
