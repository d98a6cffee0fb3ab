package web

// forumRoutes are the forums' pages: the list, each forum with its
// threads and feeds, starting a thread, a thread with its replies and the
// buttons of members and moderators, and the admins' forum settings.
// /f/{name}/new and the feed names are literal segments, so ServeMux
// prefers them over a thread's /f/{name}/{id}; all of /f/ is more
// specific than the blog's /{handle}/{slug} patterns.
func (s *Server) forumRoutes() []route {
	return []route{
		{pattern: "GET /f", handle: s.needsFederation(s.forumsPage)},
		{pattern: "GET /f/{name}", handle: s.needsFederation(s.forumPage)},
		{pattern: "GET /f/{name}/feed.rss", handle: s.needsFederation(s.forumFeed("rss"))},
		{pattern: "GET /f/{name}/feed.atom", handle: s.needsFederation(s.forumFeed("atom"))},
		{pattern: "GET /f/{name}/new", handle: s.needsFederation(s.newThreadPage)},
		{pattern: "POST /f/{name}/new", handle: s.needsFederation(s.startThread)},
		{pattern: "POST /f/{name}/follow", handle: s.needsFederation(s.followForum)},
		{pattern: "GET /f/{name}/{id}", handle: s.needsFederation(s.threadPage)},
		{pattern: "POST /f/{name}/{id}/{action}", handle: s.needsFederation(s.threadAction)},
		{pattern: "GET /admin/forums", handle: s.needsFederation(s.adminForumsPage)},
		{pattern: "POST /admin/forums", handle: s.needsFederation(s.saveForumSettings)},
	}
}
