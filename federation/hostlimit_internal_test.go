package federation

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestTokenBucketsBurstAndRefill(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	b := newTokenBuckets(3, 2, clock.now) // 3 at once, 2 per second

	if ok, _ := b.allow("h"); !ok || b.size() != 0 {
		t.Fatalf("an unseen key: allowed %v, %d keys held; want allowed and nothing held (a lookup adds nothing)", ok, b.size())
	}
	for i := range 3 {
		if ok, _ := b.allow("h"); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
		b.take("h")
	}
	ok, wait := b.allow("h")
	if ok {
		t.Fatal("4th request of a burst of 3 allowed")
	}
	if want := 500 * time.Millisecond; wait != want {
		t.Errorf("wait = %v, want %v (one token at 2/s)", wait, want)
	}
	if ok, _ := b.allow("other"); !ok {
		t.Error("another key is refused too")
	}
	clock.advance(250 * time.Millisecond)
	if ok, wait := b.allow("h"); ok || wait != 250*time.Millisecond {
		t.Errorf("after 250ms: allowed %v, wait %v; want refused, 250ms", ok, wait)
	}
	clock.advance(250 * time.Millisecond)
	if ok, _ := b.allow("h"); !ok {
		t.Error("refused after a token refilled")
	}
	clock.advance(time.Hour)
	for i := range 3 {
		if ok, _ := b.allow("h"); !ok {
			t.Fatalf("after an hour, request %d refused: the bucket refills to its burst", i+1)
		}
		b.take("h")
	}
	if ok, _ := b.allow("h"); ok {
		t.Error("the bucket refilled beyond its burst")
	}
}

func TestTokenBucketsDebtIsBounded(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	b := newTokenBuckets(2, 1, clock.now)
	for range 100 { // requests that all passed allow at once, charged later
		b.take("h")
	}
	if _, wait := b.allow("h"); wait > 3*time.Second {
		t.Errorf("wait %v after 100 concurrent charges; the debt must stop at one burst (3s at most)", wait)
	}
}

func TestTokenBucketsStayBounded(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	b := newTokenBuckets(5, 1, clock.now)
	fill := func(prefix string) {
		for i := range maxBuckets {
			b.take(fmt.Sprintf("%s%d.example", prefix, i))
		}
		if b.size() != maxBuckets {
			t.Fatalf("%d keys held, want %d", b.size(), maxBuckets)
		}
	}
	fill("a")
	clock.advance(10 * time.Second) // every bucket is full again
	b.take("new.example")
	if got := b.size(); got != 1 {
		t.Errorf("%d keys held, want 1: full buckets go first", got)
	}
	for i := 0; b.size() < maxBuckets; i++ { // none of them full: under attack, half go
		b.take(fmt.Sprintf("b%d.example", i))
	}
	b.take("another.example")
	if got := b.size(); got > maxBuckets/2+1 {
		t.Errorf("%d keys held after pruning, want at most %d", got, maxBuckets/2+1)
	}
}

func TestClaimedKeyHost(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"cavage Signature", map[string]string{"Signature": `keyId="https://Mastodon.Social/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`}, "mastodon.social"},
		{"Authorization: Signature", map[string]string{"Authorization": `Signature keyId="https://gts.example/users/b/main-key",signature="AAAA"`}, "gts.example"},
		{"RFC 9421", map[string]string{
			"Signature-Input": `sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://m.example:8443/users/c#main-key"`,
			"Signature":       `sig1=:AAAA:`}, "m.example:8443"},
		{"unsigned", nil, ""},
		{"malformed", map[string]string{"Signature": `keyId="https://x.example/k`}, ""},
		{"keyId not a URL", map[string]string{"Signature": `keyId="main-key",signature="AAAA"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/inbox", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := claimedKeyHost(r); got != tt.want {
				t.Errorf("claimedKeyHost = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct", "203.0.113.9:5000", "", "203.0.113.9"},
		{"forwarded header from a stranger is ignored", "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"the local proxy's last entry counts", "127.0.0.1:5000", "10.9.9.9, 198.51.100.1", "198.51.100.1"},
		{"loopback without proxy", "127.0.0.1:5000", "", "127.0.0.1"},
		{"IPv6 by /64", "[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/inbox", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := clientAddr(r); got != tt.want {
				t.Errorf("clientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInboxLimitsValidate(t *testing.T) {
	if err := DefaultInboxLimits().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if err := (InboxLimits{HostBurst: 10}).Validate(); err == nil {
		t.Error("a host burst without a refill rate passed")
	}
	if err := (InboxLimits{}).Validate(); err != nil {
		t.Errorf("everything off: %v", err)
	}
}
