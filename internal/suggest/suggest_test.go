package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"workers", "image", "batch", "port", "docker_socket"}
	for _, tc := range []struct{ in, want string }{
		{"wrkers", "workers"},
		{"Workers", "workers"},
		{"imgae", "image"}, // swapped letters are one edit
		{"docker-socket", "docker_socket"},
		{"pool", ""}, // short words are not stretched to a match
		{"completely_different", ""},
	} {
		if got := Closest(tc.in, known); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
