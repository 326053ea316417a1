package verdict

import "testing"

func TestNormID(t *testing.T) {
	for id, want := range map[string]string{
		"tests/test_a.py::TestK::test_y":   "tests.test_a.TestK.test_y",
		"tests/test_a.py::test_p[a.py b]":  "tests.test_a.test_p[a.py.b]",
		"./spec/a_spec.rb[1:2]":            "spec.a_spec[1.2]",
		"spec/a_spec.rb:12":                "spec.a_spec.12",
		"com.x.FooTest#testBar":            "com.x.FooTest.testBar",
		"src/test/java/com/x/FooTest.java": "src.test.java.com.x.FooTest",
		"Foo Bar  baz":                     "Foo.Bar.baz",
		"lib/python.pyc":                   "lib.python.pyc",
	} {
		if got := normID(id); got != want {
			t.Errorf("normID(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestIsFileOf(t *testing.T) {
	for _, tc := range []struct {
		id, file string
		want     bool
	}{
		{"./spec/a_spec.rb", "./spec/a_spec.rb", true},
		{"spec/a_spec.rb[1:2:1]", "./spec/a_spec.rb", true},
		{"./spec/a_spec.rb:12", "spec/a_spec.rb", true},
		{"./spec/a_spec.rb:12:30", "spec/a_spec.rb", true},
		{"tests/test_a.py::test_x", "tests/test_a.py", false}, // names one test of the file
		{"./spec/a_spec.rb:", "./spec/a_spec.rb", false},
		{"./spec/a_spec.rbx", "./spec/a_spec.rb", false},
		{"./spec/b_spec.rb", "./spec/a_spec.rb", false},
	} {
		if got := isFileOf(tc.id, tc.file); got != tc.want {
			t.Errorf("isFileOf(%q, %q) = %v, want %v", tc.id, tc.file, got, tc.want)
		}
	}
}
