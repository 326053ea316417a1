package suite

import (
	"strconv"
	"sync"
)

// names gives each id of the generic adapter its JUnit name, once, and never
// one another id has: GenericNames can give two ids one (class, name) — a line
// number dropped, an extension stripped — and Jenkins would merge their
// histories and show one of them. The first id of the listing to get a
// (class, name) keeps it; a later one that would get it too is named
// "<name> (<id>)", which no other id gives. The order is the listing's, so the
// same listing names alike every time, and a test added later never renames
// one that was there.
type names struct {
	derive func(id string) Name

	mu    sync.Mutex
	byID  map[string]Name
	taken map[[2]string]string // (class, name) → the id that has it
}

func newNames(derive func(id string) Name) *names {
	return &names{derive: derive, byID: map[string]Name{}, taken: map[[2]string]string{}}
}

// of is id's name, decided the first time it is asked for.
func (ns *names) of(id string) Name {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if n, ok := ns.byID[id]; ok {
		return n
	}
	n := ns.derive(id)
	base := n.Name
	for i := 1; ns.taken[[2]string{n.Class, n.Name}] != ""; i++ {
		n.Name = base + " (" + id + ")"
		if i > 1 { // an id whose own name is that: never in practice
			n.Name += " " + strconv.Itoa(i)
		}
	}
	ns.taken[[2]string{n.Class, n.Name}] = id
	ns.byID[id] = n
	return n
}
