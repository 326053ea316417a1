package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
)

// Report is what `jenkins-paratest plan` prints: a Plan, how many history
// files it was made from, and with a target, the Fit.
type Report struct {
	Plan  *Plan
	Files int  // timing history files read
	Fit   *Fit // nil without a target
}

// unknownShown is how many tests without history the text names.
const unknownShown = 5

// WriteText writes r for a Jenkins console: a line per worker (under a line
// per host when there are several hosts), then the wall time against the
// lower bound, the tests without history, the target's fit and what the
// prediction assumed, each line starting "plan:" or indented under one.
func (r Report) WriteText(w io.Writer) error {
	p := r.Plan
	b := bufio.NewWriter(w)
	hosts := hostsOf(p.Workers)
	batch := "auto"
	if p.Batch != config.BatchAuto {
		batch = fmt.Sprint(p.Batch)
	}
	on := plural(len(hosts), "host")
	if len(hosts) == 1 {
		on = hosts[0]
	}
	fmt.Fprintf(b, "plan: %s, %s on %s, batch %s; the timing history (%s) knows %d of the tests\n",
		plural(p.Tests, "test"), plural(len(p.Workers), "worker"), on, batch, plural(r.Files, "file"), p.Tests-len(p.Unknown))
	for _, h := range hosts {
		var ws []Worker
		tests := 0
		for _, wk := range p.Workers {
			if wk.Host == h {
				ws = append(ws, wk)
				tests += wk.Tests
			}
		}
		indent := "  "
		if len(hosts) > 1 {
			last := time.Duration(0)
			for _, wk := range ws {
				last = max(last, wk.Finish)
			}
			fmt.Fprintf(b, "  %s: %s, %s, done at %s\n", h, plural(len(ws), "worker"), plural(tests, "test"), Short(last))
			indent = "    "
		}
		for _, wk := range ws {
			if wk.Batches == 0 {
				fmt.Fprintf(b, "%s%-4s up at %s, nothing left to take\n", indent, wk.Name, Short(wk.Ready))
				continue
			}
			fmt.Fprintf(b, "%s%-4s %s in %s, up at %s, done at %s\n", indent, wk.Name,
				plural(wk.Tests, "test"), plural(wk.Batches, "batch"), Short(wk.Ready), Short(wk.Finish))
		}
	}
	fmt.Fprintf(b, "plan: predicted wall time %s, lower bound %s = max(longest test %s, %s of tests ÷ %s = %s) + one container start %s: %.2f× the bound\n",
		Short(p.Wall), Short(p.LowerBound), Short(p.Longest), Short(p.Total), plural(len(p.Workers), "worker"),
		Short(p.Total/time.Duration(max(len(p.Workers), 1))), Short(p.Model.Start), p.Ratio())
	if n := len(p.Unknown); n > 0 {
		shown := p.Unknown[:min(n, unknownShown)]
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		fmt.Fprintf(b, "plan: %s no history; each counts as %s, the median of the known: %s%s\n",
			has(n), Short(p.Estimate), strings.Join(shown, ", "), more)
	}
	if f := r.Fit; f != nil {
		switch {
		case f.TooLong:
			fmt.Fprintf(b, "plan: target %s: no number of workers reaches it: the longest test (%s) and one container start (%s) take longer\n",
				Short(f.Target), Short(p.Longest), Short(p.Model.Start))
		case f.Workers == 0:
			fmt.Fprintf(b, "plan: target %s: no number of workers reaches it; the shortest predicted is %s, with %s (more come up too late to help)\n",
				Short(f.Target), Short(f.BestWall), plural(f.Best, "worker"))
		default:
			spread := ""
			if len(f.Hosts) > 1 {
				var on []string
				for _, h := range f.Hosts {
					on = append(on, fmt.Sprintf("%d on %s", h.Workers, h.Name))
				}
				spread = ": " + strings.Join(on, ", ")
			}
			reach := "reach"
			if f.Workers == 1 {
				reach = "reaches"
			}
			fmt.Fprintf(b, "plan: target %s: %s %s it, predicted %s%s\n", Short(f.Target), plural(f.Workers, "worker"), reach, Short(f.Wall), spread)
		}
	}
	fmt.Fprintf(b, "plan: assumed: on each engine a worker comes up every %s (container start and setup), and each batch costs %s besides its tests\n",
		Short(p.Model.Start), Short(p.Model.Overhead))
	return b.Flush()
}

