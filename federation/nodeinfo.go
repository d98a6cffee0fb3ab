package federation

import (
	"context"
	"fmt"
	"net/http"
)

// softwareName is Kring's name in NodeInfo: lowercase with hyphens only,
// as the schema requires.
const softwareName = "kring"

// nodeInfoSchema is the link relation (and, with "#", the profile) of
// NodeInfo version v.
func nodeInfoSchema(v string) string { return "http://nodeinfo.diaspora.software/ns/schema/" + v }

// serveNodeInfoLinks answers /.well-known/nodeinfo: where each NodeInfo
// version lives. Both are offered because crawlers differ in which they
// read (Mastodon serves 2.0 only, Misskey asks for 2.1 first).
func (n *Node) serveNodeInfoLinks(w http.ResponseWriter, r *http.Request) error {
	allowAnyOrigin(w)
	type link struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	}
	var links []link
	for _, v := range []string{"2.0", "2.1"} {
		links = append(links, link{Rel: nodeInfoSchema(v), Href: n.iris.Base() + "/nodeinfo/" + v})
	}
	return writeJSON(w, jsonContentType, http.StatusOK, map[string][]link{"links": links})
}

type nodeInfo struct {
	Version           string           `json:"version"`
	Software          nodeInfoSoftware `json:"software"`
	Protocols         []string         `json:"protocols"`
	Services          nodeInfoServices `json:"services"`
	OpenRegistrations bool             `json:"openRegistrations"`
	Usage             nodeInfoUsage    `json:"usage"`
	Metadata          nodeInfoMetadata `json:"metadata"`
}

type nodeInfoSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Repository and Homepage exist from 2.1 on; the 2.0 schema forbids
	// other properties, so they stay empty there.
	Repository string `json:"repository,omitempty"`
	Homepage   string `json:"homepage,omitempty"`
}

type nodeInfoServices struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

type nodeInfoUsage struct {
	Users      nodeInfoUsers `json:"users"`
	LocalPosts int           `json:"localPosts"`
}

type nodeInfoUsers struct {
	Total          int `json:"total"`
	ActiveHalfyear int `json:"activeHalfyear"`
	ActiveMonth    int `json:"activeMonth"`
}

type nodeInfoMetadata struct {
	NodeName        string `json:"nodeName"`
	NodeDescription string `json:"nodeDescription"`
}

// softwareRepository and softwareHomepage fill NodeInfo 2.1's software
// links; they are left out while Kring has no public home.
// TODO: set them once the project has a public repository.
const (
	softwareRepository = ""
	softwareHomepage   = ""
)

// serveNodeInfo answers the NodeInfo document of version (2.0 or 2.1).
func (n *Node) serveNodeInfo(version string) fedHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		allowAnyOrigin(w)
		doc, err := n.nodeInfo(r.Context(), version)
		if err != nil {
			return err
		}
		return writeJSON(w, `application/json; profile="`+nodeInfoSchema(version)+`#"`, http.StatusOK, doc)
	}
}

func (n *Node) nodeInfo(ctx context.Context, version string) (*nodeInfo, error) {
	node, err := n.db.Node(ctx)
	if err != nil {
		return nil, fmt.Errorf("nodeinfo: %w", err)
	}
	users, err := n.activeMembers(ctx)
	if err != nil {
		return nil, err
	}
	posts, err := n.localPosts(ctx)
	if err != nil {
		return nil, err
	}
	doc := &nodeInfo{
		Version:   version,
		Software:  nodeInfoSoftware{Name: softwareName, Version: n.cfg.Version},
		Protocols: []string{"activitypub"},
		Services:  nodeInfoServices{Inbound: []string{}, Outbound: []string{}},
		// Members are made by an admin (kring user add); there is no sign-up.
		OpenRegistrations: false,
		// Kring records no last-activity time yet, so every member who is
		// not suspended counts as active in both windows.
		Usage: nodeInfoUsage{
			Users:      nodeInfoUsers{Total: users, ActiveHalfyear: users, ActiveMonth: users},
			LocalPosts: posts,
		},
		Metadata: nodeInfoMetadata{NodeName: node.Name, NodeDescription: node.Description},
	}
	if version != "2.0" {
		doc.Software.Repository, doc.Software.Homepage = softwareRepository, softwareHomepage
	}
	return doc, nil
}

// activeMembers counts the members who are not suspended. It reads the
// member list because storage has no filtered count yet; a community node
// has hundreds of members, not millions.
// TODO: a storage count of unsuspended members, and activity windows.
func (n *Node) activeMembers(ctx context.Context) (int, error) {
	members, err := n.db.ListMembers(ctx)
	if err != nil {
		return 0, fmt.Errorf("nodeinfo: %w", err)
	}
	count := 0
	for _, m := range members {
		if !m.Suspended {
			count++
		}
	}
	return count, nil
}

// localPosts counts what members published on this node for NodeInfo:
// posts, notes and replies (live local objects).
func (n *Node) localPosts(ctx context.Context) (int, error) { return n.db.CountObjects(ctx, true) }
