package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suggest"
)

// DefaultFile is read when no config file is named and it exists.
const DefaultFile = "paratest.yml"

// findFile picks the config file: --config, else PARATEST_CONFIG, else
// ./paratest.yml when it exists. A named file must exist; an empty name reads none.
// It returns the path ("" for none) and the label of where it was named, for errors.
func findFile(flag *string, lookupEnv func(string) (string, bool)) (path, where string, err error) {
	switch {
	case flag != nil:
		return *flag, "--config", nil
	default:
		if v, ok := lookupEnv("PARATEST_CONFIG"); ok && v != "" {
			return v, "PARATEST_CONFIG", nil
		}
	}
	if _, err := os.Stat(DefaultFile); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", "", nil
		}
		return "", "", exit.Usagef("%s: %w", DefaultFile, err)
	}
	return DefaultFile, DefaultFile, nil
}

// readFile reads the settings of a config file, by key. where names who asked
// for the file, for the error when it cannot be read.
func readFile(path, where string) (map[string]setting, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if where == path {
			return nil, exit.Usagef("%w", err)
		}
		return nil, exit.Usagef("%s: %w", where, err)
	}
	return parseFile(path, data)
}

// yamlLine matches yaml.v3's syntax errors, "yaml: line 3: …", so they can be
// reported as file:line like ours.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseFile parses a config file's contents. Every error names path:line.
func parseFile(path string, data []byte) (map[string]setting, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ") // one line
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, exit.Usagef("%s:%s: %s", path, m[1], m[2])
		}
		return nil, exit.Usagef("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
	}
	m := map[string]setting{}
	if doc.Kind == 0 || len(doc.Content) == 0 { // empty file
		return m, nil
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" { // only comments
		return m, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, exit.Usagef("%s:%d: want keys and values (image: …), got %s", path, root.Line, kindName(root))
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		where := path + ":" + strconv.Itoa(k.Line)
		name := k.Value
		sh, ok := shapeOf(name)
		if isSecret(name) {
			// The value is left out of the message: it is the secret.
			return nil, exit.Usagef("%s: %s: a passphrase does not belong in a file; set the %s variable instead (withCredentials in Jenkins)", where, name, envSSHPassphrase)
		}
		if !ok {
			if s := suggest.Closest(name, Keys()); s != "" {
				return nil, exit.Usagef("%s: unknown key %q (did you mean %q?)", where, name, s)
			}
			return nil, exit.Usagef("%s: unknown key %q (keys: docs/config.md)", where, name)
		}
		if first, dup := lines[name]; dup {
			return nil, exit.Usagef("%s: %s: set twice (first at line %d)", where, name, first)
		}
		lines[name] = k.Line
		s := setting{key: name, where: where, inFile: true}
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			continue // "key:" with no value leaves the key unset
		case sh == structured:
			s.node, s.file = v, path
		case v.Kind == yaml.ScalarNode && sh != list:
			s.str = v.Value
		case v.Kind == yaml.SequenceNode && sh != scalar:
			s.isList = true
			s.list = []string{} // "key: []" is set, and empty
			for _, item := range v.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode {
					return nil, exit.Usagef("%s:%d: %s: want a list of strings, got %s in it", path, item.Line, name, kindName(item))
				}
				s.list = append(s.list, item.Value)
			}
		case sh == list:
			return nil, s.errorf("want a list, got %s", kindName(v))
		case sh == scalar:
			return nil, s.errorf("want a single value, got %s", kindName(v))
		default:
			return nil, s.errorf("want a string (run by sh -c) or a list (exec'd), got %s", kindName(v))
		}
		m[name] = s
	}
	return m, nil
}

// isSecret reports whether a file's key tries to set the SSH passphrase, which
// only the environment may give.
func isSecret(name string) bool {
	switch strings.ReplaceAll(strings.ToLower(name), "-", "_") {
	case "ssh_passphrase", "passphrase":
		return true
	}
	return false
}

// resolve follows a YAML alias (*name) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
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
