package web

// policyRoutes is filled in by the operations issue.
func (s *Server) policyRoutes() []route { return nil }
