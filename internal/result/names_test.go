package result

import (
	"strings"
	"testing"
)

func TestGenericNames(t *testing.T) {
	t.Parallel()
	type testCase struct {
		id, class, name string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Helper()
		suite, class, name := GenericNames(tc.id)
		if class != tc.class || name != tc.name || suite != class {
			t.Errorf("GenericNames(%q) = %q, %q, %q; want suite and class %q, name %q", tc.id, suite, class, name, tc.class, tc.name)
		}
	}
	for _, tc := range []testCase{
		// A file and the test in it: the class is the file, dotted, without its
		// extension; the name is the test alone.
		{"tests/test_a.py::test_x", "tests.test_a", "test_x"},
		{"./tests/test_a.py::TestK::test_x[1::2]", "tests.test_a.TestK", "test_x[1::2]"},
		{"tests/test_a.py::test_x[a/b]", "tests.test_a", "test_x[a/b]"},
		{"tests::parse::works", "tests.parse", "works"},
		{"pkg/foo_test.go:TestBar", "pkg.foo_test", "TestBar"},
		{"features/login.feature:12 Logging in", "features.login", "Logging in"},
		{"spec/a_spec.rb adds numbers", "spec.a_spec", "adds numbers"},
		// A line number is no name: it goes after a name…
		{"pkg/foo_test.go:TestBar:12", "pkg.foo_test", "TestBar"},
		{"spec/a_spec.rb:12 adds numbers", "spec.a_spec", "adds numbers"},
		// …and when it alone identifies the test, the id is the name.
		{"spec/a_spec.rb:12", "spec.a_spec", "spec/a_spec.rb:12"},
		{"./spec/a_spec.rb[1:2:3]", "spec.a_spec", "./spec/a_spec.rb[1:2:3]"},
		{"features/login.feature:12:5", "features.login", "features/login.feature:12:5"},
		{"t/x.unknownext:7", "t.x", "t/x.unknownext:7"},
		// A file that is the test: the directory is the class.
		{"tests/db/migrate.sh", "tests.db", "migrate.sh"},
		{"a/b/c", "a.b", "c"},
		{"../up/one", "up", "one"},
		// Classes.
		{"Class#method", "Class", "method"},
		{"com.example.FooTest#testBar", "com.example.FooTest", "testBar"},
		{"com.example.FooTest.testBar", "com.example.FooTest", "testBar"},
		{"Login.works", "Login", "works"},
		{"example.com/app/pkg.TestX", "example.com.app.pkg", "TestX"},
		// Nothing but a name: one class for all of them.
		{"test_login", GenericClass, "test_login"},
		{"flaky1", GenericClass, "flaky1"},
		{"smoke.sh", GenericClass, "smoke.sh"},
		{"should add numbers", GenericClass, "should add numbers"},
		{"v1.2", GenericClass, "v1.2"},
		{"::", GenericClass, "::"},
		{"#", GenericClass, "#"},
	} {
		t.Run(tc.id, func(t *testing.T) { fn(t, tc) })
	}
}

// No class has a slash, an empty part or a character Jenkins' tree or a file
// name trips on, whatever the id.
func TestGenericClassIsDotted(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"a//b/c", "/abs/x_test.py::t", `win\dir\t.py::x`, "a:b:c", "a b/c d", "..", "./", "x/", "a/.b/c", "q?/r*/s"} {
		_, class, name := GenericNames(id)
		if class == "" || name == "" {
			t.Errorf("%q: class %q, name %q", id, class, name)
		}
		for i, part := range strings.Split(class, ".") {
			if part == "" {
				t.Errorf("%q: class %q has an empty part %d", id, class, i)
			}
		}
		for _, c := range `/\:*?"<>|` {
			if strings.ContainsRune(class, c) {
				t.Errorf("%q: class %q holds %q", id, class, c)
			}
		}
	}
}
