package web

// blogRoutes are the blog's pages: writing, reading, tags and feeds.
func (s *Server) blogRoutes() []route {
	return nil
}
