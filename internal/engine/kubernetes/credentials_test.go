package kubernetes

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

// The service account is named from the token's subject; the token itself
// is never part of what is shown.
func TestServiceAccount(t *testing.T) {
	dir := t.TempDir()
	jwt := func(payload string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl"
	}
	for _, tc := range []struct{ name, token, want string }{
		{"service account", jwt(`{"sub":"system:serviceaccount:jenkins:agent","aud":["x"]}`) + "\n", "jenkins/agent"},
		{"other subject", jwt(`{"sub":"alice"}`), "FILE"},
		{"not a jwt", "opaque-token", "FILE"},
		{"bad payload", "a.!!.c", "FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "token")
			if err := os.WriteFile(file, []byte(tc.token), 0o600); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "FILE" {
				want = file
			}
			if got := serviceAccount(file); got != want {
				t.Errorf("serviceAccount = %q, want %q", got, want)
			}
		})
	}
	if got, want := serviceAccount(filepath.Join(dir, "missing")), filepath.Join(dir, "missing"); got != want {
		t.Errorf("serviceAccount of a missing file = %q, want %q", got, want)
	}
}
