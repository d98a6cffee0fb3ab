// Package fedload drives a running node's inbox with real, signed
// traffic over loopback HTTP: a fake remote server whose sender actors
// the node fetches keys from, Create{Note} activities signed ahead of the
// timed phase, concurrent senders on keep-alive connections, latency
// percentiles, and a wait until the node has processed what it accepted.
// The benchmarks in cmd/kring and the cmd/kring-load tool share it.
//
// It may import federation, storage and content; nothing but benchmarks
// and load tools may import it.
package fedload
