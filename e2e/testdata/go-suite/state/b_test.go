package state

import "testing"

// TestUsesConfig passes only when TestLoadConfig ran before it in the same
// test binary: alone it fails.
func TestUsesConfig(t *testing.T) {
	if Config["port"] != "5432" {
		t.Fatalf("Config not loaded (%v): TestLoadConfig must run first", Config)
	}
}

func TestEmpty1(t *testing.T) {
	if m := Load(""); len(m) != 0 {
		t.Errorf("Load(\"\") = %v", m)
	}
}

func TestEmpty2(t *testing.T) {
	if m := Load(""); len(m) != 0 {
		t.Errorf("Load(\"\") = %v", m)
	}
}

func TestEmpty3(t *testing.T) {
	if m := Load(""); len(m) != 0 {
		t.Errorf("Load(\"\") = %v", m)
	}
}

func TestEmpty4(t *testing.T) {
	if m := Load(""); len(m) != 0 {
		t.Errorf("Load(\"\") = %v", m)
	}
}

func TestEmpty5(t *testing.T) {
	if m := Load(""); len(m) != 0 {
		t.Errorf("Load(\"\") = %v", m)
	}
}
