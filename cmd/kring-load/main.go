// Command kring-load fires signed Create{Note} activities at a running
// Kring node's shared inbox and reports how many it accepted and stored
// per second, with latency percentiles.
//
// It runs a fake remote server on loopback whose sender actors the node
// fetches keys from, so the node must run with --dev (plain http, loopback
// peers allowed). Activities are signed before the clock starts. With
// --db it also waits until the node has processed every accepted activity
// (it reads the node's database beside it), and with --pid it samples the
// node's resident memory.
//
//	kring serve --dev --data ./data --listen 127.0.0.1:8080 --init-host 127.0.0.1:8080 &
//	kring user add alice --data ./data
//	kring-load --target http://127.0.0.1:8080 --to http://127.0.0.1:8080/users/alice \
//	    --count 10000 --senders 64 --db ./data/kring.db --pid $(pgrep -n kring)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"kring/federation/fedload"
	"kring/storage"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run() error {
	target := flag.String("target", "http://127.0.0.1:8080", "the node's base URL; activities go to its shared inbox, TARGET/inbox")
	to := flag.String("to", "", "the local actor the notes mention and address (default TARGET/users/alice)")
	senders := flag.Int("senders", 64, "concurrent senders, each on its own keep-alive connection")
	count := flag.Int("count", 10000, "activities to send")
	actors := flag.Int("actors", 16, "sender actors on the fake remote, each with an RSA-2048 key")
	keys := flag.String("keys", "", "folder to keep the sender keys in between runs (generated when missing)")
	actorHost := flag.String("actor-host", "", "host in the sender actors' ids (map it on the node with --resolve HOST=ADDR); default: the fake remote's address")
	dbPath := flag.String("db", "", "the node's database file: wait until every accepted activity is processed and report stored/s")
	pid := flag.Int("pid", 0, "the node's process id: report its peak resident memory")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up waiting after this long")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	base := strings.TrimRight(*target, "/")
	if *to == "" {
		*to = base + "/users/alice"
	}

	remote, err := fedload.NewRemote(fedload.RemoteConfig{Host: *actorHost, Actors: *actors, KeyDir: *keys})
	if err != nil {
		return err
	}
	defer remote.Close()
	fmt.Printf("fake remote: %d actors at http://%s (listening on %s)\n", len(remote.Actors), remote.Host, remote.Addr)

	t := time.Now()
	reqs, err := remote.Presign(ctx, base+"/inbox", *to, *count)
	if err != nil {
		return fmt.Errorf("sign activities: %w", err)
	}
	fmt.Printf("signed %d activities in %s\n", len(reqs), time.Since(t).Round(time.Millisecond))

	var db *storage.DB
	var before int64
	if *dbPath != "" {
		if db, err = storage.Open(ctx, *dbPath, storage.Options{}); err != nil {
			return err
		}
		defer db.Close()
		c, err := db.CountInbox(ctx)
		if err != nil {
			return err
		}
		before = c.Processed
	}
	var rss *fedload.RSSSampler
	if *pid > 0 {
		rss = fedload.SampleRSS(*pid, 50*time.Millisecond)
	}

	start := time.Now()
	res := fedload.Fire(ctx, base+"/inbox", reqs, *senders)
	fmt.Printf("sent %d with %d senders in %s: %d accepted (%.0f/s), p50 %s, p99 %s, max %s\n",
		res.Sent, *senders, res.Elapsed.Round(time.Millisecond), res.Accepted, res.AcceptedPerSecond(),
		res.Percentile(50).Round(10*time.Microsecond), res.Percentile(99).Round(10*time.Microsecond), res.Percentile(100).Round(10*time.Microsecond))
	if res.Accepted != res.Sent {
		fmt.Printf("not accepted: statuses %v, %d transport errors; first: %s\n", res.Statuses, res.Errors, res.FirstErr)
	}
	if n := res.Statuses[http.StatusTooManyRequests]; n > 0 {
		fmt.Printf("rate limited: %d answered 429, the first after %d accepted (Retry-After: %s): %s\n",
			n, res.AcceptedBefore429, res.RetryAfter, res.Body429)
	}
	fmt.Printf("key fetches by the node: %d\n", remote.Fetches())

	if db != nil {
		wctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		done, err := fedload.WaitStored(wctx, func(ctx context.Context) (int64, error) {
			c, err := db.CountInbox(ctx)
			return c.Processed - before, err
		}, int64(res.Accepted))
		if err != nil {
			return fmt.Errorf("wait for processing: %w", err)
		}
		took := done.Sub(start)
		fmt.Printf("stored %d in %s: %.0f/s end to end\n", res.Accepted, took.Round(time.Millisecond), float64(res.Accepted)/took.Seconds())
	}
	if rss != nil {
		fmt.Printf("peak RSS of pid %d: %.1f MiB\n", *pid, float64(rss.Stop())/1024)
	}
	if res.Accepted == 0 {
		return errors.New("the node accepted nothing")
	}
	return nil
}
