package console

import "testing"

func TestColorEnabled(t *testing.T) {
	type testCase struct {
		name string
		mode string
		tty  bool
		env  map[string]string
		want bool
	}
	fn := func(t *testing.T, tc testCase) {
		got := ColorEnabled(tc.mode, tc.tty, func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("ColorEnabled(%q, tty=%v, %v) = %v, want %v", tc.mode, tc.tty, tc.env, got, tc.want)
		}
	}
	for _, tc := range []testCase{
		{name: "never on a tty", mode: "never", tty: true, env: map[string]string{"TERM": "xterm"}, want: false},
		{name: "always without tty", mode: "always", want: true},
		{name: "always beats NO_COLOR", mode: "always", env: map[string]string{"NO_COLOR": "1"}, want: true},
		{name: "always beats dumb", mode: "always", env: map[string]string{"TERM": "dumb"}, want: true},
		{name: "auto plain sh step", mode: "auto", want: false},
		{name: "auto tty", mode: "auto", tty: true, want: true},
		{name: "auto ansiColor TERM", mode: "auto", env: map[string]string{"TERM": "xterm-256color"}, want: true},
		{name: "auto dumb TERM", mode: "auto", env: map[string]string{"TERM": "dumb"}, want: false},
		{name: "auto dumb TERM on tty", mode: "auto", tty: true, env: map[string]string{"TERM": "dumb"}, want: false},
		{name: "auto NO_COLOR on tty", mode: "auto", tty: true, env: map[string]string{"NO_COLOR": "1", "TERM": "xterm"}, want: false},
		{name: "auto empty NO_COLOR", mode: "auto", tty: true, env: map[string]string{"NO_COLOR": ""}, want: true},
		{name: "empty mode is auto", mode: "", env: map[string]string{"TERM": "xterm"}, want: true},
		{name: "unknown mode is auto", mode: "sometimes", want: false},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestColorEnabledNilGetenv(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	if ColorEnabled("auto", true, nil) {
		t.Error("nil getenv: NO_COLOR from the environment was not read")
	}
}