// WriteJSON writes r as one JSON object, durations in seconds.
func (r Report) WriteJSON(w io.Writer) error {
	type worker struct {
		Host    string  `json:"host"`
		Worker  string  `json:"worker"`
		Tests   int     `json:"tests"`
		Batches int     `json:"batches"`
		Ready   float64 `json:"ready_s"`
		Finish  float64 `json:"finish_s"`
	}
	type host struct {
		Host    string `json:"host"`
		Workers int    `json:"workers"`
	}
	type fit struct {
		Target   float64 `json:"target_s"`
		Workers  int     `json:"workers"` // 0: none up to max
		Wall     float64 `json:"wall_s,omitempty"`
		Hosts    []host  `json:"hosts,omitempty"`
		Best     int     `json:"best_workers,omitempty"` // when none reaches it
		BestWall float64 `json:"best_wall_s,omitempty"`
		Max      int     `json:"max"`
		TooLong  bool    `json:"too_long"`
	}
	p := r.Plan
	out := struct {
		Tests      int      `json:"tests"`
		Files      int      `json:"history_files"`
		Workers    []worker `json:"workers"`
		Wall       float64  `json:"wall_s"`
		LowerBound float64  `json:"lower_bound_s"`
		Longest    float64  `json:"longest_s"`
		Total      float64  `json:"total_s"`
		Unknown    []string `json:"unknown"`
		Estimate   float64  `json:"estimate_s"`
		Start      float64  `json:"start_s"`
		Overhead   float64  `json:"overhead_s"`
		Fit        *fit     `json:"target,omitempty"`
	}{
		Tests: p.Tests, Files: r.Files, Wall: p.Wall.Seconds(), LowerBound: p.LowerBound.Seconds(),
		Longest: p.Longest.Seconds(), Total: p.Total.Seconds(), Unknown: p.Unknown, Estimate: p.Estimate.Seconds(),
		Start: p.Model.Start.Seconds(), Overhead: p.Model.Overhead.Seconds(), Workers: []worker{},
	}
	if out.Unknown == nil {
		out.Unknown = []string{}
	}
	for _, wk := range p.Workers {
		out.Workers = append(out.Workers, worker{wk.Host, wk.Name, wk.Tests, wk.Batches, wk.Ready.Seconds(), wk.Finish.Seconds()})
	}
	if f := r.Fit; f != nil {
		out.Fit = &fit{Target: f.Target.Seconds(), Workers: f.Workers, Wall: f.Wall.Seconds(), Max: f.Max, TooLong: f.TooLong,
			Best: f.Best, BestWall: f.BestWall.Seconds()}
		for _, h := range f.Hosts {
			out.Fit.Hosts = append(out.Fit.Hosts, host{h.Name, h.Workers})
		}
	}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(out)
}

// hostsOf are the workers' hosts, in order.
func hostsOf(ws []Worker) []string {
	var hosts []string
	for _, w := range ws {
		if len(hosts) == 0 || hosts[len(hosts)-1] != w.Host {
			hosts = append(hosts, w.Host)
		}
	}
	return hosts
}

// Short is "12m5s", "1m12.3s", "12.3s" or "350ms": as precise as a
// prediction is.
func Short(d time.Duration) string {
	switch {
	case d >= 10*time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return max(d, 0).Round(time.Millisecond).String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// has is "1 test has" or "3 tests have".
func has(n int) string {
	if n == 1 {
		return "1 test has"
	}
	return fmt.Sprintf("%d tests have", n)
}
