package federation

// discoveryRoutes is replaced by webfinger.go and nodeinfo.go.
func (n *Node) discoveryRoutes() []Route { return nil }

// actorRoutes is replaced by actor.go.
func (n *Node) actorRoutes() []Route { return nil }
