package verdict

import (
	"strings"
	"unicode"
)

// match gives each id, by index, the testcases that are its results. Each testcase
// goes to the ids it matches best (all of them on a tie, as for duplicate ids):
//
//  3. exactly: the id is the testcase's file with at most a locator after it
//     (rspec "./spec/a_spec.rb[1:2]" or ":12" against file="./spec/a_spec.rb"), or
//     the normalized id equals the normalized "classname.name"
//     (pytest "tests/test_a.py::TestK::test_y" and classname "tests.test_a.TestK",
//     surefire "com.x.FooTest#testBar" and classname "com.x.FooTest");
//  2. by suffix: one of id and "classname.name" ends the other, as when the runner's
//     root directory is not the command's ("test_a.py::test_x" and "tests.test_a");
//     or the id ends with the name and contains the classname; or the same with the
//     name's parameters dropped ("test_p" for "test_p[1-2]", "testBar" for "testBar()");
//  1. as a container: the id names the testcase's class, module or a directory above
//     it ("tests/test_a.py", "com.x.FooTest").
//
// Normalizing keeps case, turns each run of / \ : . # and spaces into one dot, and
// drops a .py, .rb or .java extension from the id's file part.
//
// rspec's JUnit formatter does not record example ids, so several ids of one spec
// file all match all of its testcases and each gets their worst verdict: wrong for
// the passing ones, never a false pass. Batch rspec ids by file to avoid it.
func match(ids []string, cases []*junitCase) [][]*junitCase {
	norms := make([]string, len(ids))
	for i, id := range ids {
		norms[i] = normID(id)
	}
	out := make([][]*junitCase, len(ids))
	scores := make([]int, len(ids))
	for _, c := range cases {
		best := 0
		for i := range ids {
			scores[i] = score(ids[i], norms[i], c)
			best = max(best, scores[i])
		}
		if best == 0 {
			continue
		}
		for i := range ids {
			if scores[i] == best {
				out[i] = append(out[i], c)
			}
		}
	}
	return out
}

func score(id, nid string, c *junitCase) int {
	if c.File != "" && isFileOf(id, c.File) {
		return 3
	}
	if nid == "" {
		return 0
	}
	class, name := normName(c.Classname), normName(c.Name)
	full := joinDot(class, name)
	switch {
	case nid == full:
		return 3
	case dotSuffix(nid, full) || dotSuffix(full, nid):
		return 2
	case dotSuffix(nid, name) && dotWithin(nid, class):
		return 2
	}
	if i := strings.IndexAny(c.Name, "(["); i > 0 {
		base := joinDot(class, normName(c.Name[:i]))
		if nid == base || dotSuffix(nid, base) || dotSuffix(base, nid) {
			return 2
		}
	}
	if class != "" && (nid == class || dotSuffix(nid, class) || dotSuffix(class, nid) || strings.HasPrefix(class, nid+".")) {
		return 1
	}
	return 0
}

// isFileOf reports whether id is file, or file followed by a locator: "[1:2]" or ":12".
func isFileOf(id, file string) bool {
	id, file = strings.TrimPrefix(id, "./"), strings.TrimPrefix(file, "./")
	rest, ok := strings.CutPrefix(id, file)
	if !ok {
		return false
	}
	switch {
	case rest == "" || rest[0] == '[':
		return true
	case rest[0] == ':' && len(rest) > 1:
		return strings.Trim(rest, ":0123456789") == "" && rest[1] != ':'
	}
	return false
}

// normID normalizes an id, dropping the extension of its file part: the part before
// the first ':', '#' or '['.
func normID(id string) string {
	id = strings.TrimPrefix(id, "./")
	end := strings.IndexAny(id, ":#[")
	if end < 0 {
		end = len(id)
	}
	for _, ext := range []string{".py", ".rb", ".java"} {
		if strings.HasSuffix(id[:end], ext) {
			id = id[:end-len(ext)] + id[end:]
			break
		}
	}
	return normName(id)
}

// normName turns each run of separators into one dot and trims dots at the ends.
func normName(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range s {
		if r == '/' || r == '\\' || r == ':' || r == '.' || r == '#' || unicode.IsSpace(r) {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('.')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

func joinDot(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "." + b
}

// dotSuffix reports whether s is suffix or ends with "."+suffix.
func dotSuffix(s, suffix string) bool {
	return suffix != "" && (s == suffix || strings.HasSuffix(s, "."+suffix))
}

// dotWithin reports whether part is empty or whole dot-separated elements of s.
func dotWithin(s, part string) bool {
	return part == "" || s == part || strings.HasPrefix(s, part+".") ||
		strings.HasSuffix(s, "."+part) || strings.Contains(s, "."+part+".")
}
