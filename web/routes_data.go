package web

// STUB (owned by the data helper).

func (s *Server) dataRoutes() []route { return nil }
