package suite

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// The names are the same when every (class, name) has one hash: the pairs a
// hash cannot tell apart are told apart by their strings.
func TestNamesWithCollidingHashes(t *testing.T) {
	t.Parallel()
	derive := func(id string) Name {
		var n Name
		n.Suite, n.Class, n.Name = result.GenericNames(id)
		return n
	}
	ids := []string{
		"tests/a.py::test_x", "tests/a.py::test_y", "tests/b.py::test_x",
		"spec/a_spec.rb:3", "spec/a_spec.rb:4", // one name without the line
		"tests/a.rb::test_x", // tests.a > test_x, as the first
		"t/a.t", "t/a.py", "tests/a.py::test_y",
		"tests/c.py::test_z", "tests/c.rb::test_z", // a pair that is not the first hash's
	}
	namesOf := func(ns *names) []Name {
		var got []Name
		for _, id := range ids {
			got = append(got, ns.of(id))
		}
		for i := len(ids) - 1; i >= 0; i-- { // asked again, backwards
			got = append(got, ns.of(ids[i]))
		}
		return got
	}
	want := namesOf(newNames(derive))
	colliding := newNames(derive)
	colliding.hash = func(Name) uint64 { return 7 }
	if diff := cmp.Diff(want, namesOf(colliding)); diff != "" {
		t.Errorf("names with one hash for all (-want +got):\n%s", diff)
	}
	if len(colliding.spill) == 0 {
		t.Error("no pair went to spill")
	}
	seen := map[[2]string]string{}
	for i, n := range want[:len(ids)] {
		k := [2]string{n.Class, n.Name}
		if other, ok := seen[k]; ok && other != ids[i] {
			t.Errorf("%q and %q are both named %v", other, ids[i], k)
		}
		seen[k] = ids[i]
	}
}
