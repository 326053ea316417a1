package junit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// validator is the shared script that checks JUnit files against the Surefire XSD and
// xUnit's junit-10.xsd with xmllint.
const validator = "../../../shared/xsd/validate-junit"

// needValidator skips the test when xmllint or the script is missing, unless
// PARATEST_REQUIRE_E2E=1 says CI must run it.
func needValidator(t *testing.T) {
	t.Helper()
	why := ""
	if _, err := exec.LookPath("xmllint"); err != nil {
		why = "xmllint not found (Debian package libxml2-utils)"
	} else if _, err := os.Stat(validator); err != nil {
		why = "schema validator not found: " + err.Error()
	}
	if why == "" {
		return
	}
	if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
		t.Fatalf("%s, and PARATEST_REQUIRE_E2E=1", why)
	}
	t.Skip(why)
}

func validate(files ...string) ([]byte, error) {
	return exec.Command(validator, files...).CombinedOutput()
}

// TestGoldenFilesValidate checks every golden file against both schemas; since
// TestGolden checks that Write produces exactly these files, this covers Write.
func TestGoldenFilesValidate(t *testing.T) {
	needValidator(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < len(goldenCases()) {
		t.Fatalf("found %d golden files, want %d (run go test -update)", len(files), len(goldenCases()))
	}
	if out, err := validate(files...); err != nil {
		t.Errorf("validate-junit: %v\n%s", err, out)
	}
}

// TestValidatorRejects makes sure the validator can fail: a check that passes
// everything would make TestGoldenFilesValidate worthless.
func TestValidatorRejects(t *testing.T) {
	needValidator(t)
	bad := filepath.Join(t.TempDir(), "TEST-bad.xml")
	// junit-10.xsd has no flakes attribute (jenkins-conventions.md, item 2).
	doc := `<testsuite name="s" tests="0" failures="0" errors="0" skipped="0" flakes="0"/>`
	if err := os.WriteFile(bad, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := validate(bad); err == nil {
		t.Errorf("validate-junit accepted an invalid file:\n%s", out)
	}
}
