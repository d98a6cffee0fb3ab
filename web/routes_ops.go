package web

// opsRoutes is filled in by the operations issue.
func (s *Server) opsRoutes() []route { return nil }
