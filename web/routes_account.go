package web

// accountRoutes is filled in by the operations issue.
func (s *Server) accountRoutes() []route { return nil }
