package web

// reportRoutes is filled in by the operations issue.
func (s *Server) reportRoutes() []route { return nil }
