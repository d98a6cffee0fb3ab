package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// resolveFlag maps hosts to loopback addresses for outgoing requests, so
// that several nodes (a.test, b.test, ...) federate on one machine.
func resolveFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "resolve", Usage: "HOST=ADDR:PORT: send requests for HOST to ADDR:PORT (testing nodes on loopback; repeatable)",
		EnvVars: []string{"KRING_RESOLVE"}}
}

// parseResolve reads HOST=ADDR:PORT pairs.
func parseResolve(vals []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		for _, pair := range strings.Split(v, ",") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			host, addr, ok := strings.Cut(pair, "=")
			if !ok || host == "" || addr == "" {
				return nil, failure("write --resolve as HOST=ADDR:PORT, e.g. --resolve b.test=127.0.0.1:8082",
					"--resolve %q is not HOST=ADDR:PORT", pair)
			}
			out[strings.ToLower(host)] = addr
		}
	}
	return out, nil
}

// fedOptions are the federation settings a command takes from flags.
type fedOptions struct {
	Resolve         map[string]string
	AuthorizedFetch bool
	DeliveryBackoff time.Duration // zero: federation's default
}

// newFederation builds the node's federation side from its stored
// settings; dev follows the node's scheme so that every command builds the
// same actor ids as `kring serve`.
func newFederation(db *storage.DB, node *content.Node, opts fedOptions, logger *slog.Logger) (*federation.Node, error) {
	fed, err := federation.New(db, federation.Config{
		Host:            node.Host,
		Dev:             node.Dev(),
		Version:         version,
		Logger:          logger,
		Client:          federation.ClientConfig{Resolve: opts.Resolve},
		AuthorizedFetch: opts.AuthorizedFetch,
		DeliveryBackoff: opts.DeliveryBackoff,
	})
	if err != nil {
		return nil, fmt.Errorf("build federation: %w", err)
	}
	return fed, nil
}
