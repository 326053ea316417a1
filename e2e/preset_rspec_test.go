package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// The rspec preset's parity test: e2e/testdata/rspec-suite runs serially in the
// runners image with rspec and rspec_junit_formatter alone, and with
// jenkins-paratest on 4 workers of the same image, which has no formatter of
// ours but the one the preset copies in. Every testcase must have the same
// classname, name and verdict; the example that kills rspec (exit!), which a
// serial run cannot survive, fails as crashed without costing its file's other
// examples theirs; the order-dependent examples are found out.
func TestPresetRSpec(t *testing.T) {
	need(t, false)
	image := suiteImage(t, runnerImage(t), filepath.Join(repoRoot, "e2e", "testdata", "rspec-suite"), "/suite")

	files, _ := serialRun(t, image, "/out",
		"rspec", "--format", "RspecJunitFormatter", "--out", "/out/rspec.xml", "--tag", "~crash")
	checkParity(t, asJenkinsReads(junitVerdicts(t, files...)), parityRun{
		image: image, preset: "rspec",
		crash: caseKey{"spec.crash_spec", "Crash kills the rspec process with exit!"},
		order: map[string]string{
			"./spec/z_ledger_check_spec.rb[1:1]": "./spec/a_ledger_spec.rb[1:1]", // a global
			"./spec/z_ledger_check_spec.rb[1:2]": "./spec/a_ledger_spec.rb[1:2]", // an environment variable
			"./spec/z_ledger_check_spec.rb[1:3]": "./spec/a_ledger_spec.rb[1:3]", // a constant
		},
	})
}

// asJenkinsReads is verdicts as a conforming XML reader — Jenkins' — reads the
// names: it normalizes attribute values, turning the tabs and line ends that
// rspec_junit_formatter writes raw into spaces. encoding/xml does not.
func asJenkinsReads(v map[caseKey]string) map[caseKey]string {
	norm := strings.NewReplacer("\r\n", " ", "\t", " ", "\n", " ", "\r", " ")
	out := make(map[caseKey]string, len(v))
	for k, s := range v {
		out[caseKey{norm.Replace(k.Class), norm.Replace(k.Name)}] = s
	}
	return out
}
