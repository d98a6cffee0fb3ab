package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
)

func queueCommand(s streams) *cli.Command {
	hostFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "host", Usage: "only deliveries to this host", EnvVars: []string{"KRING_QUEUE_HOST"}}
	}
	return &cli.Command{
		Name:  "queue",
		Usage: "show and manage the delivery queue",
		Subcommands: []*cli.Command{
			{
				Name:   "status",
				Usage:  "count pending, done and failed deliveries, by host",
				Flags:  commonFlags(),
				Action: queueAction(s, runQueueStatus),
			},
			{
				Name:   "retry",
				Usage:  "make failed deliveries pending and due now",
				Flags:  append(commonFlags(), hostFlag()),
				Action: queueAction(s, runQueueRetry),
			},
			{
				Name:  "purge",
				Usage: "delete finished deliveries (and with --failed the given-up ones)",
				Flags: append(commonFlags(), hostFlag(),
					&cli.BoolFlag{Name: "failed", Usage: "also delete deliveries that were given up", EnvVars: []string{"KRING_QUEUE_FAILED"}}),
				Action: queueAction(s, runQueuePurge),
			},
		},
	}
}

type queueConfig struct {
	commonConfig
	Host   string
	Failed bool
}

func queueAction(s streams, fn func(context.Context, queueConfig, streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		return fn(c.Context, queueConfig{commonConfig: common, Host: c.String("host"), Failed: c.Bool("failed")}, s)
	}
}

func runQueueStatus(ctx context.Context, cfg queueConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.DeliveryStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "pending %d, done %d, failed %d", st.Pending, st.Done, st.Failed)
	if !st.OldestPending.IsZero() {
		fmt.Fprintf(s.out, "; oldest pending queued %s ago", time.Since(st.OldestPending).Round(time.Second))
	}
	fmt.Fprintln(s.out)
	if len(st.ByHost) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPENDING\tFAILED\tLAST ERROR")
	for _, h := range st.ByHost {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", h.Host, h.Pending, h.Failed, orDash(h.LastError))
	}
	return tw.Flush()
}

func runQueueRetry(ctx context.Context, cfg queueConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.RetryDeliveries(ctx, cfg.Host)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Pending again: %s; a running kring serve sends them now.\n", deliveries(n))
	return nil
}

func runQueuePurge(ctx context.Context, cfg queueConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.PurgeDeliveries(ctx, cfg.Host, cfg.Failed)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Deleted %s.\n", deliveries(n))
	return nil
}

func deliveries(n int64) string {
	if n == 1 {
		return "1 delivery"
	}
	return fmt.Sprintf("%d deliveries", n)
}
