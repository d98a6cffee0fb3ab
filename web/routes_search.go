package web

func init() { pageNames = append(pageNames, "search") }

// searchRoutes: the search page (pages_search.go). It is a GET form, so
// that results have an address to share and the back button works.
func (s *Server) searchRoutes() []route {
	return []route{
		{pattern: "GET /search", handle: s.searchPage},
	}
}
