package client

import (
	"context"
	"sync"
)

// RequestIDs collects the X-Okta-Request-Id of every Okta response to calls made with a
// context from WithRequestIDs, so that an audit record can name the Okta request behind a
// successful action (errors carry theirs in *Error already).
type RequestIDs struct {
	mu  sync.Mutex
	ids []string
}

type requestIDsKey struct{}

// WithRequestIDs returns a context that records Okta request ids into the returned collector.
func WithRequestIDs(ctx context.Context) (context.Context, *RequestIDs) {
	r := &RequestIDs{}
	return context.WithValue(ctx, requestIDsKey{}, r), r
}

// Last returns the most recent request id, or "".
func (r *RequestIDs) Last() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) == 0 {
		return ""
	}
	return r.ids[len(r.ids)-1]
}

// All returns every request id recorded, oldest first.
func (r *RequestIDs) All() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

func recordRequestID(ctx context.Context, id string) {
	if id == "" {
		return
	}
	if r, ok := ctx.Value(requestIDsKey{}).(*RequestIDs); ok {
		r.mu.Lock()
		r.ids = append(r.ids, id)
		r.mu.Unlock()
	}
}

// RequestIDsFrom returns the collector installed by WithRequestIDs, or nil.
func RequestIDsFrom(ctx context.Context) *RequestIDs {
	r, _ := ctx.Value(requestIDsKey{}).(*RequestIDs)
	return r
}
