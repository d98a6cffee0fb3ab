package fedload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kring/federation"
)

// Request is one activity, signed ahead of the timed phase. Its Date is
// that of signing: the node accepts it for about an hour.
type Request struct {
	ActivityID string
	Body       []byte
	Header     http.Header
}

// Presign builds n distinct Create{Note} activities from the remote's
// actors in turn, each addressed to (and mentioning) the local actor to,
// and signs them for inbox on every core. Signing costs about 1 ms each
// with RSA-2048, which is why it happens before the clock starts.
func (r *Remote) Presign(ctx context.Context, inbox, to string, n int) ([]Request, error) {
	reqs := make([]Request, n)
	run := time.Now().UnixNano()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				a := r.Actors[i%len(r.Actors)]
				req, err := signedNote(a, inbox, to, fmt.Sprintf("%d%06d", run, i), i)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				reqs[i] = req
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return reqs, firstErr
}

// signedNote is a Create{Note} shaped like Mastodon's (about 2 KiB, with a
// mention, a hashtag and Mastodon's context extensions), signed by a.
func signedNote(a *Actor, inbox, to, seq string, i int) (Request, error) {
	noteID := a.ID + "/statuses/" + seq
	published := time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	mention := "@" + lastSegment(to)
	tagURL := "http://" + hostOf(a.ID) + "/tags/kring"
	html := fmt.Sprintf(`<p><span class="h-card"><a href="%s" class="u-url mention">@<span>%s</span></a></span> `+
		`Load test note %d: the quick brown fox jumps over the lazy dog, and the community garden opens on Saturday `+
		`at ten. Bring gloves, <strong>seeds</strong> and a friend. <a href="%s" class="mention hashtag" rel="tag">#<span>kring</span></a></p>`,
		to, strings.TrimPrefix(mention, "@"), i, tagURL)
	followers := a.ID + "/followers"
	note := map[string]any{
		"id":               noteID,
		"type":             "Note",
		"summary":          nil,
		"inReplyTo":        nil,
		"published":        published,
		"url":              strings.Replace(noteID, "/users/", "/@", 1),
		"attributedTo":     a.ID,
		"to":               []string{federation.Public},
		"cc":               []string{followers, to},
		"sensitive":        false,
		"atomUri":          noteID,
		"inReplyToAtomUri": nil,
		"conversation":     "tag:" + hostOf(a.ID) + "," + published[:10] + ":objectId=" + seq + ":objectType=Conversation",
		"content":          html,
		"contentMap":       map[string]string{"en": html},
		"attachment":       []any{},
		"tag": []map[string]string{
			{"type": "Mention", "href": to, "name": mention},
			{"type": "Hashtag", "href": tagURL, "name": "#kring"},
		},
		"replies": map[string]any{
			"id": noteID + "/replies", "type": "Collection",
			"first": map[string]any{"type": "CollectionPage", "next": noteID + "/replies?only_other_accounts=true&page=true",
				"partOf": noteID + "/replies", "items": []string{}},
		},
	}
	create := map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", map[string]string{
			"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri", "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
			"conversation": "ostatus:conversation", "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#",
			"votersCount": "toot:votersCount", "Hashtag": "as:Hashtag",
		}},
		"id":        noteID + "/activity",
		"type":      "Create",
		"actor":     a.ID,
		"published": published,
		"to":        []string{federation.Public},
		"cc":        []string{followers, to},
		"object":    note,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(create); err != nil {
		return Request{}, err
	}
	body := bytes.TrimSpace(buf.Bytes())
	req, err := http.NewRequest(http.MethodPost, inbox, nil)
	if err != nil {
		return Request{}, err
	}
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("Accept", "application/activity+json")
	if err := (federation.Signer{KeyID: a.KeyID, Key: a.Key}).SignPost(req, body); err != nil {
		return Request{}, err
	}
	return Request{ActivityID: noteID + "/activity", Body: body, Header: req.Header}, nil
}

func lastSegment(iri string) string {
	return iri[strings.LastIndexByte(iri, '/')+1:]
}

// Result is what a load run measured.
type Result struct {
	Sent     int
	Accepted int         // answered 202
	Statuses map[int]int // every other status, by code
	Errors   int         // transport errors
	FirstErr string      // the first transport error or refusal body
	Elapsed  time.Duration
	// Latencies of every request, sorted: send to the end of the answer.
	Latencies []time.Duration
	// AcceptedBefore429 is how many 202s had come back when the first 429
	// did; Accepted when none did.
	AcceptedBefore429 int
	// RetryAfter and Body429 are the Retry-After header and the body of
	// the first 429; "" when there was none.
	RetryAfter, Body429 string
}

