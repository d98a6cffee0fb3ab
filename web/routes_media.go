package web

// mediaRoutes upload and serve members' images. Serving is bare: images
// are public, fetched by other servers and cached, and must not touch the
// session table.
func (s *Server) mediaRoutes() []route {
	return []route{
		{pattern: "POST /media", handle: s.needsMedia(s.uploadMedia), maxBody: maxUploadBody},
		{pattern: "GET /media/{name}", handle: s.needsMedia(s.serveMedia), bare: true},
	}
}
