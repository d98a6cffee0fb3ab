package federation

import (
	"context"
	"encoding/json"
)

// The storage behind the collections of a member actor.

func (n *Node) outboxSource(ctx context.Context, owner string, offset, limit int) (int, []any, error) {
	total, bodies, err := n.db.Outbox(ctx, owner, offset, limit)
	if err != nil {
		return 0, nil, err
	}
	items := make([]any, len(bodies))
	for i, b := range bodies {
		items[i] = json.RawMessage(b)
	}
	return total, items, nil
}

func (n *Node) followersSource(ctx context.Context, owner string, offset, limit int) (int, []any, error) {
	total, iris, err := n.db.Followers(ctx, owner, offset, limit)
	return total, stringsToAny(iris), err
}

func (n *Node) followingSource(ctx context.Context, owner string, offset, limit int) (int, []any, error) {
	total, iris, err := n.db.Following(ctx, owner, offset, limit)
	return total, stringsToAny(iris), err
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
