package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suggest"
)

// Service is one entry of services:: a container started beside every worker,
// on that worker's own network, reachable there by Name.
type Service struct {
	Name    string   // its host name on the worker's network, e.g. postgres
	Image   string   // its image
	Env     []string // KEY=VALUE
	Command []string // replaces the image's command (its entrypoint stays); nil keeps it
	Ready   Ready    // when it counts as up
	Where   string   // "paratest.yml:12", for messages about it
}

// Ready says when a service is up: a port of it accepts connections, or a
// command run in its container exits 0.
type Ready struct {
	TCP     int           // a port; 0 when Command decides
	Command Command       // run in the service's container until it exits 0
	Timeout time.Duration // how long it may take, from the service's start
}

// DefaultReadyTimeout is how long a service may take to be ready.
const DefaultReadyTimeout = 60 * time.Second

// MaxServices bounds the services of a worker.
const MaxServices = 16

// serviceName is a DNS label: what a test uses as the service's host name.
var serviceName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// reservedNames are the names a service may not take: the worker's own.
var reservedNames = map[string]bool{"worker": true, "localhost": true}

var (
	serviceKeys = []string{"name", "image", "env", "command", "ready"}
	readyKeys   = []string{"tcp", "command", "timeout"}
)

// services parses services:, a list of mappings. Every error names file:line.
func services(s setting, lookupEnv func(string) (string, bool)) ([]Service, error) {
	n := s.node
	if n.Kind != yaml.SequenceNode {
		return nil, s.errorf("want a list of services (- name: …, image: …), got %s", kindName(n))
	}
	if len(n.Content) > MaxServices {
		return nil, s.errorf("at most %d services, got %d", MaxServices, len(n.Content))
	}
	var out []Service
	seen := map[string]string{}
	for _, item := range n.Content {
		item = resolve(item)
		svc, err := service(s.file, item, lookupEnv)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[svc.Name]; dup {
			return nil, exit.Usagef("%s: services: %s: named twice (first at %s)", svc.Where, svc.Name, first)
		}
		seen[svc.Name] = svc.Where
		out = append(out, svc)
	}
	return out, nil
}

// service parses one entry of services:.
func service(file string, n *yaml.Node, lookupEnv func(string) (string, bool)) (Service, error) {
	where := file + ":" + strconv.Itoa(n.Line)
	if n.Kind != yaml.MappingNode {
		return Service{}, exit.Usagef("%s: services: want name:, image: and ready: for each service, got %s", where, kindName(n))
	}
	svc := Service{Where: where}
	fields, err := fieldsOf(file, "services", n, serviceKeys)
	if err != nil {
		return Service{}, err
	}
	for _, key := range serviceKeys {
		if f, ok := fields[key]; ok && (f.node != nil) != (key == "ready") {
			if key == "ready" {
				return Service{}, f.errorf("want tcp: PORT or command: …, and optionally timeout:")
			}
			return Service{}, f.errorf("want a value or a list, got a mapping")
		}
	}
	if f, ok := fields["env"]; ok && !f.isList {
		return Service{}, f.errorf("want a list of KEY=VALUE, got %q", f.str)
	}
	sub := func(key string) (setting, bool) {
		f, ok := fields[key]
		if !ok {
			return setting{}, false
		}
		return f, true
	}
	if f, ok := sub("name"); ok {
		svc.Name = f.str
	}
	switch {
	case svc.Name == "":
		return Service{}, exit.Usagef("%s: services: a service needs a name: (its host name on the worker's network)", where)
	case !serviceName.MatchString(svc.Name):
		return Service{}, fields["name"].errorf("want a host name of lower-case letters, digits and '-', got %q", svc.Name)
	case reservedNames[svc.Name]:
		return Service{}, fields["name"].errorf("%q is the worker's own name; pick another", svc.Name)
	}
	if f, ok := sub("image"); ok {
		if svc.Image, err = imageRef(f); err != nil {
			return Service{}, err
		}
	}
	if svc.Image == "" {
		return Service{}, exit.Usagef("%s: services: %s: needs an image:", where, svc.Name)
	}
	if f, ok := sub("env"); ok {
		if svc.Env, err = envList(f, lookupEnv); err != nil {
			return Service{}, err
		}
	}
	if f, ok := sub("command"); ok {
		// As compose takes it: a string is split into words, never run by
		// a shell, so that the image's entrypoint sees them as arguments.
		if f.isList {
			svc.Command = f.list
		} else if svc.Command, err = splitWords(f.str); err != nil {
			return Service{}, f.errorf("%v", err)
		}
		if len(svc.Command) == 0 {
			return Service{}, f.errorf("want a command, got none")
		}
	}
	f, ok := sub("ready")
	if !ok {
		return Service{}, exit.Usagef("%s: services: %s: needs ready: (tcp: PORT or command: …) so the worker waits for it", where, svc.Name)
	}
	if svc.Ready, err = ready(file, svc.Name, f); err != nil {
		return Service{}, err
	}
	return svc, nil
}

