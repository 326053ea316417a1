package docker

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/registry"
)

// dockerConfigPath is the docker CLI's config file: $DOCKER_CONFIG/config.json (set
// by Jenkins' withRegistry), else ~/.docker/config.json.
func dockerConfigPath() string {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".docker", "config.json")
	}
	return filepath.Join(home, ".docker", "config.json")
}

// registryAuth returns the encoded credentials the config file's "auths" holds for
// ref's registry, or "" when it holds none. Credential helpers are not consulted.
// Errors never quote the file's content: it holds secrets.
func registryAuth(ref string) (string, error) {
	path := dockerConfigPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var cfg struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", fmt.Errorf("parse %s: %w", path, err)
	}
	want := registryHost(ref)
	keys := make([]string, 0, len(cfg.Auths))
	for k := range cfg.Auths {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic when several keys name the same host
	for _, key := range keys {
		entry := cfg.Auths[key]
		if normalizeRegistry(key) != want || (entry.Auth == "" && entry.IdentityToken == "") {
			continue
		}
		ac := registry.AuthConfig{ServerAddress: key, IdentityToken: entry.IdentityToken}
		if entry.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(entry.Auth)
			if err != nil {
				return "", fmt.Errorf("parse %s: auths[%q].auth is not base64", path, key)
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return "", fmt.Errorf("parse %s: auths[%q].auth is not user:password", path, key)
			}
			ac.Username, ac.Password = user, pass
		}
		return registry.EncodeAuthConfig(ac)
	}
	return "", nil
}

// registryHost is the registry part of an image reference, following the docker
// CLI: the first path component when it looks like a host, else Docker Hub.
func registryHost(ref string) string {
	i := strings.IndexByte(ref, '/')
	if i < 0 {
		return "docker.io"
	}
	d := ref[:i]
	if !strings.ContainsAny(d, ".:") && d != "localhost" && strings.ToLower(d) == d {
		return "docker.io"
	}
	return normalizeRegistry(d)
}

// normalizeRegistry turns a config key ("https://index.docker.io/v1/",
// "registry.example.com") or a reference's host into a comparable host name.
func normalizeRegistry(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s, _, _ = strings.Cut(s, "/")
	s = strings.ToLower(s)
	switch s {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return s
}
