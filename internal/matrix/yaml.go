package matrix

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suggest"
)

// The keys of the YAML form, in documentation order.
const (
	keyHosts        = "hosts"
	keyAddress      = "address"
	keyPort         = "port"
	keyUser         = "user"
	keyWorkers      = "workers"
	keyDockerSocket = "docker_socket"
	keyLabels       = "labels"
	keyName         = "name"
	keyJump         = "jump"
)

var (
	topKeys  = []string{keyHosts}
	hostKeys = []string{keyAddress, keyPort, keyUser, keyWorkers, keyDockerSocket, keyLabels, keyName, keyJump}
	jumpKeys = []string{keyAddress, keyPort, keyUser}
)

// yamlLine matches yaml.v3's syntax errors, "yaml: line 3: …", so they can be
// reported as file:line like ours.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML reads the YAML form: a mapping whose one key, hosts:, lists the
// hosts as mappings.
func (p *parser) parseYAML(data []byte) ([]Host, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ") // one line
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, exit.Usagef("%s:%s: %s", p.file, m[1], m[2])
		}
		return nil, exit.Usagef("%s: %s", p.file, strings.TrimPrefix(msg, "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, p.noHosts()
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return nil, p.noHosts()
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root.Line, "want hosts: and a list of hosts under it, got %s", kindName(root))
	}
	var list *yaml.Node
	keyLine := 0
	err := p.eachKey(root, "", topKeys, func(k, v *yaml.Node) error {
		list, keyLine = v, k.Line
		return nil
	})
	if err != nil {
		return nil, err
	}
	if list == nil {
		return nil, p.errorf(root.Line, "no hosts: key; list the hosts under hosts: (docs/matrix.md)")
	}
	if isNull(list) || list.Kind == yaml.SequenceNode && len(list.Content) == 0 {
		return nil, p.errorf(keyLine, "hosts: the list is empty; add at least one host with its address: and workers:")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, p.errorf(list.Line, "hosts: want a list of hosts (- address: …), got %s", kindName(list))
	}
	hosts := make([]Host, 0, len(list.Content))
	for i, item := range list.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			return nil, p.errorf(item.Line, "hosts: item %d: want a host (address: …, workers: …), got %s", i+1, kindName(item))
		}
		h, err := p.yamlHost(item)
		if err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}

// yamlHost reads one item of hosts:.
func (p *parser) yamlHost(m *yaml.Node) (Host, error) {
	h := Host{Line: m.Line}
	// Errors name the host by the address written, wherever the address is in
	// the mapping.
	who := "host"
	if v := lookup(m, keyAddress); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
		who = "host " + quoteIfOdd(v.Value)
	}
	err := p.eachKey(m, who+": ", hostKeys, func(k, v *yaml.Node) error {
		if isNull(v) {
			return nil // "key:" with no value leaves the default
		}
		// errorf reports a problem with the value, at its line.
		errorf := func(format string, a ...any) error {
			return p.errorf(v.Line, "%s: %s", who, fmt.Sprintf(format, a...))
		}
		if k.Value == keyLabels {
			var err error
			h.Labels, err = p.labels(v, who)
			return err
		}
		if k.Value == keyJump {
			var err error
			h.Jump, err = p.jump(v, who)
			return err
		}
		if v.Kind != yaml.ScalarNode {
			return errorf("%s: want a single value, got %s", k.Value, kindName(v))
		}
		var err error
		switch k.Value {
		case keyAddress:
			h.Address, err = parseAddress(v.Value)
			if err != nil {
				err = fmt.Errorf("address: %w", err)
			}
		case keyPort:
			h.Port, err = parsePort(v.Value)
		case keyUser:
			err = checkUser(v.Value)
			h.User = v.Value
		case keyWorkers:
			h.Workers, err = parseWorkers(v.Value)
		case keyDockerSocket:
			h.DockerSocket = v.Value
			if !strings.HasPrefix(v.Value, "/") || strings.ContainsFunc(v.Value, isSpaceOrControl) {
				err = fmt.Errorf("docker_socket: want the socket's absolute path on the host, got %q", v.Value)
			}
		case keyName:
			err = checkName(v.Value)
			h.Name = v.Value
		default:
			panic("matrix: no decoder for key " + k.Value) // hostKeys and this switch disagree
		}
		if err != nil {
			return errorf("%v", err)
		}
		return nil
	})
	if err != nil {
		return Host{}, err
	}
	if h.Address == "" {
		return Host{}, p.errorf(m.Line, "host: no address; set address: to the host's DNS name or IP")
	}
	if h.Workers == 0 {
		return Host{}, p.errorf(m.Line, "%s: no workers; set workers: to how many to run there (≥ 1)", who)
	}
	return h, nil
}

