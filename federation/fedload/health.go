package fedload

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// LatencySampler GETs one URL (a health check) at a steady pace while a
// load runs, each request on a fresh connection as a new visitor's would
// be, and keeps how long each answer took.
type LatencySampler struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	samples  []time.Duration
	failures int
	firstErr string
}

// Latencies is what a LatencySampler measured.
type Latencies struct {
	Samples  []time.Duration // sorted
	Failures int             // transport errors and answers other than 200
	FirstErr string
}

// Percentile returns the p-th percentile (0–100) of the samples.
func (l Latencies) Percentile(p float64) time.Duration { return percentile(l.Samples, p) }

// String is "n samples: p50 …, p99 …, max …".
func (l Latencies) String() string {
	return fmt.Sprintf("%d samples: p50 %s, p99 %s, max %s (%d failed)", len(l.Samples),
		l.Percentile(50).Round(10*time.Microsecond), l.Percentile(99).Round(10*time.Microsecond),
		l.Percentile(100).Round(10*time.Microsecond), l.Failures)
}

// SampleLatency starts GETting url every interval until Stop.
func SampleLatency(url string, interval time.Duration) *LatencySampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &LatencySampler{cancel: cancel, done: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			s.probe(ctx, client, url)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *LatencySampler) probe(ctx context.Context, c *http.Client, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	t := time.Now()
	resp, err := c.Do(req)
	if ctx.Err() != nil {
		return // stopped mid-request: not a measurement
	}
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
		}
	}
	d := time.Since(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failures++
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
		return
	}
	s.samples = append(s.samples, d)
}

// Stop ends the sampling and returns the latencies.
func (s *LatencySampler) Stop() Latencies {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	l := Latencies{Samples: slices.Clone(s.samples), Failures: s.failures, FirstErr: s.firstErr}
	slices.Sort(l.Samples)
	return l
}
