package suite

import (
	"hash/maphash"
	"strconv"
	"sync"
	"unique"
)

// names gives each id of the generic adapter its JUnit name, once, and never
// one another id has: GenericNames can give two ids one (class, name) — a line
// number dropped, an extension stripped — and Jenkins would merge their
// histories and show one of them. The first id of the listing to get a
// (class, name) keeps it; a later one that would get it too is named
// "<name> (<id>)", which no other id gives. The order is the listing's, so the
// same listing names alike every time, and a test added later never renames
// one that was there.
//
// What it keeps is sized for 100,000 tests: a name is derived again when asked
// for (derive is a few string operations), the (class, name)s taken are kept
// by their hash with the id that has it (24 bytes a test, where a map of the
// names was 170), and only a renamed id's name is kept whole.
type names struct {
	derive func(id string) Name
	hash   func(Name) uint64

	mu sync.Mutex
	// taken is the id that has a (class, name), by the pair's hash; a pair
	// whose hash another pair has (one in 2^64) is in spill.
	taken   map[uint64]string
	spill   map[[2]string]string
	renamed map[string]Name // the ids named "<name> (<id>)"
}

func newNames(derive func(id string) Name) *names {
	seed := maphash.MakeSeed()
	return &names{
		derive: derive,
		hash: func(n Name) uint64 {
			var h maphash.Hash
			h.SetSeed(seed)
			h.WriteString(n.Class)
			h.WriteByte(0)
			h.WriteString(n.Name)
			return h.Sum64()
		},
		taken:   map[uint64]string{},
		spill:   map[[2]string]string{},
		renamed: map[string]Name{},
	}
}

// of is id's name, decided the first time it is asked for.
func (ns *names) of(id string) Name {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if n, ok := ns.renamed[id]; ok {
		return n
	}
	n := ns.named(id)
	base := n.Name
	for i := 1; ; i++ {
		holder := ns.holder(n, id)
		if holder == id {
			return n
		}
		if holder == "" {
			break
		}
		n.Name = base + " (" + id + ")"
		if i > 1 { // an id whose own name is that: never in practice
			n.Name += " " + strconv.Itoa(i)
		}
	}
	ns.take(n, id)
	if n.Name != base {
		ns.renamed[id] = n
	}
	return n
}

// named is id's derived name, one copy of each class and suite string kept.
func (ns *names) named(id string) Name {
	n := ns.derive(id)
	n.Class = unique.Make(n.Class).Value()
	n.Suite = unique.Make(n.Suite).Value()
	return n
}

// holder is the id that has n, "" when none has. asking is the id n is
// derived for, never a renamed one (of answers those): when it is the id kept
// for n's hash, n is its name, and it is not derived again.
func (ns *names) holder(n Name, asking string) string {
	id, ok := ns.taken[ns.hash(n)]
	if !ok {
		return ""
	}
	if id == asking {
		return id
	}
	if c := ns.current(id); c.Class == n.Class && c.Name == n.Name {
		return id
	}
	return ns.spill[[2]string{n.Class, n.Name}]
}

func (ns *names) take(n Name, id string) {
	h := ns.hash(n)
	if _, ok := ns.taken[h]; ok {
		ns.spill[[2]string{n.Class, n.Name}] = id
		return
	}
	ns.taken[h] = id
}

// current is the name an id that has one has.
func (ns *names) current(id string) Name {
	if n, ok := ns.renamed[id]; ok {
		return n
	}
	return ns.named(id)
}
