// Package federation owns everything ActivityPub: IRIs, the content <-> AS2
// conversions, HTTP signatures, the inbox, the outbox and delivery queue,
// WebFinger and NodeInfo, and the outbound HTTP client.
//
// It may import content and storage; it must not import web or
// html/template. The federation core issue fills it.
package federation
