package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/golden"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

// golden compares got with testdata/name, or rewrites the file under -update.
func assertGolden(t *testing.T, name string, got string) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), []byte(got))
}

// homeEnv is an environment with only HOME, for the default known_hosts.
func homeEnv(name string) (string, bool) {
	if name == "HOME" {
		return "/home/ci", true
	}
	return "", false
}

const gib = 1 << 30

var (
	hostB01 = runner.HostCheck{
		Host: "b01", Address: "build-01.example.com:22", SSH: "ok", Auth: "agent",
		HostKey: "verified SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", Engine: "28.2.2 (API 1.51)",
		Image: "present sha256:4b1d3a0e9c2f", CPUs: 16, MemoryBytes: 8_369_000_000, Workers: 4, OK: true,
	}
	host10006 = runner.HostCheck{
		Host: "10.0.0.6", Address: "10.0.0.6:2222", SSH: "ok", Auth: "key /home/ci/.ssh/ci",
		HostKey: "verified SHA256:Zo0XK3bmfH2ayS3Alv0Ijcp6Wb6LQMthbwPTXsvlh6A", Engine: "27.5.1 (API 1.47)",
		Image: "present sha256:4b1d3a0e9c2f", CPUs: 8, MemoryBytes: 32 * gib, Workers: 2, OK: true,
	}
	hostDown = runner.HostCheck{
		Host: "b02", Address: "build-02.example.com:22", SSH: "dial tcp 10.0.0.9:22: connect: connection refused",
		Workers: 4,
	}
	hostNoDocker = runner.HostCheck{
		Host: "b03", Address: "[2001:db8::7]:22", SSH: "ok", Auth: "default key /home/ci/.ssh/id_ed25519",
		HostKey: "verified SHA256:x1", Engine: "permission denied on /var/run/docker.sock\n\tis ci in the docker group?",
		Image: "", Workers: 1,
	}
	hostLocal = runner.HostCheck{
		Host: "local", Engine: "28.2.2 (API 1.51)", CPUs: 4, MemoryBytes: gib - 1, Workers: 4, OK: true,
	}
)

func TestCheck(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name       string
		args       []string // after "check --config="
		hosts      []runner.HostCheck
		err        error
		wantCode   int
		wantGolden string // testdata file of stdout; "" for no output
		wantStderr string // the one line on stderr; "" for none
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		f := &fakeRunner{hosts: tc.hosts, err: tc.err}
		var stdout, stderr bytes.Buffer
		d := f.deps(&stdout, &stderr)
		d.lookupEnv = homeEnv
		code := execute(context.Background(), append([]string{"check", "--config="}, tc.args...), d)
		if code != tc.wantCode {
			t.Errorf("exit code %d, want %d; stderr %q", code, tc.wantCode, stderr.String())
		}
		if tc.wantGolden != "" {
			assertGolden(t, tc.wantGolden, stdout.String())
		} else if stdout.Len() > 0 {
			t.Errorf("stdout %q, want nothing", stdout.String())
		}
		if tc.wantStderr == "" && stderr.Len() > 0 {
			t.Errorf("stderr %q, want nothing", stderr.String())
		}
		if tc.wantStderr != "" {
			oneLineOn(t, stderr.String(), tc.wantStderr)
		}
		if f.cfg != nil && f.opts.Stdout != d.stderr {
			t.Errorf("runner's console is not stderr: stdout must carry only the table")
		}
	}
	for _, tc := range []testCase{
		{
			name:       "all usable",
			args:       []string{"--matrix", "hosts.yml", "--image", "app:1"},
			hosts:      []runner.HostCheck{hostB01, host10006},
			wantGolden: "check-usable.txt",
		},
		{
			name:       "unusable hosts",
			args:       []string{"--matrix", "hosts.yml", "--image", "app:1"},
			hosts:      []runner.HostCheck{hostB01, hostDown, host10006, hostNoDocker},
			wantCode:   exit.Infra,
			wantGolden: "check-unusable.txt",
			wantStderr: "jenkins-paratest: 2 of 4 hosts unusable: b02, b03",
		},
		{
			name:       "local engine without image",
			hosts:      []runner.HostCheck{hostLocal},
			wantGolden: "check-local.txt",
		},
		{
			name:       "one host unusable",
			hosts:      []runner.HostCheck{hostDown},
			wantCode:   exit.Infra,
			wantGolden: "check-down.txt",
			wantStderr: "jenkins-paratest: 1 of 1 host unusable: b02",
		},
		{
			name:       "runner error",
			args:       []string{"--matrix", "hosts.yml"},
			err:        exit.Usagef("hosts.yml:3: host b:2222: workers: must be ≥ 1, got 0"),
			wantCode:   exit.Usage,
			wantStderr: "jenkins-paratest: hosts.yml:3: host b:2222: workers: must be ≥ 1, got 0",
		},
		{
			name:       "config error",
			args:       []string{"--matrix", "hosts.yml", "--workers", "4"},
			wantCode:   exit.Usage,
			wantStderr: "jenkins-paratest: --workers: the build matrix sets workers per host (hosts.yml); remove one",
		},
		{
			name:       "no hosts",
			wantCode:   exit.Infra,
			wantStderr: "internal error",
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// TestCheckNeedsNoSuite pins that check loads without an image, a list or a
// command, and hands the runner the SSH settings.
func TestCheckNeedsNoSuite(t *testing.T) {
	t.Parallel()
	f := &fakeRunner{hosts: []runner.HostCheck{hostB01}}
	var stdout, stderr bytes.Buffer
	d := f.deps(&stdout, &stderr)
	d.lookupEnv = func(name string) (string, bool) {
		v, ok := map[string]string{"HOME": "/home/ci", "PARATEST_SSH_PASSPHRASE": "s3cret", "SSH_AUTH_SOCK": "/tmp/a.sock"}[name]
		return v, ok
	}
	args := []string{"check", "--config=", "--matrix", "m.yml", "--identity", "~/.ssh/ci", "--ssh-user", "ci"}
	if code := execute(context.Background(), args, d); code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	got := []string{f.cfg.Image, f.cfg.Matrix, f.cfg.Identity, f.cfg.SSHUser, f.cfg.KnownHosts, f.cfg.SSHPassphrase, f.cfg.SSHAuthSock}
	want := []string{"", "m.yml", "/home/ci/.ssh/ci", "ci", "/home/ci/.ssh/known_hosts", "s3cret", "/tmp/a.sock"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if strings.Contains(stdout.String()+stderr.String(), "s3cret") {
		t.Errorf("the passphrase was printed")
	}
}

func TestBytesIEC(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0:               "-",
		512:             "512 B",
		1536:            "1.5 KiB",
		8_369_000_000:   "7.8 GiB",
		gib - 1:         "1.0 GiB",
		1 << 40:         "1.0 TiB",
		1<<20 + 1<<19:   "1.5 MiB",
		1<<62 + 1<<61:   "6.0 EiB",
		-1:              "-",
		1023:            "1023 B",
		1024:            "1.0 KiB",
		100 * (1 << 30): "100.0 GiB",
	} {
		if got := bytesIEC(n); got != want {
			t.Errorf("bytesIEC(%d) = %q, want %q", n, got, want)
		}
	}
}
