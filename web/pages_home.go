package web

import (
	"net/http"

	"kring/content"
	"kring/storage"
)

type homePage struct {
	Members []memberItem
	Posts   []content.Post
}

type memberItem struct {
	Username string
	Name     string
}

// home shows the node and its members. Suspended members are left out:
// their profiles answer 410.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	members, err := s.db.ListMembers(r.Context())
	if err != nil {
		return err
	}
	var page homePage
	for _, m := range members {
		if !m.Suspended {
			page.Members = append(page.Members, memberItem{Username: m.Username, Name: m.Name()})
		}
	}
	if page.Posts, err = s.db.Posts(r.Context(), storage.PostFilter{Listed: true, Limit: 10}); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "home", page)
}
