package result

import (
	"path"
	"strings"
)

// GoNames names a Go test id "import/path.TestName" the way Jenkins wants it: the
// suite and classname are the import path with slashes turned into dots (Jenkins
// builds its package tree from the dots), the testcase name is the test function.
func GoNames(id string) (suite, class, name string) {
	i := strings.LastIndexByte(id, '.')
	if i <= 0 || i == len(id)-1 {
		return "go", "go", id
	}
	pkg := dotted(id[:i])
	return pkg, pkg, id[i+1:]
}

// GenericNames names an id of an unknown runner. A separator "::", "#" or " " splits
// class from name ("tests/test_a.py::test_x", "Spec#method"); otherwise the id is a
// file, possibly with a ":line" or "[1:2]" locator ("spec/a_spec.rb:12"). The class
// is the file path, dotted and without its extension, so every file is a suite.
func GenericNames(id string) (suite, class, name string) {
	for _, sep := range []string{"::", "#", " "} {
		if i := strings.Index(id, sep); i > 0 && i+len(sep) < len(id) {
			c := classOf(id[:i])
			return c, c, id[i+len(sep):]
		}
	}
	file := id
	if i := strings.IndexAny(id, ":["); i > 0 {
		file = id[:i]
	}
	c := classOf(file)
	return c, c, id
}

func classOf(file string) string {
	file = strings.TrimPrefix(file, "./")
	if ext := path.Ext(file); ext != "" && !strings.Contains(ext, "/") && len(ext) <= 6 {
		file = strings.TrimSuffix(file, ext)
	}
	c := dotted(file)
	if c == "" {
		return "tests"
	}
	return c
}

// dotted turns a path into a dotted name with no slashes or characters that make
// awkward file names.
func dotted(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r == '/' || r == '\\':
			b.WriteByte('.')
		case r < ' ' || strings.ContainsRune(`:*?"<>|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Trim(b.String(), ".")
}
