package web

// policyRoutes serve the admins' federation page: domain blocks, the
// allowlist, actor policies and the status of the servers the node knows
// (pages_admin_federation.go); and the public list of moderated servers
// with their public reasons.
func (s *Server) policyRoutes() []route {
	return []route{
		{pattern: "GET /moderated-servers", handle: s.moderatedServersPage},
		{pattern: "GET /admin/federation", handle: s.needsFederation(s.adminFederationPage)},
		{pattern: "POST /admin/federation", handle: s.needsFederation(s.saveFederationPolicy)},
	}
}
