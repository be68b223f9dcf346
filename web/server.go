// Package web assembles Gatehouse's HTTP server: the one route table, the middleware stack
// (panic recovery, request ids and access log, security headers and CSP nonces, cross-origin
// protection, sessions), the single error adaptor, health endpoints and static files.
//
// web imports handlers, views, static and its own leaf packages (session, ratelimit, audit);
// nothing imports web except cmd/gatehouse.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"gatehouse/handlers"
	"gatehouse/static"
)

// serverOptions are the server's dependencies and settings; NewApp fills them from the Config, and
// NewServer adds no defaults of its own.
type serverOptions struct {
	Logger   *slog.Logger
	Assets   *static.Assets
	Sessions *sessionLayer // nil: every request is anonymous (header tests)
	Auth     *handlers.Auth
	Self     *handlers.SelfService
	Admin    *handlers.Admin
	Forgot   *handlers.Forgot
	Language *handlers.Language // nil: every page is English in UTC (header tests)
	Limits   *handlers.Limits
	// PublicURL is the portal's external origin (https://portal.example.com); it is trusted by
	// cross-origin protection even when a proxy rewrites Host.
	PublicURL string
	// OktaOrigin is allowed in CSP form-action (sign-out redirects there).
	OktaOrigin string
	// Images are the img-src origins (SECURITY.md 55); zero means the Okta org and its CDN.
	Images handlers.ImageSources
	// Secure adds HSTS; set when the public URL is https.
	Secure bool
	// TrustedProxies are the peers whose X-Forwarded-For is believed (SECURITY.md 46).
	TrustedProxies []netip.Prefix
	// Ready reports readiness of dependencies (OIDC discovery, JWKS, Redis).
	Ready func(ctx context.Context) error
	// Observe, when set, is told about every request (metrics).
	Observe func(route, method string, status int, d time.Duration)
	// RoleTTL is how long roles are trusted before privileged routes re-check them.
	RoleTTL time.Duration
	// StepUpAge is how recent a sign-in must be for sensitive actions.
	StepUpAge time.Duration
	// StepUpACR, when set, is the Okta acr value that sign-in must have satisfied.
	StepUpACR string
	Now       func() time.Time
}

// Server is the portal's HTTP handler.
type Server struct {
	o        serverOptions
	log      *slog.Logger
	handler  http.Handler
	draining atomic.Bool
	cop      *http.CrossOriginProtection
	paths    *http.ServeMux
}

// NewServer builds the handler: routes, then the global middleware stack. It panics on a route
// conflict (ServeMux does), which TestRoutes catches.
func newServer(o serverOptions) *Server {
	s := &Server{o: o, log: o.Logger}
	s.cop = http.NewCrossOriginProtection()
	if o.PublicURL != "" {
		if origin := originOf(o.PublicURL); origin != "" {
			_ = s.cop.AddTrustedOrigin(origin)
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(s.denyCrossOrigin))

	mux := http.NewServeMux()
	// paths knows every route's path regardless of method, so a wrong method gets 405 rather
	// than the catch-all 404.
	s.paths = http.NewServeMux()
	seen := map[string]bool{}
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.wrap(rt))
		_, path, _ := strings.Cut(rt.pattern, " ")
		if !seen[path] {
			seen[path] = true
			s.paths.Handle(path, http.NotFoundHandler())
		}
	}
	mux.Handle("GET /healthz", named(http.HandlerFunc(s.healthz)))
	mux.Handle("GET /readyz", named(http.HandlerFunc(s.readyz)))
	if o.Assets != nil {
		mux.Handle("GET "+static.Prefix, named(o.Assets))
	}
	mux.Handle("/", s.handle(s.notFound))

	// Outermost first.
	var h http.Handler = mux
	h = s.localize(h)
	h = s.loadSession(h)
	h = s.cop.Handler(h)
	h = s.recoverPanics(h)
	h = s.securityHeaders(h)
	h = s.accessLog(h)
	h = s.requestScope(h)
	// Outside everything else, so the access log and panic recovery see the plain response.
	h = compressResponses(h)
	s.handler = h
	return s
}

// named records the matched route for the access log and metrics.
func named(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.ScopeFrom(r.Context()).SetRoute(r.Pattern)
		h.ServeHTTP(w, r)
	})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain marks the server as shutting down: /readyz fails at once so the load balancer stops
// sending traffic while in-flight requests finish.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("draining\n"))
		return
	}
	if s.o.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.o.Ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	if _, pattern := s.paths.Handler(r); pattern != "" {
		return handlers.MethodNotAllowed()
	}
	return handlers.NotFound("error.no_page")
}
