package web

// opsRoutes are the operator's endpoints on the public listener. /metrics
// answers only with a metrics token (metrics.go); otherwise it is 404 and
// the metrics live on --metrics-listen alone.
func (s *Server) opsRoutes() []route {
	return []route{
		{pattern: "GET /metrics", handle: s.publicMetrics, bare: true},
	}
}
