package web

func init() { pageNames = append(pageNames, "directory") }

// directoryRoutes are the members directory (pages_directory.go): the
// members who chose to be listed, with filters and search, open to
// anyone. The profile itself is edited in the settings
// (pages_settings_profile.go) and shown on /@username (pages_member.go).
func (s *Server) directoryRoutes() []route {
	return []route{
		{pattern: "GET /members", handle: s.directoryPage},
	}
}
