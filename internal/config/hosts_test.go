package config

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// The keys of reruns, timeouts, the build matrix and SSH.

func TestPrecedenceRunControlAndHosts(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string // appended to base
		env   map[string]string
		flags Flags
		get   func(*Config) any
		want  any
	}
	timeout := func(c *Config) any { return c.Timeout }
	threshold := func(c *Config) any { return c.RerunThreshold }
	history := func(c *Config) any { return c.History }
	insecure := func(c *Config) any { return c.InsecureIgnoreHostKey }
	matrix := func(c *Config) any { return [2]any{c.Matrix, c.Workers} }
	knownHosts := func(c *Config) any { return c.KnownHosts }
	identity := func(c *Config) any { return c.Identity }
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		env := map[string]string{"HOME": "/home/ci"}
		for k, v := range tc.env {
			env[k] = v
		}
		cfg := mustLoad(t, base+tc.file, env, tc.flags)
		if diff := cmp.Diff(tc.want, tc.get(cfg)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "duration/default", get: timeout, want: time.Duration(0)},
		{name: "duration/file", file: "timeout: 1m30s\n", get: timeout, want: 90 * time.Second},
		{name: "duration/env beats file", file: "timeout: 1m\n", env: map[string]string{"PARATEST_TIMEOUT": "2h"}, get: timeout, want: 2 * time.Hour},
		{name: "duration/flag beats env", env: map[string]string{"PARATEST_TIMEOUT": "2h"}, flags: Flags{Timeout: ptr("0")}, get: timeout, want: time.Duration(0)},

		{name: "fraction/default", get: threshold, want: 0.10},
		{name: "fraction/file", file: "rerun_threshold: 0.25\n", get: threshold, want: 0.25},
		{name: "fraction/percent", file: "rerun_threshold: 10%\n", get: threshold, want: 0.10},
		{name: "fraction/env beats file", file: "rerun_threshold: 0.25\n", env: map[string]string{"PARATEST_RERUN_THRESHOLD": "5 %"}, get: threshold, want: 0.05},
		{name: "fraction/flag beats env", env: map[string]string{"PARATEST_RERUN_THRESHOLD": "5%"}, flags: Flags{RerunThreshold: ptr("100%")}, get: threshold, want: 1.0},
		{name: "fraction/zero", flags: Flags{RerunThreshold: ptr("0")}, get: threshold, want: 0.0},

		{name: "list/history default", get: history, want: []string(nil)},
		{name: "list/history file", file: "history: [old/junit/*.xml, last.xml]\n", get: history, want: []string{"old/junit/*.xml", "last.xml"}},
		{name: "list/history env", file: "history: [a.xml]\n", env: map[string]string{"PARATEST_HISTORY": "b/*.xml, c.xml"}, get: history, want: []string{"b/*.xml", "c.xml"}},
		{name: "list/history flag", env: map[string]string{"PARATEST_HISTORY": "b.xml"}, flags: Flags{History: []string{"d,e.xml"}}, get: history, want: []string{"d,e.xml"}},

		{name: "bool/insecure default", get: insecure, want: false},
		{name: "bool/insecure env", env: map[string]string{"PARATEST_INSECURE_IGNORE_HOST_KEY": "yes"}, get: insecure, want: true},
		{name: "bool/insecure negated flag", file: "insecure_ignore_host_key: true\n", flags: Flags{InsecureIgnoreHostKey: ptr(false)}, get: insecure, want: false},

		{name: "matrix/none", get: matrix, want: [2]any{"", runtime.NumCPU()}},
		{name: "matrix/file has no workers", file: "matrix: hosts.yml\n", get: matrix, want: [2]any{"hosts.yml", 0}},
		{name: "matrix/flag clears file's", file: "matrix: hosts.yml\nworkers: 4\n", flags: Flags{Matrix: ptr("")}, get: matrix, want: [2]any{"", 4}},
		{name: "matrix/env beats file", file: "matrix: a.yml\n", env: map[string]string{"PARATEST_MATRIX": "b.yml"}, get: matrix, want: [2]any{"b.yml", 0}},

		{name: "path/known_hosts default", get: knownHosts, want: "/home/ci/.ssh/known_hosts"},
		{name: "path/known_hosts file", file: "known_hosts: ~/ci/known_hosts\n", get: knownHosts, want: "/home/ci/ci/known_hosts"},
		{name: "path/known_hosts flag", file: "known_hosts: ~/kh\n", flags: Flags{KnownHosts: ptr("/etc/ssh/ssh_known_hosts")}, get: knownHosts, want: "/etc/ssh/ssh_known_hosts"},
		{name: "path/known_hosts empty is the default", flags: Flags{KnownHosts: ptr("")}, get: knownHosts, want: "/home/ci/.ssh/known_hosts"},
		{name: "path/identity expanded", env: map[string]string{"PARATEST_IDENTITY": "~/.ssh/ci"}, get: identity, want: "/home/ci/.ssh/ci"},
		{name: "path/identity ~user kept", file: "identity: ~ci/key\n", get: identity, want: "~ci/key"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestErrorsRunControlAndHosts(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  string // the message contains it
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		_, err := load(t, tc.file, tc.env, tc.flags)
		if err == nil {
			t.Fatalf("Load: no error, want %q", tc.want)
		}
		msg := err.Error()
		t.Log(msg)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("Load error:\n  %s\nwant it to contain\n  %s", msg, tc.want)
		}
		if strings.Contains(msg, "\n") || exit.Code(err) != exit.Usage {
			t.Errorf("want one line and exit code %d, got %d: %q", exit.Usage, exit.Code(err), msg)
		}
	}
	home := map[string]string{"HOME": "/home/ci"}
	for _, tc := range []testCase{
		{name: "duration without unit", file: base + "timeout: 30\n", want: `paratest.yml:4: timeout: want a duration with a unit, such as 30s, got "30"`},
		{name: "duration not one", file: base, env: map[string]string{"PARATEST_ORPHAN_TTL": "soon"}, want: `PARATEST_ORPHAN_TTL: want a duration such as 30s, 5m or 1h30m, got "soon"`},
		{name: "timeout negative", file: base, flags: Flags{Timeout: ptr("-1s")}, want: `--timeout: must be ≥ 0 (0 is no limit), got -1s`},
		{name: "reconnect zero", file: base, env: map[string]string{"PARATEST_RECONNECT_INTERVAL": "0s"}, want: `PARATEST_RECONNECT_INTERVAL: must be > 0, got 0s`},
		{name: "orphan ttl short", file: base + "orphan_ttl: 2s\n", want: `paratest.yml:4: orphan_ttl: must be ≥ 5s, got 2s`},

		{name: "fraction 150%", file: base, flags: Flags{RerunThreshold: ptr("150%")}, want: `--rerun-threshold: must be from 0% to 100%, got "150%"`},
		{name: "fraction percent without %", file: base + "rerun_threshold: 10\n", want: `paratest.yml:4: rerun_threshold: must be from 0 to 1, got "10"; for a percentage write 10%`},
		{name: "fraction negative", file: base, env: map[string]string{"PARATEST_RERUN_THRESHOLD": "-0.1"}, want: `PARATEST_RERUN_THRESHOLD: must be from 0 to 1, got "-0.1"`},
		{name: "fraction word", file: base + "rerun_threshold: some\n", want: `rerun_threshold: want a fraction such as 0.1 or a percentage such as 10%, got "some"`},
		{name: "fraction NaN", file: base, flags: Flags{RerunThreshold: ptr("NaN")}, want: `--rerun-threshold: want a fraction`},
		{name: "max_reruns negative", file: base + "max_reruns: -1\n", want: `paratest.yml:4: max_reruns: must be ≥ 0, got -1`},
		{name: "max_reruns word", file: base, flags: Flags{MaxReruns: ptr("two")}, want: `--max-reruns: want a whole number ≥ 0, got "two"`},
		{name: "max_lost zero", file: base, env: map[string]string{"PARATEST_MAX_LOST": "0"}, want: `PARATEST_MAX_LOST: must be ≥ 1, got 0`},
		{name: "history bad glob", file: base + "history:\n  - ok.xml\n  - 'junit/[a.xml'\n", want: `paratest.yml:4: history: item 2: "junit/[a.xml": syntax error in pattern`},
		{name: "history string", file: base + "history: a.xml\n", want: `paratest.yml:4: history: want a list, got "a.xml"`},

		{name: "image_transfer", file: base + "image_transfer: push\n", want: `paratest.yml:4: image_transfer: want load, got "push"`},
		{name: "ssh_user with host", file: base, env: map[string]string{"PARATEST_SSH_USER": "ci@build-01"}, want: `PARATEST_SSH_USER: want a user name, got "ci@build-01"`},
		{name: "insecure not a bool", file: base, env: map[string]string{"PARATEST_INSECURE_IGNORE_HOST_KEY": "please"}, want: `PARATEST_INSECURE_IGNORE_HOST_KEY: want true or false, got "please"`},
		{name: "known_hosts ~ without HOME", file: base, flags: Flags{KnownHosts: ptr("~/kh")}, want: `--known-hosts: ~/kh: HOME is not set; give the full path`},
		{name: "default known_hosts without HOME", file: base + "matrix: hosts.yml\n", want: `known_hosts: the default ~/.ssh/known_hosts needs HOME, which is not set`},

		{name: "matrix and workers in file", file: base + "matrix: hosts.yml\nworkers: 4\n", env: home, want: `paratest.yml:5: workers: the build matrix sets workers per host (hosts.yml); remove one`},
		{name: "matrix and workers flag", file: base + "matrix: hosts.yml\n", env: home, flags: Flags{Workers: ptr("4")}, want: `--workers: the build matrix sets workers per host (hosts.yml); remove one`},
		{name: "matrix flag and workers env", file: base, env: map[string]string{"HOME": "/h", "PARATEST_WORKERS": "4"}, flags: Flags{Matrix: ptr("m.txt")}, want: `PARATEST_WORKERS: the build matrix sets workers per host (m.txt); remove one`},
		{name: "matrix env and workers file", file: base + "workers: 2\n", env: map[string]string{"HOME": "/h", "PARATEST_MATRIX": "m.yml"}, want: `paratest.yml:4: workers: the build matrix sets workers per host (m.yml); remove one`},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestDefaultKnownHostsWithoutHome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		env  map[string]string
	}{{base, nil}, {base + "matrix: hosts.yml\n", map[string]string{"PARATEST_INSECURE_IGNORE_HOST_KEY": "true"}}} {
		// Without a matrix, or with host keys ignored, no known_hosts is read.
		cfg := mustLoad(t, tc.file, tc.env, Flags{})
		if cfg.KnownHosts != "" {
			t.Errorf("KnownHosts = %q with HOME unset, want \"\"", cfg.KnownHosts)
		}
	}
}

