package web

// blogRoutes are the blog's pages: writing, reading, tags and feeds. The
// /@user/... patterns catch posts (/@alice/slug), their edit pages and
// buttons (/@alice/slug/edit, .../reply) and the member's feeds
// (/@alice/feed.rss): slugs never hold a dot.
func (s *Server) blogRoutes() []route {
	return []route{
		{pattern: "GET /write", handle: s.needsFederation(s.composePage)},
		{pattern: "POST /write", handle: s.needsFederation(s.savePost)},
		{pattern: "GET /{handle}/{slug}", handle: s.memberPath},
		{pattern: "GET /{handle}/{slug}/{action}", handle: s.memberPath},
		{pattern: "POST /{handle}/{slug}/{action}", handle: s.needsFederation(s.interact)},
		{pattern: "GET /tags/{tag}", handle: s.tag},
		{pattern: "GET /tags/{tag}/{feed}", handle: s.tagFeedRoute},
		{pattern: "GET /feed.rss", handle: s.nodeFeedRoute("rss")},
		{pattern: "GET /feed.atom", handle: s.nodeFeedRoute("atom")},
	}
}
