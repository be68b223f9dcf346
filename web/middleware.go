package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/a-h/templ"

	"gatehouse/handlers"
	"gatehouse/static"
	"gatehouse/views"
	"gatehouse/web/session"
)

// requestScope gives every request an id (echoed as X-Request-Id) and a scope the inner layers
// annotate for the access log.
func (s *Server) requestScope(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := &handlers.Scope{RequestID: newRequestID(), ClientIP: s.clientIP(r)}
		w.Header().Set("X-Request-Id", sc.RequestID)
		next.ServeHTTP(w, r.WithContext(handlers.WithScope(r.Context(), sc)))
	})
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// recorder remembers the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += n
	return n, err
}

func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

func (rw *recorder) Flush() {
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// accessLog writes one line per request. It logs the path without the query string: the
// callback's query carries the authorization code and state (SECURITY.md 36).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.o.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		d := s.o.Now().Sub(start)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		sc := handlers.ScopeFrom(r.Context())
		route := sc.Route()
		if route == "" {
			route = "unmatched"
		}
		if strings.HasPrefix(r.URL.Path, static.Prefix) || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			if s.o.Observe != nil {
				s.o.Observe(route, r.Method, status, d)
			}
			return // assets and probes would drown the log
		}
		attrs := []slog.Attr{
			slog.String("request_id", sc.RequestID),
			slog.String("method", r.Method),
			slog.String("path", logSafe(r.URL.Path)),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", d),
			slog.String("client", sc.ClientIP),
		}
		if u := sc.User(); u != "" {
			attrs = append(attrs, slog.String("user", u))
		}
		attrs = append(attrs, sc.Attrs()...)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		if s.o.Observe != nil {
			s.o.Observe(route, r.Method, status, d)
		}
	})
}

// logSafe keeps user-controlled strings on one log line.
func logSafe(s string) string {
	if len(s) > 256 {
		s = s[:256] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// securityHeaders sets the headers of SECURITY.md requirement 24 on every response, with a
// fresh CSP nonce that templ puts on the scripts it renders.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	assets := views.Assets{}
	if s.o.Assets != nil {
		assets = views.Assets{
			PicoCSS: s.o.Assets.URL("vendor/pico-2.1.1.min.css"),
			AppCSS:  s.o.Assets.URL("css/app.css"),
			HTMX:    s.o.Assets.URL("vendor/htmx-2.0.11.min.js"),
			AppJS:   s.o.Assets.URL("js/app.js"),
			Favicon: s.o.Assets.URL("img/favicon.svg"),
		}
	}
	okta := s.o.OktaOrigin
	// Images only from here, the Okta org, Okta's logo CDN and configured hosts: an image from
	// anywhere else could tell its host who opened the page (app tiles fall back to initials).
	images := s.o.Images.CSP()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [18]byte
		_, _ = rand.Read(b[:])
		nonce := base64.StdEncoding.EncodeToString(b[:])
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; "+
			"script-src 'nonce-"+nonce+"' 'strict-dynamic'; "+
			"style-src 'self'; "+
			"img-src 'self' data: "+images+"; "+
			"font-src 'self'; connect-src 'self'; "+
			"form-action 'self'"+spaced(okta)+"; "+
			"frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.o.Secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		// Personal data must not linger in caches; static assets override this.
		h.Set("Cache-Control", "no-store")
		ctx := templ.WithNonce(r.Context(), nonce)
		if s.o.Assets != nil {
			ctx = views.WithAssets(ctx, assets)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func spaced(origin string) string {
	if origin == "" {
		return ""
	}
	return " " + origin
}

// recoverPanics turns a panic into a generic 500 page with the request id; the process keeps
// serving. The stack goes to the log, never to the client.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "request_id", handlers.ScopeFrom(r.Context()).RequestID,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				return // the response already started; nothing more can be said
			}
			s.writeError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// loadSession puts the signed-in person into the context, read through the session layer. A
// session store that cannot answer fails closed: the request gets a 503, never treated as
// signed out or as someone else.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if s.o.Sessions == nil || p == "/healthz" || p == "/readyz" || strings.HasPrefix(p, static.Prefix) {
			next.ServeHTTP(w, r)
			return
		}
		r, err := s.o.Sessions.load(r)
		if err != nil {
			s.writeError(w, r, handlers.Unavailable("error.session_check", fmt.Errorf("load session: %w", err)))
			return
		}
		if v, ok := handlers.ViewerFrom(r.Context()); ok {
			handlers.ScopeFrom(r.Context()).SetUser(v.UserID)
		}
		next.ServeHTTP(w, r)
	})
}

// localize gives the request its language and time zone (handlers.Language), resolved when a
// page first needs them: a request that only redirects never looks them up.
func (s *Server) localize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if s.o.Language == nil || p == "/healthz" || p == "/readyz" || strings.HasPrefix(p, static.Prefix) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, s.o.Language.Localized(r))
	})
}

