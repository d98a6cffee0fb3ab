package federation

import (
	"context"

	"kring/content"
)

// onFlag is filled in by the reports work of the operations issue.
func (n *Node) onFlag(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	return "ignored: reports are not handled yet", nil
}
