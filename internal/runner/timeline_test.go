package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
)

// timeline.html is written after the clean-up, which it shows, and is among
// the artifacts the console lists.
func TestTimelineWritten(t *testing.T) {
	var out string
	_, console := fakeRunWith(t, []string{"a", "b", "c"}, &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }},
		func(c *config.Config) { out = c.Out })
	path := filepath.Join(out, "timeline.html")
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(console, "  "+path+"\n") {
		t.Errorf("the console's artifacts do not list %s:\n%s", path, console)
	}
	m := regexp.MustCompile(`<script type="application/json" id="paratest-timeline">(.*)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no data block in timeline.html")
	}
	var d struct {
		Attempts []json.RawMessage `json:"attempts"`
		Phases   []struct {
			Name string `json:"name"`
		} `json:"phases"`
		Lanes []json.RawMessage `json:"lanes"`
	}
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Attempts) != 3 || len(d.Lanes) != 2 {
		t.Errorf("%d attempts on %d lanes, want 3 on 2", len(d.Attempts), len(d.Lanes))
	}
	var names []string
	for _, p := range d.Phases {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); !strings.HasSuffix(got, ",reports,cleanup,summary") {
		t.Errorf("phases %s, want the clean-up's among them", got)
	}
}
