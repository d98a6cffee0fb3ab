package main

import "github.com/urfave/cli/v2"

// STUB (owned by the open-data helper).
func dataCommand(s streams) *cli.Command {
	return &cli.Command{Name: "data", Usage: "open data (not built yet)", Hidden: true}
}
