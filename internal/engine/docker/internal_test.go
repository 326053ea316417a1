package docker

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/registry"
	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Unit tests of the parts that need no engine.

func TestWriteProgress(t *testing.T) {
	stream := `{"status":"Pulling from library/alpine","id":"3.20"}
{"status":"Pulling fs layer","progressDetail":{},"id":"aa11"}
{"status":"Pulling fs layer","progressDetail":{},"id":"bb22"}
{"status":"Downloading","progressDetail":{"current":1,"total":9},"progress":"[=>   ]","id":"aa11"}
{"status":"Downloading","progressDetail":{"current":5,"total":9},"progress":"[===> ]","id":"aa11"}
{"status":"Download complete\r","progressDetail":{},"id":"aa11"}
{"status":"Downloading","progressDetail":{"current":1,"total":9},"id":"bb22"}
{"status":"Pull complete","progressDetail":{},"id":"aa11"}
{"status":"Digest: sha256:abc"}
{"status":"Status: Downloaded newer image for alpine:3.20"}
`
	var out strings.Builder
	if err := writeProgress(&out, strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	want := `3.20: Pulling from library/alpine
aa11: Pulling fs layer
bb22: Pulling fs layer
aa11: Downloading
aa11: Download complete
bb22: Downloading
aa11: Pull complete
Digest: sha256:abc
Status: Downloaded newer image for alpine:3.20
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}

	errStream := `{"status":"Pulling fs layer","id":"aa11"}
{"errorDetail":{"message":"toomanyrequests: rate limit"},"error":"toomanyrequests: rate limit"}
{"status":"never read"}
`
	err := writeProgress(nil, strings.NewReader(errStream))
	if err == nil || err.Error() != "toomanyrequests: rate limit" {
		t.Errorf("err = %v, want the stream's error", err)
	}
	if err := writeProgress(nil, strings.NewReader(`{"status":"trunc`)); err == nil {
		t.Error("a truncated stream is no error")
	}
}

func TestRegistryHost(t *testing.T) {
	for ref, want := range map[string]string{
		"alpine":                           "docker.io",
		"alpine:3.20":                      "docker.io",
		"library/alpine@sha256:00":         "docker.io",
		"docker.io/library/alpine":         "docker.io",
		"index.docker.io/library/alpine":   "docker.io",
		"ghcr.io/org/img:1":                "ghcr.io",
		"localhost/img":                    "localhost",
		"localhost:5000/img":               "localhost:5000",
		"Registry.Example.com:443/team/im": "registry.example.com:443",
	} {
		if got := registryHost(ref); got != want {
			t.Errorf("registryHost(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestRegistryAuth(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	config := `{"auths": {
		"https://index.docker.io/v1/": {"auth": "` + b64("hub:hub-secret") + `"},
		"ghcr.io": {"auth": "` + b64("gh:gh:secret-with-colon") + `"},
		"https://registry.example.com/v2/": {"identitytoken": "tok"},
		"helper.example.com": {},
		"broken.example.com": {"auth": "not base64 s3cret!"}
	}, "credsStore": "desktop"}`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)

	for _, tc := range []struct {
		ref  string
		want registry.AuthConfig // zero: no header
	}{
		{"alpine:3", registry.AuthConfig{Username: "hub", Password: "hub-secret", ServerAddress: "https://index.docker.io/v1/"}},
		{"ghcr.io/o/i", registry.AuthConfig{Username: "gh", Password: "gh:secret-with-colon", ServerAddress: "ghcr.io"}},
		{"registry.example.com/i", registry.AuthConfig{IdentityToken: "tok", ServerAddress: "https://registry.example.com/v2/"}},
		{"helper.example.com/i", registry.AuthConfig{}},
		{"quay.io/i", registry.AuthConfig{}},
	} {
		header, err := registryAuth(tc.ref)
		if err != nil {
			t.Errorf("%s: %v", tc.ref, err)
			continue
		}
		var got registry.AuthConfig
		if header != "" {
			raw, err := base64.URLEncoding.DecodeString(header)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: auth (-want +got):\n%s", tc.ref, diff)
		}
	}

	_, err := registryAuth("broken.example.com/i")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("broken entry: err = %v, want one that does not quote the secret", err)
	}

	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no config file: no credentials, no error
	if header, err := registryAuth("alpine"); header != "" || err != nil {
		t.Errorf("without config: %q, %v", header, err)
	}
}

func TestCleanFiles(t *testing.T) {
	got, err := cleanFiles([]engine.File{
		{Path: "/b//x/../y", Mode: 0o100755},
		{Path: "/a", Mode: 0o600},
		{Path: "/c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.File{{Path: "/a", Mode: 0o600}, {Path: "/b/y", Mode: 0o755}, {Path: "/c", Mode: 0o644}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, files := range [][]engine.File{
		{{Path: "rel"}},
		{{Path: "/"}},
		{{Path: "/a"}, {Path: "/a/"}},
	} {
		if _, err := cleanFiles(files); err == nil {
			t.Errorf("cleanFiles(%v) succeeded", files)
		}
	}
}

func TestImageNotFoundError(t *testing.T) {
	cause := errors.New("engine said no")
	err := error(&imageNotFoundError{msg: "image x not found", cause: cause})
	if !errors.Is(err, engine.ErrImageNotFound) || !errors.Is(err, cause) || err.Error() != "image x not found" {
		t.Errorf("err = %v", err)
	}
}
