package state

import "testing"

// TestLoadConfig leaves Config behind for TestUsesConfig in b_test.go.
func TestLoadConfig(t *testing.T) {
	Config = Load("db = postgres\nport = 5432")
	if Config["db"] != "postgres" {
		t.Fatalf("Config = %v", Config)
	}
}

func TestParse01(t *testing.T) {
	m := Load("k1 = v1")
	if m["k1"] != "v1" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse02(t *testing.T) {
	m := Load("k2 = v2")
	if m["k2"] != "v2" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse03(t *testing.T) {
	m := Load("k3 = v3")
	if m["k3"] != "v3" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse04(t *testing.T) {
	m := Load("k4 = v4")
	if m["k4"] != "v4" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse05(t *testing.T) {
	m := Load("k5 = v5")
	if m["k5"] != "v5" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse06(t *testing.T) {
	m := Load("k6 = v6")
	if m["k6"] != "v6" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse07(t *testing.T) {
	m := Load("k7 = v7")
	if m["k7"] != "v7" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse08(t *testing.T) {
	m := Load("k8 = v8")
	if m["k8"] != "v8" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse09(t *testing.T) {
	m := Load("k9 = v9")
	if m["k9"] != "v9" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse10(t *testing.T) {
	m := Load("k10 = v10")
	if m["k10"] != "v10" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse11(t *testing.T) {
	m := Load("k11 = v11")
	if m["k11"] != "v11" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse12(t *testing.T) {
	m := Load("k12 = v12")
	if m["k12"] != "v12" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse13(t *testing.T) {
	m := Load("k13 = v13")
	if m["k13"] != "v13" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse14(t *testing.T) {
	m := Load("k14 = v14")
	if m["k14"] != "v14" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse15(t *testing.T) {
	m := Load("k15 = v15")
	if m["k15"] != "v15" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse16(t *testing.T) {
	m := Load("k16 = v16")
	if m["k16"] != "v16" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse17(t *testing.T) {
	m := Load("k17 = v17")
	if m["k17"] != "v17" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse18(t *testing.T) {
	m := Load("k18 = v18")
	if m["k18"] != "v18" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse19(t *testing.T) {
	m := Load("k19 = v19")
	if m["k19"] != "v19" {
		t.Errorf("Load = %v", m)
	}
}

func TestParse20(t *testing.T) {
	m := Load("k20 = v20")
	if m["k20"] != "v20" {
		t.Errorf("Load = %v", m)
	}
}
