package result

import (
	"encoding/json"
	"testing"
	"time"
	"unsafe"
)

// The journal holds attempts as flat objects, as the versions before Detail
// wrote them: such a line reads back with its detail, one without any reads
// back with none, and what is written is read back the same.
func TestAttemptJSONIsFlat(t *testing.T) {
	old := `{"Status":"failed","Duration":1500000000,"Start":"2026-12-01T10:00:00Z","Message":"boom","Details":"x_test.go:3","Output":"out\n","Crashed":true,"Round":2,"Worker":"w1","Host":"h","Excerpt":"paratest-out/attachments/h_w1-2.txt"}`
	var a Attempt
	if err := json.Unmarshal([]byte(old), &a); err != nil {
		t.Fatal(err)
	}
	want := Detail{Message: "boom", Details: "x_test.go:3", Output: "out\n", Crashed: true, Excerpt: "paratest-out/attachments/h_w1-2.txt"}
	if a.Detail == nil || *a.Detail != want || a.Status != Failed || a.Message() != "boom" || a.Round != 2 || a.Worker != "w1" || a.Host != "h" || a.Duration != 1500*time.Millisecond {
		t.Errorf("read %+v (detail %+v) from %s", a, a.Detail, old)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != old {
		t.Errorf("wrote %s\nwant    %s", data, old)
	}
	timedOut := Attempt{Status: Failed, Round: 1}
	timedOut.Say(Detail{Message: "timed out after 1s", Cause: TimedOut})
	data, err = json.Marshal(timedOut)
	if err != nil {
		t.Fatal(err)
	}
	var back Attempt
	if err := json.Unmarshal(data, &back); err != nil || back.Cause() != TimedOut {
		t.Errorf("a timed-out attempt read back with cause %q (%v) from %s", back.Cause(), err, data)
	}
	var pass Attempt
	if err := json.Unmarshal([]byte(`{"Status":"passed","Details":"","Output":"","Crashed":false,"Excerpt":"","Round":1}`), &pass); err != nil {
		t.Fatal(err)
	}
	if pass.Detail != nil || pass.Output() != "" || pass.Crashed() {
		t.Errorf("a passing attempt with nothing to say has detail %+v, want none", pass.Detail)
	}
}

// Say keeps no detail for an attempt with nothing to say: the 100,000 passing
// attempts of a big run hold no pointer to empty strings.
func TestSayNothingIsNoDetail(t *testing.T) {
	var a Attempt
	a.Say(Detail{Output: "x"})
	if a.Output() != "x" {
		t.Fatalf("Output() = %q after Say", a.Output())
	}
	a.Say(Detail{})
	if a.Detail != nil {
		t.Errorf("Say(Detail{}) left %+v", a.Detail)
	}
	if size := unsafe.Sizeof(a); size > 96 {
		t.Errorf("an Attempt is %d bytes, want at most 96: every attempt of a run is kept", size)
	}
}

// A test without extras holds none; More makes them when one is set.
func TestExtraOnlyWhenSet(t *testing.T) {
	tc := Test{ID: "a"}
	if tc.Parent() != "" || tc.OrderDependent() != nil || tc.Reproduce() != "" || tc.Extra != nil {
		t.Fatalf("a new test has extras: %+v", tc.Extra)
	}
	tc.More().Reproduce = "paratest run a"
	tc.More().Parent = "p"
	if tc.Reproduce() != "paratest run a" || tc.Parent() != "p" {
		t.Errorf("extras set through More: %+v", tc.Extra)
	}
	if size := unsafe.Sizeof(tc); size > 96 {
		t.Errorf("a Test is %d bytes, want at most 96: every test of a run is kept", size)
	}
}
