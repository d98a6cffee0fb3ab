package web

// mediaRoutes upload and serve members' images.
func (s *Server) mediaRoutes() []route {
	return nil
}
