package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLimiterSlidingWindow(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(3, 10*time.Minute, clock.Now)

	for i := range 3 {
		if ok, _ := l.allow("k"); !ok {
			t.Fatalf("event %d refused under the limit", i+1)
		}
		l.add("k")
		clock.Advance(time.Minute)
	}
	// Events at 0, 1 and 2 minutes; now is 3 minutes.
	ok, wait := l.allow("k")
	if ok {
		t.Fatal("4th event within the window allowed")
	}
	if want := 7 * time.Minute; wait != want {
		t.Errorf("wait = %v, want %v (until the first event leaves the window)", wait, want)
	}
	if ok, _ := l.allow("other"); !ok {
		t.Error("another key is limited too")
	}
	clock.Advance(7 * time.Minute)
	if ok, _ := l.allow("k"); !ok {
		t.Error("refused after the oldest event left the window")
	}
	l.add("k")
	if ok, _ := l.allow("k"); ok {
		t.Error("allowed while 3 events are in the window")
	}
	l.reset("k")
	if ok, _ := l.allow("k"); !ok {
		t.Error("refused after reset")
	}
}

func TestLimiterCleanup(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(5, time.Minute, clock.Now)
	for _, k := range []string{"a", "b", "c"} {
		l.add(k)
	}
	clock.Advance(30 * time.Second)
	l.add("d")
	clock.Advance(45 * time.Second)
	l.cleanup()
	if got := l.size(); got != 1 {
		t.Errorf("after cleanup %d keys remain, want 1 (only d is in the window)", got)
	}
}

func TestLimiterKeepsAtMostMaxEvents(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(2, time.Hour, clock.Now)
	for range 100 {
		l.add("k")
	}
	if got := len(l.events["k"]); got != 2 {
		t.Errorf("%d events kept, want 2", got)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name       string
		remote     string
		xff        []string
		want       string
		wantKeyFor string
	}{
		{"direct client", "203.0.113.9:5000", nil, "203.0.113.9", "203.0.113.9"},
		{"direct client cannot forge", "203.0.113.9:5000", []string{"10.0.0.1"}, "203.0.113.9", "203.0.113.9"},
		{"proxy on loopback", "127.0.0.1:5000", []string{"198.51.100.4"}, "198.51.100.4", "198.51.100.4"},
		{"proxy appends to a forged list", "127.0.0.1:5000", []string{"10.9.9.9, 198.51.100.4"}, "198.51.100.4", "198.51.100.4"},
		{"several headers: the last counts", "127.0.0.1:5000", []string{"10.9.9.9", "198.51.100.5"}, "198.51.100.5", "198.51.100.5"},
		{"garbage forwarded", "127.0.0.1:5000", []string{"nonsense"}, "127.0.0.1", "127.0.0.1"},
		{"ipv6 loopback proxy", "[::1]:5000", []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"ipv6 client grouped by /64", "[2001:db8:a:b:1::9]:5000", nil, "2001:db8:a:b:1::9", "2001:db8:a:b::/64"},
		{"mapped ipv4", "[::ffff:203.0.113.9]:5000", nil, "203.0.113.9", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := clientIP(r)
			if got.String() != tt.want {
				t.Errorf("clientIP = %s, want %s", got, tt.want)
			}
			if key := ipKey(got); key != tt.wantKeyFor {
				t.Errorf("ipKey = %s, want %s", key, tt.wantKeyFor)
			}
		})
	}
}
