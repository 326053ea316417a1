package report

import (
	"slices"
	"strings"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// A host is suspect when all of these hold:
//
//   - the run used at least SuspectMinHosts hosts, so there is something to compare
//     with;
//   - the host had at least SuspectMinBad bad (failed or errored) attempts, so a
//     single unlucky test does not point at a host;
//   - its failure rate (bad attempts / attempts on it) is at least SuspectFactor
//     times the median failure rate of the other hosts. When the other hosts had no
//     bad attempt at all their median is 0, and the first two conditions decide.
//
// The median rather than the mean, so that one other broken host does not hide
// a second one; with four hosts of which two are broken, both are suspect.
const (
	SuspectMinHosts = 2
	SuspectMinBad   = 3
	SuspectFactor   = 3.0
)

// HostStat is how the attempts on one host fared.
type HostStat struct {
	Host     string
	Attempts int  // attempts that ran on the host, whatever their verdict
	Bad      int  // of those, failed or errored
	Suspect  bool // see SuspectFactor
}

// Rate is the host's failure rate, Bad / Attempts, 0 when it ran nothing.
func (h HostStat) Rate() float64 {
	if h.Attempts == 0 {
		return 0
	}
	return float64(h.Bad) / float64(h.Attempts)
}

// HostStats counts every attempt of run by host, sorted by host name, and marks
// the suspect hosts. Attempts with no host (tests that never ran) count nowhere.
func HostStats(run *result.Run) []HostStat {
	idx := map[string]int{}
	var out []HostStat
	for _, t := range run.Tests {
		for _, a := range t.Attempts {
			if a.Host == "" {
				continue
			}
			i, ok := idx[a.Host]
			if !ok {
				i = len(out)
				idx[a.Host] = i
				out = append(out, HostStat{Host: a.Host})
			}
			out[i].Attempts++
			if a.Status.Bad() {
				out[i].Bad++
			}
		}
	}
	slices.SortFunc(out, func(a, b HostStat) int { return strings.Compare(a.Host, b.Host) })
	if len(out) < SuspectMinHosts {
		return out
	}
	others := make([]float64, 0, len(out)-1)
	for i := range out {
		if out[i].Bad < SuspectMinBad {
			continue
		}
		others = others[:0]
		for j := range out {
			if j != i {
				others = append(others, out[j].Rate())
			}
		}
		// The tolerance makes "at least" hold at equality: 3*0.1 is above 0.3 in floats.
		out[i].Suspect = out[i].Rate()+1e-9 >= SuspectFactor*median(others)
	}
	return out
}

// SuspectHosts is the suspect ones of stats, in order.
func SuspectHosts(stats []HostStat) []HostStat {
	var out []HostStat
	for _, h := range stats {
		if h.Suspect {
			out = append(out, h)
		}
	}
	return out
}

// OnlyOnMinBad is how many bad attempts on one host FailedOnlyOn needs. One is
// enough: reruns go to other hosts on purpose, so a test that failed on a host
// and passed everywhere else is exactly what attribution should show; whether
// the host itself is bad is what SuspectHosts weighs over all its tests.
const OnlyOnMinBad = 1

// FailedOnlyOn is the host t failed on when all of its bad attempts, at least
// OnlyOnMinBad of them, ran on that one host and t passed on another host: the
// failure points at the host (its load, network, disk) rather than at the test.
// It is "" otherwise, and when a bad attempt has no host.
func FailedOnlyOn(t *result.Test) string {
	bad, n := "", 0
	for _, a := range t.Attempts {
		if !a.Status.Bad() {
			continue
		}
		if a.Host == "" || (bad != "" && a.Host != bad) {
			return ""
		}
		bad = a.Host
		n++
	}
	if n < OnlyOnMinBad {
		return ""
	}
	for _, a := range t.Attempts {
		if a.Status == result.Passed && a.Host != "" && a.Host != bad {
			return bad
		}
	}
	return ""
}

// median of xs, which it sorts; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
