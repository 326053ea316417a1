package console

import "os"

// SGR colour parameters; the only escape sequences the console writes.
const (
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrReset  = "\x1b[0m"
)

// ColorEnabled decides whether to write colour for --color=mode: "always" and
// "never" mean what they say; anything else is "auto". In auto, a non-empty
// NO_COLOR turns colour off (no-color.org: an explicit flag overrides NO_COLOR,
// the environment overrides the default), TERM=dumb turns it off, and otherwise
// colour is on when stdout is a terminal or TERM is set (Jenkins' ansiColor
// wrapper sets TERM; a plain sh step usually leaves it unset). A nil getenv
// reads the process environment.
func ColorEnabled(mode string, stdoutIsTTY bool, getenv func(string) string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" {
		return false
	}
	term := getenv("TERM")
	if term == "dumb" {
		return false
	}
	return stdoutIsTTY || term != ""
}

// paint wraps s in the SGR colour code when colour is on.
func (c *Console) paint(code, s string) string {
	if !c.color || code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + sgrReset
}
