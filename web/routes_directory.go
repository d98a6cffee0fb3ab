package web

// STUB (owned by the directory helper).

func (s *Server) directoryRoutes() []route { return nil }
