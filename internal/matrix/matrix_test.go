package matrix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// opts injects the current user, so no test depends on who runs it.
var opts = Options{CurrentUser: "jenkins"}

// host is a Host with the defaults a file leaves out.
func host(name, addr string, workers, line int) Host {
	return Host{Name: name, Address: addr, Port: 22, User: "jenkins", Workers: workers, DockerSocket: DefaultDockerSocket, Line: line}
}

func TestParse(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name string
		data string
		want []Host
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		m, err := Parse("hosts", []byte(tc.data), opts)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if diff := cmp.Diff(&Matrix{File: "hosts", Hosts: tc.want}, m); diff != "" {
			t.Errorf("Parse (-want +got):\n%s", diff)
		}
	}
	with := func(h Host, f func(*Host)) Host { f(&h); return h }
	for _, tc := range []testCase{
		{
			name: "plain/seeds",
			data: "# the cluster\n10.0.0.5 4\n\n10.0.0.6 2   # the small one\n",
			want: []Host{host("10.0.0.5", "10.0.0.5", 4, 2), host("10.0.0.6", "10.0.0.6", 2, 4)},
		},
		{
			name: "plain/user, port, IPv6",
			data: "ci@build-01.example.com:2222 4\n[::1]:2200 1\nroot@[fe80::1] 2\r\n\tbuild-02\t3\n",
			want: []Host{
				with(host("build-01", "build-01.example.com", 4, 1), func(h *Host) { h.User, h.Port = "ci", 2222 }),
				with(host("::1", "::1", 1, 2), func(h *Host) { h.Port = 2200 }),
				with(host("fe80::1", "fe80::1", 2, 3), func(h *Host) { h.User = "root" }),
				host("build-02", "build-02", 3, 4),
			},
		},
		{
			name: "plain/byte order mark",
			data: "\uFEFFbuild-01 1\n",
			want: []Host{host("build-01", "build-01", 1, 1)},
		},
		{
			name: "yaml/every key",
			data: `# build matrix
hosts:
  - address: build-01.example.com
    port: 2222
    user: ci
    workers: 4
    docker_socket: /run/user/1000/docker.sock
    labels: {zone: a, rack: 7, ssd: true}
    name: b01
    jump: admin@bastion.example.com:2200
`,
			want: []Host{{
				Name: "b01", Address: "build-01.example.com", Port: 2222, User: "ci", Workers: 4,
				DockerSocket: "/run/user/1000/docker.sock",
				Labels:       map[string]string{"zone": "a", "rack": "7", "ssd": "true"},
				Jump:         &Jump{Address: "bastion.example.com", Port: 2200, User: "admin"},
				Line:         3,
			}},
		},
		{
			name: "yaml/defaults and file order",
			data: "hosts:\n- address: zeta.example.com\n  workers: 1\n- workers: 2\n  address: 10.0.0.1\n- {address: alpha, workers: 3}\n",
			want: []Host{host("zeta", "zeta.example.com", 1, 2), host("10.0.0.1", "10.0.0.1", 2, 4), host("alpha", "alpha", 3, 6)},
		},
		{
			name: "yaml/empty values keep defaults",
			data: "hosts:\n  - address: a\n    workers: 1\n    port:\n    user: ~\n    labels: {}\n    jump: ''\n",
			want: []Host{host("a", "a", 1, 2)},
		},
		{
			name: "yaml/IPv6, quoted numbers, aliases",
			data: "hosts:\n  - address: '[::1]'\n    workers: '2'\n    port: \"2222\"\n    labels: &l {zone: b, empty: }\n  - address: ::2\n    workers: 1\n    labels: *l\n",
			want: []Host{
				with(host("::1", "::1", 2, 2), func(h *Host) { h.Port = 2222; h.Labels = map[string]string{"zone": "b", "empty": ""} }),
				with(host("::2", "::2", 1, 6), func(h *Host) { h.Labels = map[string]string{"zone": "b", "empty": ""} }),
			},
		},
		{
			name: "yaml/document start and flow mapping",
			data: "---\n{hosts: [{address: a, workers: 1}]}\n",
			want: []Host{host("a", "a", 1, 2)},
		},
		{
			name: "same address on other ports",
			data: "build-01:22 1\nbuild-01:2222 1\nBUILD-01.:2223 1\n",
			want: []Host{
				host("build-01", "build-01", 1, 1),
				with(host("build-01-2", "build-01", 1, 2), func(h *Host) { h.Port = 2222 }),
				with(host("BUILD-01-3", "BUILD-01.", 1, 3), func(h *Host) { h.Port = 2223 }),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name string
		file string // "hosts.yml" when empty
		data string
		want string // the whole message
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		if tc.file == "" {
			tc.file = "hosts.yml"
		}
		m, err := Parse(tc.file, []byte(tc.data), opts)
		if err == nil {
			t.Fatalf("Parse = %+v, want an error", m)
		}
		if got := err.Error(); got != tc.want {
			t.Errorf("Parse error:\n  %s\nwant\n  %s", got, tc.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse error is more than one line: %q", err)
		}
		if code := exit.Code(err); code != exit.Usage {
			t.Errorf("exit code %d, want %d", code, exit.Usage)
		}
	}
	const h1 = "hosts:\n  - address: build-01.example.com\n    workers: 4\n" // a host at line 2
	for _, tc := range []testCase{
		// Keys.
		{name: "unknown key with suggestion", data: h1 + "    wrokers: 4\n",
			want: `hosts.yml:4: host build-01.example.com: unknown key "wrokers" (did you mean "workers"?)`},
		{name: "unknown key with dashes", data: h1 + "    docker-socket: /s\n",
			want: `hosts.yml:4: host build-01.example.com: unknown key "docker-socket" (did you mean "docker_socket"?)`},
		{name: "unknown key before the address", data: "hosts:\n  - ports: 22\n    address: b\n    workers: 1\n",
			want: `hosts.yml:2: host b: unknown key "ports" (did you mean "port"?)`},
		{name: "unknown key far from any", data: h1 + "    zone: a\n",
			want: `hosts.yml:4: host build-01.example.com: unknown key "zone" (keys: address, port, user, workers, docker_socket, labels, name, jump)`},
		{name: "unknown top-level key", data: "host:\n  - address: a\n",
			want: `hosts.yml:1: unknown key "host" (did you mean "hosts"?)`},
		{name: "unknown jump key", data: h1 + "    jump: {address: j, usr: ci}\n",
			want: `hosts.yml:4: host build-01.example.com: jump: unknown key "usr" (did you mean "user"?)`},
		{name: "key set twice", data: h1 + "    workers: 5\n",
			want: `hosts.yml:4: host build-01.example.com: workers: set twice (first at line 3)`},
		// Ports.
		{name: "port too big", data: h1 + "    port: 70000\n",
			want: `hosts.yml:4: host build-01.example.com: port: want 1–65535, got 70000`},
		{name: "port zero", data: h1 + "    port: 0\n",
			want: `hosts.yml:4: host build-01.example.com: port: want 1–65535, got 0`},
		{name: "port not a number", data: h1 + "    port: ssh\n",
			want: `hosts.yml:4: host build-01.example.com: port: want a number 1–65535, got "ssh"`},
		{name: "plain port out of range", file: "hosts", data: "a 1\nb:65536 2\n",
			want: `hosts:2: host b:65536: port: want 1–65535, got 65536`},
		{name: "plain port empty", file: "hosts", data: "b: 2\n", // "b:" reads as a YAML key
			want: `hosts:1: unknown key "b" (keys: hosts)`},
		{name: "plain port missing after colon", file: "hosts", data: "a 1\nb: 2\n",
			want: `hosts:2: host b:: no port after the colon in "b:"`},
		// Workers.
		{name: "workers zero", data: "hosts:\n  - address: a\n    workers: 0\n",
			want: `hosts.yml:3: host a: workers: must be ≥ 1, got 0`},
		{name: "workers negative", data: "hosts:\n  - address: a\n    workers: -3\n",
			want: `hosts.yml:3: host a: workers: must be ≥ 1, got -3`},
		{name: "workers not whole", data: "hosts:\n  - address: a\n    workers: 2.5\n",
			want: `hosts.yml:3: host a: workers: want a whole number ≥ 1, got "2.5"`},
		{name: "workers too many", data: "hosts:\n  - address: a\n    workers: 100000\n",
			want: `hosts.yml:3: host a: workers: at most 1024 per host, got 100000`},
		{name: "workers missing", data: "hosts:\n  - address: a\n    port: 22\n",
			want: `hosts.yml:2: host a: no workers; set workers: to how many to run there (≥ 1)`},
		{name: "workers a list", data: "hosts:\n  - address: a\n    workers: [1]\n",
			want: `hosts.yml:3: host a: workers: want a single value, got a list`},
		{name: "plain workers zero", file: "hosts", data: "a 1\n\n# c\nb 0\n",
			want: `hosts:4: host b: workers: must be ≥ 1, got 0`},
		{name: "plain workers not a number", file: "hosts", data: "ci@b:2222 four\n",
			want: `hosts:1: host ci@b:2222: workers: want a whole number ≥ 1, got "four"`},
		// Duplicates.
		{name: "duplicate host", data: h1 + "  - address: a\n    workers: 1\n  - address: BUILD-01.example.com.\n    port: 22\n    workers: 1\n",
			want: `hosts.yml:6: host BUILD-01.example.com.:22 listed twice (first at line 2); remove one, or give each its own port`},
		{name: "plain duplicate host", file: "hosts", data: "10.0.0.1 1\nci@10.0.0.1:22 2\n",
			want: `hosts:2: host 10.0.0.1:22 listed twice (first at line 1); remove one, or give each its own port`},
		{name: "plain duplicate IPv6", file: "hosts", data: "[::1] 1\n[0:0::1]:22 2\n",
			want: `hosts:2: host [0:0::1]:22 listed twice (first at line 1); remove one, or give each its own port`},
		{name: "duplicate name", data: "hosts:\n  - {address: a, workers: 1, name: x}\n  - {address: b, workers: 1, name: X}\n",
			want: `hosts.yml:3: host b: name: "X" is already the name of the host at line 2; pick another`},
		{name: "name local", data: "hosts:\n  - {address: a, workers: 1, name: local}\n",
			want: `hosts.yml:2: host a: name: "local" is the local engine's; pick another`},
		{name: "name with slash", data: "hosts:\n  - {address: a, workers: 1, name: b/01}\n",
			want: `hosts.yml:2: host a: name: want letters, digits, '.', '_' or '-', got "b/01"`},
		// Empty.
		{name: "empty hosts list", data: "# none yet\nhosts: []\n",
			want: `hosts.yml:2: hosts: the list is empty; add at least one host with its address: and workers:`},
		{name: "hosts without value", data: "hosts:\n",
			want: `hosts.yml:1: hosts: the list is empty; add at least one host with its address: and workers:`},
		{name: "empty file", data: "",
			want: `hosts.yml: no hosts; add lines "host[:port] workers" or a hosts: list (docs/matrix.md)`},
		{name: "only comments", file: "hosts", data: "# a\n\n   # b\n",
			want: `hosts: no hosts; add lines "host[:port] workers" or a hosts: list (docs/matrix.md)`},
		{name: "empty mapping", data: "{}\n",
			want: `hosts.yml:1: no hosts: key; list the hosts under hosts: (docs/matrix.md)`},
		// YAML shape.
		// yaml.v3 names the line where the construct with the mistake began,
		// often the line before the mistake (go-yaml/yaml#205).
		{name: "bad YAML", data: "hosts:\n  - address: a\n    workers: [1\n",
			want: `hosts.yml:2: did not find expected ',' or ']'`},
		{name: "bad YAML indentation", data: "hosts:\n  - address: a\n    workers: 1\n  bad\n",
			want: `hosts.yml:4: could not find expected ':'`},
		{name: "tab in YAML", data: "hosts:\n  - address: a\n\tworkers: 1\n",
			want: `hosts.yml:2: found a tab character that violates indentation`},
		{name: "root is a list", data: "- address: a\n  workers: 1\n",
			want: `hosts.yml:1: want hosts: and a list of hosts under it, got a list`},
		{name: "hosts is a mapping", data: "hosts:\n  address: a\n",
			want: `hosts.yml:2: hosts: want a list of hosts (- address: …), got a mapping`},
		{name: "host is a string", data: "hosts:\n  - a 1\n",
			want: `hosts.yml:2: hosts: item 1: want a host (address: …, workers: …), got "a 1"`},
		{name: "address missing", data: "hosts:\n  - {address: a, workers: 1}\n  - workers: 1\n",
			want: `hosts.yml:3: host: no address; set address: to the host's DNS name or IP`},
		{name: "address with user", data: "hosts:\n  - address: ci@a\n    workers: 1\n",
			want: `hosts.yml:2: host ci@a: address: want a DNS name or an IP address, got "ci@a"; set the user with user:`},
		{name: "address with port", data: "hosts:\n  - address: a:2222\n    workers: 1\n",
			want: `hosts.yml:2: host a:2222: address: want a DNS name or an IP address, got "a:2222"; set the port with port:`},
		{name: "address with a newline", data: "hosts:\n  - address: \"a\\nb\"\n    workers: 1\n",
			want: `hosts.yml:2: host "a\nb": address: want a DNS name or an IP address, got "a\nb"`},
		{name: "address starting with a dash", data: "hosts:\n  - address: -oProxyCommand=x\n    workers: 1\n",
			want: `hosts.yml:2: host -oProxyCommand=x: address: want a DNS name or an IP address, got "-oProxyCommand=x"`},
		{name: "docker_socket relative", data: h1 + "    docker_socket: docker.sock\n",
			want: `hosts.yml:4: host build-01.example.com: docker_socket: want the socket's absolute path on the host, got "docker.sock"`},
		{name: "user empty", data: h1 + "    user: ''\n",
			want: `hosts.yml:4: host build-01.example.com: user: want a user name, got nothing`},
		// Labels.
		{name: "label value a list", data: h1 + "    labels:\n      zone: [a, b]\n",
			want: `hosts.yml:5: host build-01.example.com: labels: zone: want a string, number or boolean, got a list`},
		{name: "label value a mapping", data: h1 + "    labels: {zone: {a: b}}\n",
			want: `hosts.yml:4: host build-01.example.com: labels: zone: want a string, number or boolean, got a mapping`},
		{name: "labels a list", data: h1 + "    labels: [a]\n",
			want: `hosts.yml:4: host build-01.example.com: labels: want name: value pairs, got a list`},
		{name: "label set twice", data: h1 + "    labels:\n      zone: a\n      zone: b\n",
			want: `hosts.yml:6: host build-01.example.com: labels: zone: set twice (first at line 5)`},
		// Jumps.
		{name: "jump bad port", data: h1 + "    jump: bastion:0\n",
			want: `hosts.yml:4: host build-01.example.com: jump: port: want 1–65535, got 0`},
		{name: "jump without address", data: h1 + "    jump: {user: ci}\n",
			want: `hosts.yml:4: host build-01.example.com: jump: no address; set address: to the bastion's DNS name or IP`},
		{name: "jump a list", data: h1 + "    jump: [a]\n",
			want: `hosts.yml:4: host build-01.example.com: jump: want "user@host:port" or address:, port:, user:, got a list`},
		{name: "jump IPv6 without brackets", data: h1 + "    jump: ci@::1:22\n",
			want: `hosts.yml:4: host build-01.example.com: jump: write an IPv6 address in brackets, as in [::1]:2222, got "ci@::1:22"`},
		// Plain lines.
		{name: "plain too many fields", file: "hosts", data: "a 1\nb 2 3\n",
			want: `hosts:2: want "[user@]host[:port] workers", got "b 2 3"; e.g. build-01.example.com:2222 4`},
		{name: "plain one field", file: "hosts", data: "build-01\n",
			want: `hosts:1: want "[user@]host[:port] workers", got "build-01"; e.g. build-01.example.com:2222 4`},
		{name: "plain IPv6 without brackets", file: "hosts", data: "fe80::1 2\n",
			want: `hosts:1: host fe80::1: write an IPv6 address in brackets, as in [::1]:2222, got "fe80::1"`},
		{name: "plain IPv4 in brackets", file: "hosts", data: "[10.0.0.1]:22 2\n",
			want: `hosts:1: host [10.0.0.1]:22: want an IPv6 address in the brackets, got "[10.0.0.1]"`},
		{name: "plain unclosed bracket", file: "hosts", data: "[::1:22 2\n",
			want: `hosts:1: host [::1:22: no closing ] in "[::1:22"`},
		{name: "plain empty user", file: "hosts", data: "@a 2\n",
			want: `hosts:1: host @a: user: want a user name, got nothing`},
		{name: "plain two at signs", file: "hosts", data: "a@b@c 2\n",
			want: `hosts:1: host a@b@c: want [user@]host[:port], got "a@b@c"`},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name string
		data string
		want []string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		m, err := Parse("hosts", []byte(tc.data), opts)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		var got []string
		for _, h := range m.Hosts {
			got = append(got, h.Name)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "first DNS label", data: "build-01.ci.example.com 1\nbuild-02 1\nbuild-03.:2222 1\n", want: []string{"build-01", "build-02", "build-03"}},
		{name: "IPs whole", data: "10.0.0.5 1\n[2001:db8::1] 1\n[fe80::1%eth0]:22 1\n", want: []string{"10.0.0.5", "2001:db8::1", "fe80::1%eth0"}},
		{name: "same label suffixed in file order", data: "a.x 1\na.y 1\na.z 1\n", want: []string{"a", "a-2", "a-3"}},
		{name: "same label ignoring case", data: "Build.x 1\nbuild.y 1\n", want: []string{"Build", "build-2"}},
		{name: "same address, other port", data: "10.0.0.5:22 1\n10.0.0.5:23 1\n", want: []string{"10.0.0.5", "10.0.0.5-2"}},
		{name: "bare names before suffixes", data: "a.x 1\na.y 1\na-2.z 1\n", want: []string{"a", "a-3", "a-2"}},
		{name: "local is the local engine's", data: "local.example.com 1\n", want: []string{"local-2"}},
		{
			name: "name: set wins over derived",
			data: "hosts:\n- {address: b01.x, workers: 1}\n- {address: c.x, workers: 1, name: b01}\n- {address: b01.y, workers: 1, name: b01-2}\n",
			want: []string{"b01-3", "b01", "b01-2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestJump(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name string
		jump string // the value of jump:
		want *Jump
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		m, err := Parse("hosts.yml", []byte("hosts:\n  - address: a\n    user: ci\n    workers: 1\n    jump: "+tc.jump+"\n"), opts)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if diff := cmp.Diff(tc.want, m.Hosts[0].Jump); diff != "" {
			t.Errorf("Jump (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "host only", jump: "bastion.example.com", want: &Jump{Address: "bastion.example.com", Port: 22, User: "jenkins"}},
		{name: "user, host and port", jump: "ops@bastion:2222", want: &Jump{Address: "bastion", Port: 2222, User: "ops"}},
		{name: "IPv6", jump: "'[2001:db8::1]:2222'", want: &Jump{Address: "2001:db8::1", Port: 2222, User: "jenkins"}},
		{name: "mapping", jump: "{address: bastion, port: 2200, user: ops}", want: &Jump{Address: "bastion", Port: 2200, User: "ops"}},
		{name: "mapping with defaults", jump: "\n      address: 10.0.0.1", want: &Jump{Address: "10.0.0.1", Port: 22, User: "jenkins"}},
		{name: "none", jump: "", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestCurrentUser(t *testing.T) {
	t.Parallel()
	m, err := Parse("hosts", []byte("a 1\nci@b 1\n"), Options{CurrentUser: "builder"})
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{m.Hosts[0].User, m.Hosts[1].User}; !cmp.Equal(got, []string{"builder", "ci"}) {
		t.Errorf("users = %q, want the current user, then ci", got)
	}
	// Without one injected, the process's user is asked for.
	m, err = Parse("hosts", []byte("a 1\n"), Options{})
	if err != nil {
		t.Skipf("no current user here: %v", err)
	}
	if m.Hosts[0].User == "" {
		t.Error("User is empty")
	}
}

func TestAddrAndWorkers(t *testing.T) {
	t.Parallel()
	m, err := Parse("hosts", []byte("a:2222 3\n[::1] 4\n"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Workers(), 7; got != want {
		t.Errorf("Workers() = %d, want %d", got, want)
	}
	if got, want := m.Hosts[0].Addr(), "a:2222"; got != want {
		t.Errorf("Addr() = %q, want %q", got, want)
	}
	if got, want := m.Hosts[1].Addr(), "[::1]:22"; got != want {
		t.Errorf("Addr() = %q, want %q", got, want)
	}
	if got, want := (Jump{Address: "::1", Port: 2}).Addr(), "[::1]:2"; got != want {
		t.Errorf("Jump.Addr() = %q, want %q", got, want)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts")
	if err := os.WriteFile(path, []byte("a 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(&Matrix{File: path, Hosts: []Host{host("a", "a", 2, 1)}}, m); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}

	missing := filepath.Join(dir, "nope.yml")
	_, err = Load(missing, opts)
	if want := "matrix " + missing + ": no such file"; err == nil || err.Error() != want {
		t.Errorf("Load(missing) = %v, want %s", err, want)
	}
	if exit.Code(err) != exit.Usage {
		t.Errorf("Load(missing): exit code %d, want %d", exit.Code(err), exit.Usage)
	}

	_, err = Load(dir, opts)
	if err == nil || !strings.HasPrefix(err.Error(), "matrix "+dir+": ") || strings.Count(err.Error(), dir) != 1 {
		t.Errorf("Load(directory) = %v, want matrix %s: <why>", err, dir)
	}
}

// TestDocs keeps docs/matrix.md in step with the keys.
func TestDocs(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/matrix.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, key := range append(append([]string{}, topKeys...), hostKeys...) {
		if want := "### `" + key + "`"; !strings.Contains(doc, want) {
			t.Errorf("docs/matrix.md has no section %s", want)
		}
	}
	for _, want := range []string{DefaultDockerSocket, "[b01/w3]", "logs/b01_w3.log"} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/matrix.md does not mention %s", want)
		}
	}
}

// The matrix shipped with the Jenkins examples parses.
func TestExampleMatrix(t *testing.T) {
	m, err := Load("../../examples/matrix.yml", Options{CurrentUser: "jenkins"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Hosts) == 0 || m.Workers() == 0 {
		t.Fatalf("examples/matrix.yml has %d hosts, %d workers", len(m.Hosts), m.Workers())
	}
}