// ready parses a service's ready:.
func ready(file, name string, s setting) (Ready, error) {
	if s.node == nil || s.node.Kind != yaml.MappingNode {
		return Ready{}, s.errorf("want tcp: PORT or command: …, and optionally timeout:")
	}
	fields, err := fieldsOf(file, "services: "+name+": ready", s.node, readyKeys)
	if err != nil {
		return Ready{}, err
	}
	r := Ready{Timeout: DefaultReadyTimeout}
	tcp, hasTCP := fields["tcp"]
	cmd, hasCmd := fields["command"]
	switch {
	case hasTCP == hasCmd:
		return Ready{}, s.errorf("want one of tcp: PORT and command: …")
	case hasTCP:
		p, err := strconv.Atoi(strings.TrimSpace(tcp.str))
		if err != nil || p < 1 || p > 65535 {
			return Ready{}, tcp.errorf("want a port, 1 to 65535, got %q", tcp.str)
		}
		r.TCP = p
	default:
		if r.Command, err = command(cmd); err != nil {
			return Ready{}, err
		}
		if r.Command.IsZero() {
			return Ready{}, cmd.errorf("want a command")
		}
	}
	if t, ok := fields["timeout"]; ok {
		if r.Timeout, err = duration(t); err != nil {
			return Ready{}, err
		}
		if r.Timeout <= 0 {
			return Ready{}, t.errorf("want a duration above 0 such as 30s, got %q", t.str)
		}
	}
	return r, nil
}

// fieldsOf reads a mapping's keys as settings, each a scalar or a list of
// scalars, or (for a mapping value) its node; an unknown key is an error
// naming the closest known one.
func fieldsOf(file, parent string, n *yaml.Node, known []string) (map[string]setting, error) {
	out := map[string]setting{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		where := file + ":" + strconv.Itoa(k.Line)
		if !contains(known, k.Value) {
			hint := "keys: " + strings.Join(known, ", ")
			if c := suggest.Closest(k.Value, known); c != "" {
				hint = fmt.Sprintf("did you mean %q?", c)
			}
			return nil, exit.Usagef("%s: %s: unknown key %q (%s)", where, parent, k.Value, hint)
		}
		if _, dup := out[k.Value]; dup {
			return nil, exit.Usagef("%s: %s: %s: set twice", where, parent, k.Value)
		}
		s := setting{key: parent + ": " + k.Value, where: where, inFile: true, file: file}
		switch v.Kind {
		case yaml.ScalarNode:
			s.str = v.Value
		case yaml.SequenceNode:
			s.isList, s.list = true, []string{}
			for _, item := range v.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode {
					return nil, s.errorf("want a list of strings, got %s in it", kindName(item))
				}
				s.list = append(s.list, item.Value)
			}
		case yaml.MappingNode:
			s.node = v
		default:
			return nil, s.errorf("want a value, got %s", kindName(v))
		}
		out[k.Value] = s
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// splitWords splits s into words as a POSIX shell does, with single and
// double quotes and backslashes, but with no expansion of any kind.
func splitWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("a ' is not closed")
			}
			w.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("a \" is not closed")
			}
			inWord = true
		case c == '\\':
			if i+1 < len(s) {
				i++
				w.WriteByte(s[i])
			}
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
