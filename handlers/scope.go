package handlers

import (
	"context"
	"log/slog"
	"sync"
)

// Scope is the mutable per-request record shared by the middleware and the handlers: the
// access log reads it at the end of the request (oauth2-proxy's RequestScope idea).
type Scope struct {
	RequestID string
	// ClientIP is the client's address as web determined it (through trusted proxies only).
	ClientIP string

	mu     sync.Mutex
	userID string
	route  string
	attrs  []slog.Attr
}

type scopeKey struct{}

// WithScope returns a context carrying s.
func WithScope(ctx context.Context, s *Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the request's scope, or a throwaway one (tests calling handlers directly).
func ScopeFrom(ctx context.Context) *Scope {
	if s, ok := ctx.Value(scopeKey{}).(*Scope); ok {
		return s
	}
	return &Scope{}
}

// RequestID returns the portal's request id (from the request scope), or "".
func RequestID(ctx context.Context) string {
	if s, ok := ctx.Value(scopeKey{}).(*Scope); ok {
		return s.RequestID
	}
	return ""
}

// SetUser records who made the request, for the access log.
func (s *Scope) SetUser(id string) {
	s.mu.Lock()
	s.userID = id
	s.mu.Unlock()
}

// User returns the id recorded with SetUser.
func (s *Scope) User() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userID
}

// SetRoute records the matched route pattern; the mux sets it on the request it hands down,
// which the outer middleware never sees.
func (s *Scope) SetRoute(pattern string) {
	s.mu.Lock()
	s.route = pattern
	s.mu.Unlock()
}

// Route returns the pattern recorded with SetRoute.
func (s *Scope) Route() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.route
}

// Note adds an attribute to the request's access-log line. Never pass secrets.
func (s *Scope) Note(key string, value any) {
	s.mu.Lock()
	s.attrs = append(s.attrs, slog.Any(key, value))
	s.mu.Unlock()
}

// Attrs returns the noted attributes.
func (s *Scope) Attrs() []slog.Attr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slog.Attr(nil), s.attrs...)
}
