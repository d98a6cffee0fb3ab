package web

// searchRoutes: the search page (pages_search.go).
func (s *Server) searchRoutes() []route { return nil }
