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

// GenericClass is the classname of ids with no file, directory or class in
// them ("test_login"): one class for all of them, in a package of its own, so
// that they neither land in Jenkins' (root) package nor get a class each.
const GenericClass = "paratest.tests"

// GenericNames names an id of an unknown runner: the classname (and suite) is
// the file or class the id names, as a dotted path without the file's
// extension; the testcase name is what follows it, never the class again.
//
//	tests/test_a.py::TestK::test_x[1]  tests.test_a.TestK  test_x[1]
//	pkg/foo_test.go:TestBar            pkg.foo_test        TestBar
//	pkg/foo_test.go:TestBar:12         pkg.foo_test        TestBar (the line goes)
//	spec/a_spec.rb:12 adds numbers     spec.a_spec         adds numbers
//	spec/a_spec.rb:12                  spec.a_spec         spec/a_spec.rb:12
//	spec/a_spec.rb[1:2:3]              spec.a_spec         spec/a_spec.rb[1:2:3]
//	tests/db/migrate.sh                tests.db            migrate.sh
//	a/b/c                              a.b                 c
//	Class#method                       Class               method
//	com.example.FooTest.testBar        com.example.FooTest testBar
//	test_login                         paratest.tests      test_login
//
// A line number is no name (it changes whenever code above the test moves), so
// it is dropped after a name; an id that only a line number or an example
// position identifies keeps the whole id as its name. Two ids can get the same
// class and name (the line dropped, an extension stripped); the suite adapter
// tells them apart.
func GenericNames(id string) (suite, class, name string) {
	s := id
	for strings.HasPrefix(s, "./") {
		s = s[2:]
	}
	container, test := splitGeneric(s)
	class = classOf(container)
	name = testName(test)
	if name == "" {
		name = id
	}
	if class == "" {
		class = GenericClass
	}
	return class, class, name
}

// splitGeneric splits an id into its container — a file or a class path, with
// the file's extension removed — and the test's part.
func splitGeneric(s string) (container, test string) {
	// pytest's and Rust's "a/b.py::K::test[p::q]": the last "::" before the
	// parameters.
	params := len(s)
	if i := strings.IndexByte(s, '['); i >= 0 {
		params = i
	}
	if i := strings.LastIndex(s[:params], "::"); i > 0 && i+2 < len(s) {
		return noExt(s[:i], false), s[i+2:]
	}
	if i := strings.IndexByte(s, '#'); i > 0 && i+1 < len(s) { // Ruby's and Java's Class#method
		return noExt(s[:i], false), s[i+1:]
	}
	// A file, then a locator, a name or a description: "spec/a_spec.rb:12",
	// "pkg/foo_test.go:TestBar", "spec/a_spec.rb[1:2]", "a_spec.rb:3 adds".
	if i := strings.IndexAny(s, ": ["); i > 0 && (isFile(s[:i]) || hasDot(s[:i]) && isLocator(strings.TrimPrefix(s[i:], ":"))) {
		test := s[i:]
		if test[0] != '[' {
			test = test[1:]
		}
		return noExt(s[:i], true), test
	}
	dir, last := path.Split(s)
	switch dot := strings.LastIndexByte(last, '.'); {
	case dir != "" && isFile(last): // a file is the test: tests/smoke.sh
		return dir, last
	case dot > 0 && ident(last[:dot]) && ident(last[dot+1:]) && !isFile(last): // Class.method, pkg/Class.method
		return dir + last[:dot], last[dot+1:]
	case dir != "": // a/b/c
		return dir, last
	}
	return "", s // a name alone, or a file alone
}

// noExt removes the extension of the file in container, before any "::"
// classes: a known one (fileExt), or any when the container must be a file.
func noExt(container string, file bool) string {
	p, classes, nested := strings.Cut(container, "::")
	if isFile(p) || file && hasDot(p) {
		p = strings.TrimSuffix(p, path.Ext(p))
	}
	if nested {
		return p + "::" + classes
	}
	return p
}

// testName is the test's part of an id without line locators: "TestBar:12" is
// TestBar, "12 adds numbers" is "adds numbers", "12" and "[1:2:3]" are "".
func testName(test string) string {
	test = strings.TrimSpace(test)
	if head, rest, ok := strings.Cut(test, " "); ok && isLocator(head) {
		test = strings.TrimSpace(rest)
	}
	if isLocator(test) {
		return ""
	}
	if i := strings.LastIndexByte(test, ':'); i > 0 && !strings.ContainsAny(test[i:], "[]") && isLocator(test[i+1:]) {
		test = strings.TrimRight(test[:i], ":")
	}
	return test
}

// isLocator reports whether s only points at a place in a file: a line "12",
// a line and column "12:5", an rspec example position "[1:2:3]".
func isLocator(s string) bool {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ":") {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			return false
		}
	}
	return true
}

// hasDot reports whether the last element of p has a dot after its start: a
// file of an extension fileExt does not know, followed by a locator.
func hasDot(p string) bool { return strings.LastIndexByte(path.Base(p), '.') > 0 }

// isFile reports whether the last element of p is a file name with an
// extension: "a_spec.rb", "smoke.sh" — not "pkg.TestX" nor "example.com/pkg".
func isFile(p string) bool {
	base := path.Base(p)
	dot := strings.LastIndexByte(base, '.')
	return dot > 0 && fileExt(base[dot+1:])
}

// fileExt reports whether ext is the extension of a test file of some runner.
// It is a list, not a shape: "Login.works" is a class and a method, and only
// knowing the extensions tells it from "smoke.sh".
func fileExt(ext string) bool { return fileExts[ext] }

var fileExts = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`py rb go js mjs cjs ts tsx jsx mts cts vue svelte java kt kts scala
		groovy cs fs vb c cc cpp cxx h hpp rs swift m mm php pl pm t sh bash zsh ksh fish bats ps1 lua r
		jl ex exs erl hs ml clj cljs cljc dart feature robot tcl sql elm nim zig cr v sv vhd el lisp scm
		rkt pro tf hcl yml yaml json toml xml html txt md`) {
		fileExts[e] = true
	}
}

// ident reports whether s can be a class or method name: it starts with a
// letter or '_' and holds no space.
func ident(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t") {
		return false
	}
	c := s[0]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// classOf is the dotted class of a container: "::" nests classes in a file, as
// "/" does directories.
func classOf(container string) string {
	return dotted(strings.ReplaceAll(container, "::", "/"))
}

// dotted turns a path into a dotted name with no slashes, no empty parts and no
// characters that make awkward file names.
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
	parts := strings.Split(b.String(), ".")
	out := parts[:0]
	for _, part := range parts {
		if part != "" {
			out = append(out, part)
		}
	}
	return strings.Join(out, ".")
}
