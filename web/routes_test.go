package web

import "testing"

func TestLocalPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/settings", "/settings"},
		{"/@alice?tab=posts", "/@alice?tab=posts"},
		{"", ""},
		{"settings", ""},
		{"//evil.example", ""},
		{"//evil.example/path", ""},
		{"/\\evil.example", ""},
		{"/a\\b", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"/\x00x", ""},
		{"/ok\r\nLocation: https://evil.example", ""},
	}
	for _, tt := range tests {
		if got := localPath(tt.in); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRoutesBareRoutesOnlyRead(t *testing.T) {
	for _, rt := range (&Server{}).routes() {
		if rt.bare && rt.pattern[:4] != "GET " {
			t.Errorf("route %q is bare (no CSRF check) but not a GET", rt.pattern)
		}
	}
}
