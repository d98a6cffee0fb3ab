package web

// STUB (owned by the speakers helper).

func (s *Server) speakersRoutes() []route { return nil }
