package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// searchCommand searches the node's posts, threads, events and members.
func searchCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "search",
		Usage: "search posts, threads, replies, events and members",
		Action: func(c *cli.Context) error {
			return errors.New("search: not built yet")
		},
	}
}
