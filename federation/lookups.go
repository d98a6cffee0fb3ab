package federation

import (
	"context"
	"sync"

	"kring/content"
)

// lookups memoises the reads that deciding about a run of Creates
// repeats (is the author followed, is an addressee a member here): two
// database reads per activity otherwise. It lives for one run: any other
// activity (an Accept, a Delete of an actor) may change the answers, so
// processPending starts a new one after it. A nil *lookups reads through.
// It is safe for concurrent use.
type lookups struct {
	mu       sync.Mutex
	followed map[string]bool
	member   map[string]bool
	members  map[string]*content.Member
	actors   map[string]*content.RemoteActor
}

func newLookups() *lookups {
	return &lookups{followed: map[string]bool{}, member: map[string]bool{}, members: map[string]*content.Member{},
		actors: map[string]*content.RemoteActor{}}
}

func (m *lookups) isFollowed(ctx context.Context, n *Node, actor string) (bool, error) {
	if m == nil {
		return n.db.IsFollowed(ctx, actor)
	}
	m.mu.Lock()
	v, ok := m.followed[actor]
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := n.db.IsFollowed(ctx, actor)
	if err == nil {
		m.mu.Lock()
		m.followed[actor] = v
		m.mu.Unlock()
	}
	return v, err
}

// remoteActor returns a stored remote actor, memoised; nil when unknown.
func (m *lookups) remoteActor(ctx context.Context, n *Node, iri string) *content.RemoteActor {
	if m != nil {
		m.mu.Lock()
		a, ok := m.actors[iri]
		m.mu.Unlock()
		if ok {
			return a
		}
	}
	a, err := n.db.RemoteActor(ctx, iri)
	if err != nil {
		a = nil
	}
	if m != nil {
		m.mu.Lock()
		m.actors[iri] = a
		m.mu.Unlock()
	}
	return a
}

// localMember returns the live local member an IRI names, memoised.
func (m *lookups) localMember(ctx context.Context, n *Node, iri string) (*content.Member, bool) {
	if m == nil {
		return n.localActor(ctx, iri)
	}
	m.mu.Lock()
	v, ok := m.members[iri]
	m.mu.Unlock()
	if !ok {
		v, _ = n.localActor(ctx, iri)
		m.mu.Lock()
		m.members[iri] = v
		m.mu.Unlock()
	}
	return v, v != nil
}

// isMember reports whether iri is a live local member.
func (m *lookups) isMember(ctx context.Context, n *Node, iri string) bool {
	if _, ok := n.iris.LocalUsername(iri); !ok {
		return false // not even shaped like one: no read to save
	}
	if m == nil {
		_, ok := n.localActor(ctx, iri)
		return ok
	}
	m.mu.Lock()
	v, ok := m.member[iri]
	m.mu.Unlock()
	if !ok {
		_, v = n.localActor(ctx, iri)
		m.mu.Lock()
		m.member[iri] = v
		m.mu.Unlock()
	}
	return v
}
