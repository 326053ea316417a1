package sample

import "testing"

func TestAlpha(t *testing.T)      {}
func TestBeta(t *testing.T)       {}
func BenchmarkGamma(b *testing.B) {}
func ExampleDelta()               {}
