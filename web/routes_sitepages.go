package web

// sitePageRoutes serve the static pages admins publish (about, contact)
// and members' notifications.
func (s *Server) sitePageRoutes() []route {
	return []route{
		{pattern: "GET /p/{slug}", handle: s.sitePage},
		{pattern: "GET /admin/pages", handle: s.adminPagesPage},
		{pattern: "POST /admin/pages", handle: s.savePage},
		{pattern: "POST /admin/pages/delete", handle: s.deletePage},
		{pattern: "GET /notifications", handle: s.notificationsPage},
		{pattern: "POST /notifications/read", handle: s.markNotificationsRead},
	}
}
