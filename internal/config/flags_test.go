package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestFlagsMatchKeys pins that every key has its flag, named after it, whose help
// names the paratest.yml key and the environment variable, and that settings
// reports each flag under its key.
func TestFlagsMatchKeys(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[Flags]()
	byName := map[string]reflect.StructField{}
	for f := range typ.Fields() {
		byName["--"+f.Tag.Get("name")] = f
	}
	all := Flags{}
	v := reflect.ValueOf(&all).Elem()
	flagKeys := FlagKeys() // structured keys are paratest.yml's only
	for _, key := range flagKeys {
		f, ok := byName[flagName(key)]
		if !ok {
			t.Errorf("key %s: no flag %s in Flags", key, flagName(key))
			continue
		}
		help := f.Tag.Get("help")
		for _, want := range []string{"paratest.yml " + key + ":", envName(key)} {
			if !strings.Contains(help, want) {
				t.Errorf("%s: help %q does not mention %q", flagName(key), help, want)
			}
		}
		fv := v.FieldByIndex(f.Index)
		switch fv.Kind() {
		case reflect.Pointer:
			fv.Set(reflect.New(fv.Type().Elem()))
		case reflect.Slice:
			fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		}
	}
	if n := len(byName) - 1; n != len(flagKeys) { // -1: --config is no key
		t.Errorf("Flags has %d key flags, want %d, one per key", n, len(flagKeys))
	}
	if help := byName["--config"].Tag.Get("help"); !strings.Contains(help, "PARATEST_CONFIG") {
		t.Errorf("--config: help %q does not mention PARATEST_CONFIG", help)
	}
	got := all.settings()
	for _, key := range flagKeys {
		s, ok := got[key]
		if !ok {
			t.Errorf("settings: %s given but not reported", flagName(key))
			continue
		}
		if s.key != key || s.where != flagName(key) {
			t.Errorf("settings[%s] = key %q where %q", key, s.key, s.where)
		}
	}
	if n := len(Flags{}.settings()); n != 0 {
		t.Errorf("settings of no flags: %d settings, want 0", n)
	}
}
