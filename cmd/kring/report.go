package main

import "github.com/urfave/cli/v2"

// reportCommand is filled in by the operations issue.
func reportCommand(s streams) *cli.Command { return &cli.Command{Name: "report", Hidden: true} }
