package main

import "github.com/urfave/cli/v2"

// doctorCommand is filled in by the operations issue.
func doctorCommand(s streams) *cli.Command { return &cli.Command{Name: "doctor", Hidden: true} }

// restoreCommand is filled in by the operations issue.
func restoreCommand(s streams) *cli.Command { return &cli.Command{Name: "restore", Hidden: true} }
