package federation

import (
	"context"

	"kring/content"
)

// onMove is filled in by the account work of the operations issue.
func (n *Node) onMove(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	return "ignored: moves are not handled yet", nil
}