// requireUser sends anonymous requests to sign in (htmx: 401 + HX-Redirect) and keeps the
// person's Okta tokens fresh.
func (s *Server) requireUser(next handlers.Func) handlers.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := handlers.ViewerFrom(r.Context()); !ok {
			return handlers.SignInAgain(r, "error.sign_in_to_continue")
		}
		r, err := s.refreshIfNeeded(w, r)
		if errors.Is(err, handlers.ErrSessionRevoked) || errors.Is(err, session.ErrGone) {
			_ = s.o.Sessions.SignOut(w, r)
			handlers.ScopeFrom(r.Context()).Note("session_end", "refresh_rejected")
			return handlers.SignInAgain(r, "error.okta_ended_session")
		}
		if err != nil {
			return handlers.Unavailable("error.refresh_failed", err)
		}
		return next(w, r)
	}
}

// refreshIfSignedIn keeps a signed-in person's tokens fresh on a public route, and lets
// anonymous requests through untouched.
func (s *Server) refreshIfSignedIn(next handlers.Func) handlers.Func {
	withUser := s.requireUser(next)
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := handlers.ViewerFrom(r.Context()); !ok {
			return next(w, r)
		}
		return withUser(w, r)
	}
}

// refreshEarly renews tokens a little before they expire, so a page never starts an Okta call
// with a token that dies on the way.
const refreshEarly = time.Minute

// refreshIfNeeded renews the access token under the session lock: of many concurrent requests
// on one session only the first refreshes; the others wait, reload and find fresh tokens
// (SECURITY.md 20). It returns r carrying the fresh session.
func (s *Server) refreshIfNeeded(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	stale := func(t session.Tokens) bool {
		return !t.Expiry.IsZero() && !s.o.Now().Add(refreshEarly).Before(t.Expiry)
	}
	if t, _ := s.o.Sessions.Tokens(r.Context()); !stale(t) {
		return r, nil
	}
	return s.o.Sessions.update(w, r, func(ctx context.Context, cur *session.Record) (bool, error) {
		if !stale(cur.Tokens) {
			return false, nil // someone else refreshed while we waited
		}
		fresh, err := s.o.Auth.Refresh(ctx, cur.UserID, cur.Tokens)
		if err != nil {
			return false, err
		}
		cur.Tokens = fresh
		// The record is written anyway: where the person is now is kept for their list of
		// sessions at no extra write.
		cur.Device, cur.IP = whereFrom(r)
		return true, nil
	})
}

// requireRole lets through people holding one of roles, re-checking their Okta groups when the
// cached roles are older than RoleTTL. Denials are logged (SECURITY.md 32).
func (s *Server) requireRole(next handlers.Func, roles ...string) handlers.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		r, err := s.recheckRoles(w, r)
		if errors.Is(err, session.ErrGone) {
			return handlers.SignInAgain(r, "error.session.over")
		}
		if err != nil {
			return handlers.Unavailable("error.session.admin_unconfirmed", err)
		}
		ctx := r.Context()
		v, _ := handlers.ViewerFrom(ctx)
		for _, role := range roles {
			if v.HasRole(role) {
				return next(w, r)
			}
		}
		handlers.ScopeFrom(ctx).Note("authz", "denied")
		s.log.WarnContext(ctx, "authorization denied", "user", v.UserID, "route", r.Pattern,
			"request_id", handlers.ScopeFrom(ctx).RequestID)
		if v.IsStaff() {
			return handlers.Forbidden(handlers.MsgNeedsAdmin)
		}
		return handlers.Forbidden(handlers.MsgStaffOnly)
	}
}

// recheckRoles re-reads the person's roles from Okta when the session's are older than
// RoleTTL, and saves them into the session record under its lock. It returns r carrying the
// fresh session.
func (s *Server) recheckRoles(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	_, rec := current(r.Context())
	if rec == nil || s.o.Now().Sub(rec.RolesCheckedAt) <= s.o.RoleTTL {
		return r, nil
	}
	roles, err := s.o.Auth.Roles(r.Context(), rec.UserID)
	if err != nil {
		return r, err
	}
	return s.o.Sessions.update(w, r, func(_ context.Context, cur *session.Record) (bool, error) {
		cur.Roles, cur.RolesCheckedAt = roles, s.o.Now()
		return true, nil
	})
}

// requireRecentAuth enforces step-up: sensitive actions need a sign-in younger than StepUpAge
// (SECURITY.md 31). The person is sent to sign in again and back to the page they came from,
// or, where the route has a stepUpAnswer, shown the form again with why (and nothing done).
func (s *Server) requireRecentAuth(next, answer handlers.Func) handlers.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, _ := handlers.ViewerFrom(r.Context())
		if handlers.NeedsStepUp(v, s.o.Now(), s.o.StepUpAge, s.o.StepUpACR) {
			if answer != nil {
				return answer(w, r)
			}
			return handlers.Reauthenticate(handlers.RefererPath(r))
		}
		return next(w, r)
	}
}

// rateLimit answers 429 with Retry-After before the handler (and any Okta call) runs.
func (s *Server) rateLimit(l handlers.Limit, next handlers.Func) handlers.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, _ := handlers.ViewerFrom(r.Context())
		if err := s.o.Limits.Check(r.Context(), v.UserID, l); err != nil {
			return err
		}
		return next(w, r)
	}
}

func (s *Server) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	handlers.ScopeFrom(r.Context()).Note("csrf", "cross_origin_rejected")
	s.writeError(w, r, handlers.Forbidden("error.session.cross_site"))
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
