package plan

import (
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/matrix"
)

// Fit is how many workers a target wall time needs.
type Fit struct {
	Target time.Duration
	// Workers is the smallest number of workers whose predicted wall time
	// (Wall) is within Target, spread over Hosts; 0 when none is.
	Workers int
	Hosts   []Host
	Wall    time.Duration
	// Best and BestWall are the fewest workers with the shortest predicted
	// wall time found, when none reaches Target.
	Best     int
	BestWall time.Duration
	// Max is the most workers a search may try: matrix.MaxWorkers per host.
	Max int
	// TooLong is set when no number of workers can reach Target: the longest
	// test and one container start take longer.
	TooLong bool
}

// giveUp is how many counts in a row Needed tries without a shorter
// prediction before it stops: past some count, workers come up too late to
// take anything but batches the earlier ones would have ended sooner.
const giveUp = 32

// Needed finds the fewest workers whose predicted wall time is within target.
// The workers are spread over in's hosts as evenly as they go, in matrix
// order, each host at most matrix.MaxWorkers. The wall time does not always
// fall with more workers — on one engine each more comes up later, and
// batch: auto cuts smaller batches for more workers — so Needed tries every
// count upward from the least that could reach target (all test time spread
// over them, plus one start), until one does, or giveUp counts in a row bring
// nothing shorter.
func Needed(in Input, target time.Duration) Fit {
	hosts := max(len(in.Hosts), 1)
	f := Fit{Target: target, Max: hosts * matrix.MaxWorkers}
	p := New(in)
	if p.Longest+in.Model.Start > target {
		f.TooLong = true
		return f
	}
	lo := 1
	if left := target - in.Model.Start; left > 0 && p.Total > 0 {
		lo = max(1, int((p.Total+left-1)/left))
	}
	for n := lo; n <= f.Max && (f.Best == 0 || n-f.Best < giveUp); n++ {
		at := in.with(n)
		wall := New(at).Wall
		if wall <= target {
			f.Workers, f.Hosts, f.Wall = n, at.Hosts, wall
			f.Best, f.BestWall = 0, 0
			return f
		}
		if f.Best == 0 || wall < f.BestWall {
			f.Best, f.BestWall = n, wall
		}
	}
	return f
}

// with is in on n workers over the same hosts (one "local" host when in has
// none), spread round-robin in matrix order.
func (in Input) with(n int) Input {
	names := []string{"local"}
	if len(in.Hosts) > 0 {
		names = names[:0]
		for _, h := range in.Hosts {
			names = append(names, h.Name)
		}
	}
	out := in
	out.Hosts = nil
	for i, name := range names {
		h := Host{Name: name, Workers: n / len(names)}
		if i < n%len(names) {
			h.Workers++
		}
		if h.Workers > 0 {
			out.Hosts = append(out.Hosts, h)
		}
	}
	return out
}
