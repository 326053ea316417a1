package matrix

import (
	"net/netip"
	"strconv"
	"strings"
)

// localName is the host name the console and reports use for the local engine;
// a matrix host never gets it, so its lines cannot pass for local ones.
const localName = "local"

// baseName is a host's name before it is made unique: the address's first DNS
// label, or the whole address when it is an IP ("10.0.0.5", not "10").
func baseName(addr string) string {
	if _, err := netip.ParseAddr(addr); err == nil {
		return addr
	}
	label, _, _ := strings.Cut(addr, ".")
	return label
}

// name gives every host its Name. Names set with name: are kept (and must be
// unique); each other host gets its base name, or base-2, base-3… when an
// earlier host or any name: took it. Names compare without case, because log
// files are named after them and some file systems ignore case.
func (p *parser) name(hosts []Host) error {
	taken := map[string]int{localName: 0} // lower-case name → line of its host
	for _, h := range hosts {
		if h.Name == "" {
			continue
		}
		key := strings.ToLower(h.Name)
		if line, dup := taken[key]; dup {
			return p.errorf(h.Line, "host %s: name: %q is already the name of the host at line %d; pick another", quoteIfOdd(h.Address), h.Name, line)
		}
		taken[key] = h.Line
	}
	// Bare base names first, suffixes after: a host at a-2.example.com keeps
	// "a-2" even when two hosts at a.… come before it (they get "a" and "a-3").
	var rest []int
	for i := range hosts {
		h := &hosts[i]
		if h.Name != "" {
			continue
		}
		base := baseName(h.Address)
		if _, dup := taken[strings.ToLower(base)]; dup {
			rest = append(rest, i)
			continue
		}
		h.Name = base
		taken[strings.ToLower(base)] = h.Line
	}
	for _, i := range rest {
		h := &hosts[i]
		base := baseName(h.Address)
		for n := 2; ; n++ {
			name := base + "-" + strconv.Itoa(n)
			if _, dup := taken[strings.ToLower(name)]; !dup {
				h.Name = name
				taken[strings.ToLower(name)] = h.Line
				break
			}
		}
	}
	return nil
}