// labels reads labels:, a mapping of names to strings, numbers or booleans.
func (p *parser) labels(v *yaml.Node, who string) (map[string]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, p.errorf(v.Line, "%s: labels: want name: value pairs, got %s", who, kindName(v))
	}
	labels := map[string]string{}
	lines := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := resolve(v.Content[i]), resolve(v.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return nil, p.errorf(k.Line, "%s: labels: want a label name, got %s", who, kindName(k))
		}
		if first, dup := lines[k.Value]; dup {
			return nil, p.errorf(k.Line, "%s: labels: %s: set twice (first at line %d)", who, quoteIfOdd(k.Value), first)
		}
		lines[k.Value] = k.Line
		switch {
		case isNull(val):
			labels[k.Value] = ""
		case val.Kind == yaml.ScalarNode:
			labels[k.Value] = val.Value
		default:
			return nil, p.errorf(val.Line, "%s: labels: %s: want a string, number or boolean, got %s", who, quoteIfOdd(k.Value), kindName(val))
		}
	}
	if len(labels) == 0 {
		return nil, nil
	}
	return labels, nil
}

// jump reads jump:, "user@host:port" or a mapping of address, port and user.
func (p *parser) jump(v *yaml.Node, who string) (*Jump, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value == "" {
			return nil, nil
		}
		t, err := parseTarget(v.Value)
		if err != nil {
			return nil, p.errorf(v.Line, "%s: jump: %v", who, err)
		}
		return &Jump{Address: t.Address, Port: t.Port, User: t.User}, nil
	case yaml.MappingNode:
		j := &Jump{}
		err := p.eachKey(v, who+": jump: ", jumpKeys, func(k, val *yaml.Node) error {
			if isNull(val) {
				return nil
			}
			if val.Kind != yaml.ScalarNode {
				return p.errorf(val.Line, "%s: jump: %s: want a single value, got %s", who, k.Value, kindName(val))
			}
			var err error
			switch k.Value {
			case keyAddress:
				j.Address, err = parseAddress(val.Value)
				if err != nil {
					err = fmt.Errorf("address: %w", err)
				}
			case keyPort:
				j.Port, err = parsePort(val.Value)
			case keyUser:
				err = checkUser(val.Value)
				j.User = val.Value
			}
			if err != nil {
				return p.errorf(val.Line, "%s: jump: %v", who, err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if j.Address == "" {
			return nil, p.errorf(v.Line, "%s: jump: no address; set address: to the bastion's DNS name or IP", who)
		}
		return j, nil
	}
	return nil, p.errorf(v.Line, `%s: jump: want "user@host:port" or address:, port:, user:, got %s`, who, kindName(v))
}

// eachKey calls fn for each key of mapping m and its value, in file order,
// after refusing keys that are not in known or set twice. prefix starts the
// messages ("host build-01: ").
func (p *parser) eachKey(m *yaml.Node, prefix string, known []string, fn func(k, v *yaml.Node) error) error {
	lines := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return p.errorf(k.Line, "%swant a key, got %s", prefix, kindName(k))
		}
		if !slices.Contains(known, k.Value) {
			if s := suggest.Closest(k.Value, known); s != "" {
				return p.errorf(k.Line, "%sunknown key %q (did you mean %q?)", prefix, k.Value, s)
			}
			return p.errorf(k.Line, "%sunknown key %q (keys: %s)", prefix, k.Value, strings.Join(known, ", "))
		}
		if first, dup := lines[k.Value]; dup {
			return p.errorf(k.Line, "%s%s: set twice (first at line %d)", prefix, k.Value, first)
		}
		lines[k.Value] = k.Line
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns the value of key in mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return nil
}

// resolve follows a YAML alias (*name) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