func TestPassphraseOnlyFromEnvironment(t *testing.T) {
	t.Parallel()
	const secret = "hunter2 correct horse"

	t.Run("environment", func(t *testing.T) {
		t.Parallel()
		cfg := mustLoad(t, base, map[string]string{"PARATEST_SSH_PASSPHRASE": secret, "SSH_AUTH_SOCK": "/tmp/agent.1"}, Flags{})
		if cfg.SSHPassphrase != secret || cfg.SSHAuthSock != "/tmp/agent.1" {
			t.Errorf("SSHPassphrase, SSHAuthSock = %q, %q; want the variables'", cfg.SSHPassphrase, cfg.SSHAuthSock)
		}
	})
	t.Run("not set", func(t *testing.T) {
		t.Parallel()
		cfg := mustLoad(t, base, nil, Flags{})
		if cfg.SSHPassphrase != "" || cfg.SSHAuthSock != "" {
			t.Errorf("SSHPassphrase, SSHAuthSock = %q, %q; want empty", cfg.SSHPassphrase, cfg.SSHAuthSock)
		}
	})
	for _, key := range []string{"ssh_passphrase", "ssh-passphrase", "passphrase"} {
		t.Run("file "+key, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, base+key+": "+secret+"\n", nil, Flags{})
			if err == nil {
				t.Fatal("Load: no error")
			}
			msg := err.Error()
			if want := "paratest.yml:4: " + key + ": a passphrase does not belong in a file; set the PARATEST_SSH_PASSPHRASE variable instead"; !strings.Contains(msg, want) {
				t.Errorf("error %q does not contain %q", msg, want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error %q prints the passphrase", msg)
			}
		})
	}
	t.Run("no flag", func(t *testing.T) {
		t.Parallel()
		for f := range reflect.TypeFor[Flags]().Fields() {
			if strings.Contains(strings.ToLower(f.Name+f.Tag.Get("name")), "passphrase") {
				t.Errorf("Flags.%s: the passphrase must not be a flag (it would show in ps)", f.Name)
			}
		}
		for _, key := range Keys() {
			if isSecret(key) {
				t.Errorf("key %s is a secret", key)
			}
		}
	})
}

