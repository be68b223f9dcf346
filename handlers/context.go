package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"gatehouse/views"
	"gatehouse/web/session"
)

// Roles a person can hold in Gatehouse (DESIGN.md §3).
const (
	RoleAdmin    = "admin"
	RoleHelpdesk = "helpdesk"
)

type viewerKey struct{}

// WithViewer returns a context carrying the signed-in person's session record.
func WithViewer(ctx context.Context, rec *session.Record) context.Context {
	return context.WithValue(ctx, viewerKey{}, rec)
}

// Viewer returns the signed-in person's session record, or nil when nobody is signed in.
// Identity only ever comes from here — never from a form field, query or path.
func Viewer(ctx context.Context) *session.Record {
	rec, _ := ctx.Value(viewerKey{}).(*session.Record)
	return rec
}

// requireViewer returns the signed-in person or an error that sends them to sign in; routes
// already guarantee a viewer, this is the belt to their braces.
func requireViewer(r *http.Request) (*session.Record, error) {
	if v := Viewer(r.Context()); v != nil {
		return v, nil
	}
	return nil, SignInAgain(r, "Your session has ended. Sign in to continue.")
}

// SignInAgain sends the person to sign in and come back where they were (htmx: 401 +
// HX-Redirect).
func SignInAgain(r *http.Request, msg string) *Error {
	return &Error{
		Status: http.StatusUnauthorized, Title: "Please sign in", Msg: msg,
		Redirect: "/login?return=" + queryEscape(ReturnPath(r)),
		SignIn:   true,
	}
}

// ReturnPath is where to come back to after signing in: the page itself for a full GET, the
// page the request came from (same origin only) for a form or an htmx request.
func ReturnPath(r *http.Request) string {
	if r.Method == http.MethodGet && !IsHTMX(r) {
		return LocalPath(r.URL.RequestURI())
	}
	return RefererPath(r)
}

// RefererPath is the same-origin page the request came from (htmx's HX-Current-URL, else
// Referer), or "/".
func RefererPath(r *http.Request) string {
	for _, h := range []string{r.Header.Get("HX-Current-URL"), r.Header.Get("Referer")} {
		if h == "" {
			continue
		}
		if u, err := url.Parse(h); err == nil && u.Host == r.Host {
			return LocalPath(u.RequestURI())
		}
	}
	return "/"
}

// IsStaff reports whether the person may use the admin console at all.
func IsStaff(rec *session.Record) bool {
	return rec != nil && (rec.HasRole(RoleAdmin) || rec.HasRole(RoleHelpdesk))
}

// PageFor builds the page metadata (title and navigation) for the person making r.
func PageFor(r *http.Request, title, active string) views.Page {
	p := views.Page{Title: title, Nav: views.Nav{Active: active}}
	if v := Viewer(r.Context()); v != nil {
		p.Nav.SignedIn = true
		p.Nav.Name = v.Name
		p.Nav.ShowAdmin = IsStaff(v)
	}
	return p
}

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
