package main

import (
	"github.com/urfave/cli/v2"

	"kring/federation"
)

// inboxLimitFlags are the inbox's budgets (federation.InboxLimits): per
// sending host, charged for verified activities, and per client address,
// charged for failed signature verifications.
func inboxLimitFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "inbox-host-burst", Value: federation.DefaultInboxHostBurst,
			Usage: "activities one server may deliver at once before the inbox answers 429 (0: no per-host limit)", EnvVars: []string{"KRING_INBOX_HOST_BURST"}},
		&cli.Float64Flag{Name: "inbox-host-rate", Value: federation.DefaultInboxHostRate,
			Usage: "activities per second a server's inbox budget refills", EnvVars: []string{"KRING_INBOX_HOST_RATE"}},
		&cli.IntFlag{Name: "inbox-fail-burst", Value: federation.DefaultInboxFailBurst,
			Usage: "failed signature verifications one address may cause at once before the inbox answers 429 (0: no limit)", EnvVars: []string{"KRING_INBOX_FAIL_BURST"}},
		&cli.Float64Flag{Name: "inbox-fail-rate", Value: federation.DefaultInboxFailRate,
			Usage: "failed verifications per second an address's budget refills", EnvVars: []string{"KRING_INBOX_FAIL_RATE"}},
	}
}

// inboxLimitsFrom reads the inbox budget flags.
func inboxLimitsFrom(c *cli.Context) (*federation.InboxLimits, error) {
	l := federation.InboxLimits{HostBurst: c.Int("inbox-host-burst"), HostRate: c.Float64("inbox-host-rate"),
		FailBurst: c.Int("inbox-fail-burst"), FailRate: c.Float64("inbox-fail-rate")}
	if err := l.Validate(); err != nil {
		return nil, usageError(c, "%v", err)
	}
	return &l, nil
}
