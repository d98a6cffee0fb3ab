package main

import "github.com/urfave/cli/v2"

// domainCommand is filled in by the operations issue.
func domainCommand(s streams) *cli.Command { return &cli.Command{Name: "domain", Hidden: true} }

// actorCommand is filled in by the operations issue.
func actorCommand(s streams) *cli.Command { return &cli.Command{Name: "actor", Hidden: true} }
