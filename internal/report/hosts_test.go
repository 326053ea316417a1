package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// onHosts is a run of one test per verdict letter, "p" passed, "f" failed, "e"
// errored, "s" skipped, on the host named by the map key.
func onHosts(verdicts map[string]string) *result.Run {
	status := map[rune]result.Status{'p': result.Passed, 'f': result.Failed, 'e': result.Errored, 's': result.Skipped}
	run := &result.Run{}
	for host, vs := range verdicts {
		for _, v := range vs {
			run.Tests = append(run.Tests, test("pkg.T", at(status[v], 1, "w", host, "")))
		}
	}
	return run
}

func TestHostStats(t *testing.T) {
	type testCase struct {
		name    string
		hosts   map[string]string
		suspect []string
	}
	fn := func(t *testing.T, tc testCase) {
		stats := HostStats(onHosts(tc.hosts))
		var got []string
		for i, h := range stats {
			if i > 0 && stats[i-1].Host >= h.Host {
				t.Errorf("hosts not sorted: %v", stats)
			}
			if want := len(tc.hosts[h.Host]); h.Attempts != want {
				t.Errorf("%s: %d attempts, want %d", h.Host, h.Attempts, want)
			}
			if h.Suspect {
				got = append(got, h.Host)
			}
		}
		if diff := cmp.Diff(tc.suspect, got); diff != "" {
			t.Errorf("suspect hosts (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{name: "no hosts", hosts: nil},
		{name: "one host cannot be compared", hosts: map[string]string{"a": "fffffp"}},
		{name: "others clean", hosts: map[string]string{"a": "pppp", "b": "pppp", "c": "fffp"}, suspect: []string{"c"}},
		{name: "two bad attempts are not enough", hosts: map[string]string{"a": "pppp", "b": "ffpp"}},
		{name: "errors count as bad, skips as attempts", hosts: map[string]string{"a": "pppp", "b": "eefsss"}, suspect: []string{"b"}},
		{name: "equally bad hosts", hosts: map[string]string{"a": "fffp", "b": "fffp"}},
		{
			// b: 3/10 = 0.3; the others' median is 0.1, and 3×0.1 ≤ 0.3.
			name:    "exactly three times the median",
			hosts:   map[string]string{"a": "fppppppppp", "b": "fffppppppp", "c": "fppppppppp"},
			suspect: []string{"b"},
		},
		{
			// b: 3/10 = 0.3, the others' median 0.2: not far enough above.
			name:  "under three times the median",
			hosts: map[string]string{"a": "ffpppppppp", "b": "fffppppppp", "c": "ffpppppppp"},
		},
		{
			// The median, not the mean: one broken host does not hide another.
			name:    "two broken of four",
			hosts:   map[string]string{"a": "pppp", "b": "ffff", "c": "pppp", "d": "ffff"},
			suspect: []string{"b", "d"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestHostStatsSkipsUnknownHost(t *testing.T) {
	run := onHosts(map[string]string{"a": "pp", "b": "ffff"})
	run.Tests = append(run.Tests, test("pkg.Lost", at(result.Skipped, 1, "", "", "not run")))
	stats := HostStats(run)
	want := []HostStat{{Host: "a", Attempts: 2}, {Host: "b", Attempts: 4, Bad: 4, Suspect: true}}
	if diff := cmp.Diff(want, stats); diff != "" {
		t.Errorf("HostStats (-want +got):\n%s", diff)
	}
	if r := (HostStat{}).Rate(); r != 0 {
		t.Errorf("rate of no attempts = %v", r)
	}
}

func TestFailedOnlyOn(t *testing.T) {
	type testCase struct {
		name     string
		attempts []result.Attempt
		want     string
	}
	fail := func(host string) result.Attempt { return at(result.Failed, 1, "w", host, "") }
	pass := func(host string) result.Attempt { return at(result.Passed, 2, "w", host, "") }
	fn := func(t *testing.T, tc testCase) {
		if got := FailedOnlyOn(test("pkg.T", tc.attempts...)); got != tc.want {
			t.Errorf("FailedOnlyOn = %q, want %q", got, tc.want)
		}
	}
	for _, tc := range []testCase{
		{name: "twice on h2, passed on h1", attempts: []result.Attempt{fail("h2"), fail("h2"), pass("h1")}, want: "h2"},
		{name: "errored counts as failed", attempts: []result.Attempt{at(result.Errored, 1, "w", "h2", ""), fail("h2"), pass("h1")}, want: "h2"},
		{name: "failed once on h2, passed on h1", attempts: []result.Attempt{fail("h2"), pass("h1")}, want: "h2"},
		{name: "passed on the same host", attempts: []result.Attempt{fail("h2"), fail("h2"), pass("h2")}},
		{name: "failed on two hosts", attempts: []result.Attempt{fail("h2"), fail("h3"), pass("h1")}},
		{name: "never passed", attempts: []result.Attempt{fail("h2"), fail("h2"), fail("h2")}},
		{name: "skipped elsewhere is not a pass", attempts: []result.Attempt{fail("h2"), fail("h2"), at(result.Skipped, 3, "w", "h1", "")}},
		{name: "unknown host", attempts: []result.Attempt{fail(""), fail(""), pass("h1")}},
		{name: "passed on h1 first", attempts: []result.Attempt{pass("h1"), fail("h2"), fail("h2")}, want: "h2"},
		{name: "no attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestSuspectsOnlyInALargeMatrix(t *testing.T) {
	hosts := map[string]string{"bad": "ffff"}
	for i := range mdSuspectAllHosts {
		hosts[fmt.Sprintf("h%02d", i)] = "pp"
	}
	md := mdSuspects(HostStats(onHosts(hosts)))
	if rows := strings.Count(md, "\n| "); rows != 3 || !strings.Contains(md, "| bad | 4 | 4 | 100.0% | **yes** |") {
		t.Errorf("want the table header and the suspect host only, got:\n%s", md)
	}
}
