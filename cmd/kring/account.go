package main

import "github.com/urfave/cli/v2"

// keysCommand is filled in by the operations issue.
func keysCommand(s streams) *cli.Command { return &cli.Command{Name: "keys", Hidden: true} }

// followsCommand is filled in by the operations issue.
func followsCommand(s streams) *cli.Command { return &cli.Command{Name: "follows", Hidden: true} }

// moveCommand is filled in by the operations issue.
func moveCommand(s streams) *cli.Command { return &cli.Command{Name: "move", Hidden: true} }

// inviteCommand is filled in by the operations issue.
func inviteCommand(s streams) *cli.Command { return &cli.Command{Name: "invite", Hidden: true} }
