package config

import (
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestServices(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, base+`services:
  - name: postgres
    image: postgres:16
    command: postgres -c 'shared_buffers=16MB' -c "fsync=off"
    env: [POSTGRES_PASSWORD=test, FROM_MASTER, UNSET_HERE]
    ready:
      command: pg_isready -h localhost
      timeout: 2m
  - name: redis
    image: redis:7
    command: [redis-server, --save, ""]
    ready: {tcp: 6379}
`, map[string]string{"FROM_MASTER": "m"}, Flags{})
	file := cfg.File
	want := []Service{
		{
			Name: "postgres", Image: "postgres:16", Command: []string{"postgres", "-c", "shared_buffers=16MB", "-c", "fsync=off"}, Env: []string{"POSTGRES_PASSWORD=test", "FROM_MASTER=m"},
			Ready: Ready{Command: Command{Shell: "pg_isready -h localhost"}, Timeout: 2 * time.Minute},
			Where: file + ":5",
		},
		{
			Name: "redis", Image: "redis:7", Command: []string{"redis-server", "--save", ""},
			Ready: Ready{TCP: 6379, Timeout: DefaultReadyTimeout}, Where: file + ":12",
		},
	}
	if d := cmp.Diff(want, cfg.Services); d != "" {
		t.Errorf("services (-want +got):\n%s", d)
	}
}

// Every mistake in services: is one line naming file:line and what to do.
func TestServicesErrors(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name, yml, want string // want: a regexp for the error after the file name
		env             map[string]string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		_, err := load(t, base+tc.yml, tc.env, Flags{})
		if err == nil {
			t.Fatalf("no error, want %s", tc.want)
		}
		if !regexp.MustCompile(`^\S+paratest\.yml:\d+: ` + tc.want).MatchString(err.Error()) {
			t.Errorf("error %q, want paratest.yml:N: %s", err, tc.want)
		}
	}
	for _, tc := range []testCase{
		{name: "not a list", yml: "services: redis\n", want: `services: want a list of services`},
		{name: "an entry not a mapping", yml: "services: [redis]\n", want: `services: want name:, image: and ready:`},
		{name: "no name", yml: "services:\n  - image: r\n    ready: {tcp: 1}\n", want: `services: a service needs a name:`},
		{name: "bad name", yml: "services:\n  - name: My_DB\n    image: r\n    ready: {tcp: 1}\n", want: `services: name: want a host name of lower-case letters`},
		{name: "reserved name", yml: "services:\n  - name: worker\n    image: r\n    ready: {tcp: 1}\n", want: `services: name: "worker" is the worker's own name`},
		{name: "no image", yml: "services:\n  - name: db\n    ready: {tcp: 1}\n", want: `services: db: needs an image:`},
		{name: "bad image", yml: "services:\n  - name: db\n    image: 'Bad Image'\n    ready: {tcp: 1}\n", want: `services: image: "Bad Image" is not an image reference`},
		{name: "no ready", yml: "services:\n  - name: db\n    image: r\n", want: `services: db: needs ready:`},
		{name: "ready not a mapping", yml: "services:\n  - name: db\n    image: r\n    ready: 5432\n", want: `services: ready: want tcp: PORT or command:`},
		{name: "ready both", yml: "services:\n  - name: db\n    image: r\n    ready: {tcp: 1, command: true}\n", want: `services: ready: want one of tcp: PORT and command:`},
		{name: "ready neither", yml: "services:\n  - name: db\n    image: r\n    ready: {timeout: 5s}\n", want: `services: ready: want one of tcp`},
		{name: "bad port", yml: "services:\n  - name: db\n    image: r\n    ready: {tcp: 70000}\n", want: `services: db: ready: tcp: want a port, 1 to 65535`},
		{name: "bad timeout", yml: "services:\n  - name: db\n    image: r\n    ready: {tcp: 1, timeout: soon}\n", want: `services: db: ready: timeout: `},
		{name: "unknown key", yml: "services:\n  - name: db\n    image: r\n    imgae: r\n    ready: {tcp: 1}\n", want: `services: unknown key "imgae" \(did you mean "image"\?\)`},
		{name: "unknown ready key", yml: "services:\n  - name: db\n    image: r\n    ready: {port: 1}\n", want: `services: db: ready: unknown key "port"`},
		{name: "env not a list", yml: "services:\n  - name: db\n    image: r\n    env: A=b\n    ready: {tcp: 1}\n", want: `services: env: want a list of KEY=VALUE`},
		{name: "env with the passphrase", yml: "services:\n  - name: db\n    image: r\n    env: [PARATEST_SSH_PASSPHRASE]\n    ready: {tcp: 1}\n", want: `services: env: item 1: PARATEST_SSH_PASSPHRASE is the master's own`},
		{name: "command unbalanced", yml: "services:\n  - name: db\n    image: r\n    command: \"a 'b\"\n    ready: {tcp: 1}\n", want: `services: command: a ' is not closed`},
		{name: "command empty", yml: "services:\n  - name: db\n    image: r\n    command: []\n    ready: {tcp: 1}\n", want: `services: command: want a command`},
		{name: "named twice", yml: "services:\n  - name: db\n    image: r\n    ready: {tcp: 1}\n  - name: db\n    image: s\n    ready: {tcp: 1}\n", want: `services: db: named twice \(first at \S+:\d+\)`},
		{name: "with a network", yml: "network: none\nservices:\n  - name: db\n    image: r\n    ready: {tcp: 1}\n", want: `network: with services: every worker runs on a network of its own`},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestSplitWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		`a b  c`:                 {"a", "b", "c"},
		`--save ''`:              {"--save", ""},
		`-c "a b" 'c d'`:         {"-c", "a b", "c d"},
		`x"y"'z'`:                {"xyz"},
		`a\ b "q\"uote" '$HOME'`: {"a b", `q"uote`, "$HOME"},
		`"$(rm -rf /)"`:          {"$(rm -rf /)"},
		"":                       nil,
	} {
		got, err := splitWords(in)
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`'a`, `"a`, `a "b`} {
		if _, err := splitWords(bad); err == nil {
			t.Errorf("splitWords(%q): no error", bad)
		}
	}
}
