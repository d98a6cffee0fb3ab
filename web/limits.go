package web

import (
	"context"
	"net/http"
	"time"

	"kring/content"
)

// clientKeyKey carries the client's limiter key (ipKey of clientIP) in a
// request's context, set by logRequests, so that code deep in a handler
// can charge the client's address without the request.
type clientKeyKey struct{}

func withClientKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, clientKeyKey{}, key)
}

// clientKeyFrom is the client's limiter key; "" outside a request.
func clientKeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(clientKeyKey{}).(string)
	return k
}

// spendWriteAt counts a save against both write budgets: the client
// address's (whoever is logged in: one address cannot flood through many
// accounts) and the member's (one account cannot flood from many
// addresses). Neither is spent when either refuses.
func (s *Server) spendWriteAt(ctx context.Context, m *content.Member) error {
	ip := clientKeyFrom(ctx)
	if ip != "" {
		if ok, wait := s.ipWriteLimit.allow(ip); !ok {
			return rateLimitedAs("limits.too_many_writes", wait, "saves from "+ip)
		}
	}
	member := "writer:" + m.Username
	if ok, wait := s.writeLimit.allow(member); !ok {
		return rateLimitedAs("limits.too_many_writes", wait, "writes by "+m.Username)
	}
	if ip != "" {
		s.ipWriteLimit.add(ip)
	}
	s.writeLimit.add(member)
	return nil
}

// rateLimitedAs is rateLimited with the page's own message; key's
// message takes the wait in whole minutes as {0}.
func rateLimitedAs(key string, wait time.Duration, what string) *problem {
	p := rateLimited(wait, what)
	p.key = key
	return p
}

// capProblem words a content cap refusal (content/limits.go) with the
// cap in the message, in the visitor's language; other errors pass as
// they are.
func capProblem(err error) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	limit, ok := capOf[e.Code]
	if !ok {
		return err
	}
	return &problem{status: http.StatusUnprocessableEntity, key: "limits." + e.Code, args: []any{limit},
		field: e.Field, err: err}
}

// capOf is the number each cap refusal names.
var capOf = map[string]int{
	content.CodePostTagsMany:     content.MaxPostTags,
	content.CodePostMentionsMany: content.MaxPostMentions,
	content.CodePostMediaMany:    content.MaxPostMedia,
}
