package matrix

import (
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// FuzzParse checks that Parse never panics, that every error is one usage-error
// line naming the file, and that every matrix it accepts keeps its promises.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"10.0.0.5 4\n# c\n10.0.0.6:2222 2\n",
		"ci@[::1]:2222 4\nroot@build-01.example.com 1\n",
		"hosts:\n  - address: build-01.example.com\n    port: 22\n    user: ci\n    workers: 4\n    docker_socket: /var/run/docker.sock\n    labels: {zone: a}\n    name: b01\n    jump: ci@bastion.example.com:2222\n",
		"hosts:\n  - &h {address: a, workers: 1, jump: {address: j, port: 2}}\n  - *h\n",
		"---\n{hosts: [{address: a.x, workers: 1}, {address: a.y, workers: 2}]}\n",
		"hosts: &a [*a]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		m, err := Parse("m", []byte(data), opts)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "m:") || exit.Code(err) != exit.Usage {
				t.Fatalf("error %q: want one usage-error line starting m:", msg)
			}
			return
		}
		if len(m.Hosts) == 0 {
			t.Fatal("no hosts and no error")
		}
		names := map[string]bool{}
		for _, h := range m.Hosts {
			key := strings.ToLower(h.Name)
			switch {
			case h.Name == "" || names[key] || strings.ContainsAny(h.Name, "/ \n"):
				t.Fatalf("bad or duplicate name %q", h.Name)
			case h.Workers < 1 || h.Workers > MaxWorkers:
				t.Fatalf("workers %d", h.Workers)
			case h.Port < 1 || h.Port > 65535:
				t.Fatalf("port %d", h.Port)
			case h.Address == "" || h.User == "" || h.DockerSocket == "" || h.Line < 1:
				t.Fatalf("unset field in %+v", h)
			case h.Jump != nil && (h.Jump.Address == "" || h.Jump.User == "" || h.Jump.Port < 1):
				t.Fatalf("unset jump field in %+v", *h.Jump)
			}
			names[key] = true
		}
	})
}
