package web

// sitePageRoutes serve the static pages admins publish (about, contact)
// and members' notifications.
func (s *Server) sitePageRoutes() []route {
	return nil
}