// Percentile returns the p-th percentile (0–100) of the latencies.
func (r Result) Percentile(p float64) time.Duration {
	return percentile(r.Latencies, p)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)))
	return sorted[min(i, len(sorted)-1)]
}

// AcceptedPerSecond is the rate of 202 answers over the run.
func (r Result) AcceptedPerSecond() float64 {
	return float64(r.Accepted) / r.Elapsed.Seconds()
}

// Fire sends every request to inbox from senders concurrent goroutines,
// each on its own keep-alive connection, and waits for the answers.
func Fire(ctx context.Context, inbox string, reqs []Request, senders int) Result {
	if senders <= 0 {
		senders = 64
	}
	return fire(ctx, inbox, reqs, senders, 0)
}

// FirePaced sends the requests one after another, starting one every
// interval (or as soon as the previous answer came, when that was later):
// a well-behaved server delivering at its own pace.
func FirePaced(ctx context.Context, inbox string, reqs []Request, interval time.Duration) Result {
	return fire(ctx, inbox, reqs, 1, interval)
}

// fire is Fire with an interval between the starts of each sender's
// requests.
func fire(ctx context.Context, inbox string, reqs []Request, senders int, interval time.Duration) Result {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        senders,
		MaxIdleConnsPerHost: senders,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	res := Result{Sent: len(reqs), Statuses: map[int]int{}, AcceptedBefore429: -1}
	lat := make([]time.Duration, len(reqs))
	status := make([]int, len(reqs))
	var errCount, accepted atomic.Int64
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(reqs) && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				t := time.Now()
				a, err := send(ctx, client, inbox, &reqs[i])
				lat[i] = time.Since(t)
				status[i] = a.status
				switch {
				case a.status == http.StatusAccepted:
					accepted.Add(1)
				case a.status == http.StatusTooManyRequests:
					mu.Lock()
					if res.AcceptedBefore429 < 0 {
						res.AcceptedBefore429 = int(accepted.Load())
						res.RetryAfter, res.Body429 = a.retryAfter, a.body
					}
					mu.Unlock()
				}
				if err != nil || (a.status != http.StatusAccepted && a.status != http.StatusTooManyRequests) {
					msg := fmt.Sprintf("status %d: %s", a.status, a.body)
					if err != nil {
						errCount.Add(1)
						msg = err.Error()
					}
					mu.Lock()
					if res.FirstErr == "" {
						res.FirstErr = msg
					}
					mu.Unlock()
				}
				if wait := interval - time.Since(t); interval > 0 && wait > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(wait):
					}
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Errors = int(errCount.Load())
	for i, code := range status {
		switch code {
		case 0:
			lat[i] = -1 // not sent, or no answer
		case http.StatusAccepted:
			res.Accepted++
		default:
			res.Statuses[code]++
		}
	}
	if res.AcceptedBefore429 < 0 {
		res.AcceptedBefore429 = res.Accepted
	}
	lat = slices.DeleteFunc(lat, func(d time.Duration) bool { return d < 0 })
	slices.Sort(lat)
	res.Latencies = lat
	return res
}

// answer is what send read of a response.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// send POSTs one pre-signed request and reads the answer to the end, so
// that the connection is reused.
func send(ctx context.Context, c *http.Client, inbox string, r *Request) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(r.Body))
	if err != nil {
		return answer{}, err
	}
	req.Header = r.Header.Clone()
	req.Host = r.Header.Get("Host")
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	io.Copy(io.Discard, resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode != http.StatusAccepted {
		a.body = strings.TrimSpace(string(b))
	}
	return a, nil
}

// WaitStored polls count until it reaches want and returns when it saw
// that, or fails when ctx ends first. count is the node's own view of
// what it has processed (the inbox table's processed rows).
func WaitStored(ctx context.Context, count func(context.Context) (int64, error), want int64) (time.Time, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last int64
	for {
		n, err := count(ctx)
		if err == nil && n >= want {
			return time.Now(), nil
		}
		if err == nil {
			last = n
		}
		select {
		case <-ctx.Done():
			return time.Time{}, errors.Join(fmt.Errorf("stored %d of %d", last, want), ctx.Err())
		case <-tick.C:
		}
	}
}
