// Package matrix owns the build matrix: the file that lists the hosts a run spreads
// its workers over and how many workers each runs. It reads both of the file's
// forms, YAML (a hosts: list) and the seeds' plain "host[:port] workers" lines, and
// validates them into a Matrix the SSH pool can trust: defaults applied, duplicates
// refused, every host given a unique short name for console tags and log files.
// Every error is one line that names FILE:LINE and says what to do (exit code 2).
package matrix

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// Defaults of a host's settings.
const (
	DefaultPort         = 22
	DefaultDockerSocket = "/var/run/docker.sock"
	MaxWorkers          = 1024 // per host; more is a typo, not a machine
)

// Host is one machine of the matrix, reached by SSH, running Workers containers.
type Host struct {
	// Name is the short name in console tags ([b01/w3]) and log files
	// (logs/b01_w3.log): name: when set, else the address's first DNS label, or
	// the whole address when it is an IP. Names are unique within a matrix.
	Name         string
	Address      string            // DNS name or IP (IPv6 without brackets)
	Port         int               // SSH port; DefaultPort unless set
	User         string            // SSH user; the current user unless set
	Workers      int               // containers to run there, 1…MaxWorkers
	DockerSocket string            // the Docker socket on the host; DefaultDockerSocket unless set
	Labels       map[string]string // free-form, shown in reports; nil when none
	Jump         *Jump             // bastion to reach the host through; nil when none
	Line         int               // the host's line in the file, for later error messages
}

// Addr is the host's SSH address, "host:port" ("[::1]:22" for IPv6), for net.Dial.
func (h Host) Addr() string { return net.JoinHostPort(h.Address, strconv.Itoa(h.Port)) }

// Jump is a bastion host the SSH connection goes through, as ssh -J does.
type Jump struct {
	Address string // DNS name or IP
	Port    int    // DefaultPort unless set
	User    string // the current user unless set, as with ssh -J
}

// Addr is the bastion's SSH address, "host:port", for net.Dial.
func (j Jump) Addr() string { return net.JoinHostPort(j.Address, strconv.Itoa(j.Port)) }

// Matrix is a validated build matrix.
type Matrix struct {
	File  string // the file read, as named
	Hosts []Host // in file order; at least one
}

// Workers is the number of workers over all hosts.
func (m *Matrix) Workers() int {
	n := 0
	for _, h := range m.Hosts {
		n += h.Workers
	}
	return n
}

// Options are what Parse needs from outside the file.
type Options struct {
	// CurrentUser is the SSH user of hosts and bastions that set none. When
	// empty, the user running jenkins-paratest (os/user, else $USER) is used.
	CurrentUser string
}

// Load reads and parses the matrix file at path.
func Load(path string, opts Options) (*Matrix, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, exit.Usagef("matrix %s: no such file", path)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return nil, exit.Usagef("matrix %s: %w", path, err)
	}
	return Parse(path, data, opts)
}

// Parse parses a matrix file's contents; name is the file's name for errors and
// Matrix.File. The form is told from the first line that is not blank or a
// comment: a YAML key ("hosts:"), document start or flow mapping starts YAML,
// anything else is plain lines.
func Parse(name string, data []byte, opts Options) (*Matrix, error) {
	p := &parser{file: name, opts: opts}
	var hosts []Host
	var err error
	if isYAML(data) {
		hosts, err = p.parseYAML(data)
	} else {
		hosts, err = p.parsePlain(data)
	}
	if err != nil {
		return nil, err
	}
	if err := p.finish(hosts); err != nil {
		return nil, err
	}
	return &Matrix{File: name, Hosts: hosts}, nil
}

// yamlStart matches a first line only YAML has: "key:" followed by a space or
// the line's end, "- " (a list), "{", "---" or a "%" directive. A plain line's
// host never has ": " in it ("build-01:2222 4" has no space after the colon).
var yamlStart = regexp.MustCompile(`^(---|%|\{|-(\s|$)|[^\s#]+:(\s|$))`)

func isYAML(data []byte) bool {
	for line := range strings.Lines(strings.TrimPrefix(string(data), "\uFEFF")) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		return yamlStart.MatchString(line)
	}
	return false // blank: reported as having no hosts
}

// parser holds what every error and default needs while one file is parsed.
type parser struct {
	file string
	opts Options
}

// errorf returns a usage error at line: "hosts.yml:7: …". The message is
// formatted here so that user text can never be taken for a verb.
func (p *parser) errorf(line int, format string, a ...any) error {
	return exit.Usagef("%s:%d: %s", p.file, line, fmt.Sprintf(format, a...))
}

// noHosts is the error of a file that lists no host at all.
func (p *parser) noHosts() error {
	return exit.Usagef(`%s: no hosts; add lines "host[:port] workers" or a hosts: list (docs/matrix.md)`, p.file)
}

// finish checks the hosts as a whole and fills in what the file left out:
// ports, users and sockets by default, and the names.
func (p *parser) finish(hosts []Host) error {
	if len(hosts) == 0 {
		return p.noHosts()
	}
	first := map[string]int{} // address+port → line
	current, lookedUp := "", false
	for i := range hosts {
		h := &hosts[i]
		if h.Port == 0 {
			h.Port = DefaultPort
		}
		if h.DockerSocket == "" {
			h.DockerSocket = DefaultDockerSocket
		}
		if h.Jump != nil && h.Jump.Port == 0 {
			h.Jump.Port = DefaultPort
		}
		key := canonical(h.Address) + " " + strconv.Itoa(h.Port)
		if line, dup := first[key]; dup {
			return p.errorf(h.Line, "host %s listed twice (first at line %d); remove one, or give each its own port", quoteIfOdd(h.Addr()), line)
		}
		first[key] = h.Line
		if h.User != "" && (h.Jump == nil || h.Jump.User != "") {
			continue
		}
		if !lookedUp {
			current, lookedUp = p.currentUser(), true
		}
		if current == "" && h.User == "" {
			return p.errorf(h.Line, "host %s: no user, and the current user is unknown; set user: (or write user@host)", quoteIfOdd(h.Address))
		}
		if current == "" {
			return p.errorf(h.Line, "host %s: jump: no user, and the current user is unknown; write the jump as user@host", quoteIfOdd(h.Address))
		}
		if h.User == "" {
			h.User = current
		}
		if h.Jump != nil && h.Jump.User == "" {
			h.Jump.User = current
		}
	}
	return p.name(hosts)
}

// currentUser is Options.CurrentUser, else the user running the process, else "".
func (p *parser) currentUser() string {
	if p.opts.CurrentUser != "" {
		return p.opts.CurrentUser
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, v := range []string{"USER", "LOGNAME"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	return ""
}