func TestForHosts(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name    string
		file    string
		flags   Flags
		wantErr string // "" for none
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		cfg, err := loadFor(t, ForHosts, tc.file, map[string]string{"HOME": "/home/ci"}, tc.flags)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Fatalf("Load: %v", err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Fatalf("Load error = %v, want %q", err, tc.wantErr)
		case err == nil && cfg.RunID == "":
			t.Errorf("RunID empty")
		}
	}
	for _, tc := range []testCase{
		{name: "nothing at all"},
		{name: "matrix only", file: "matrix: hosts.yml\nidentity: /k\n"},
		{name: "image without a suite", file: "image: i\npull: never\n"},
		{name: "preset go without image", file: "preset: go\n"},
		{name: "bad value", file: "image: i\nbatch: 0\n", wantErr: "paratest.yml:2: batch: must be ≥ 1, got 0"},
		{name: "list and tests", file: "list: ls\n", flags: Flags{Tests: ptr("ids")}, wantErr: "paratest.yml:1) and tests (--tests) are set: keep one"},
		{name: "preset go with command", file: "preset: go\ncommand: x\n", wantErr: "paratest.yml:2: command: not used with preset: go"},
		{name: "matrix and workers", file: "matrix: m\n", flags: Flags{Workers: ptr("2")}, wantErr: "--workers: the build matrix sets workers per host (m); remove one"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}

	t.Run("run still needs the suite", func(t *testing.T) {
		t.Parallel()
		if _, err := load(t, "image: i\n", nil, Flags{}); err == nil || !strings.Contains(err.Error(), "no tests:") {
			t.Errorf("ForRun without list: error %v, want no tests:", err)
		}
	})
}
