package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"gatehouse/handlers"
	"gatehouse/views"
)

// handle adapts a handlers.Func to http.Handler. It is the only place where errors become
// responses and the only place they are logged.
func (s *Server) handle(f handlers.Func) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.ScopeFrom(r.Context()).SetRoute(r.Pattern)
		if err := f(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// writeError renders err: a page for full requests, a banner in the alerts region for htmx,
// a redirect to sign in for a 401 that asks for it. The person sees Msg and the request id;
// the log gets the underlying error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	sc := handlers.ScopeFrom(ctx)
	if handlers.ResponseStarted(err) {
		s.log.WarnContext(ctx, "response interrupted", "request_id", sc.RequestID, "err", err)
		return
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The client went away; there is nobody to answer. 499 is nginx's "client closed".
		sc.Note("canceled", true)
		w.WriteHeader(499)
		return
	}
	if s.o.Language != nil && !views.HasLocale(ctx) {
		// Refused before the middleware that localizes (cross-origin protection, a session
		// store that cannot answer): the page still speaks the browser's language.
		r = s.o.Language.Localized(r)
	}
	he := handlers.Classify(err)
	s.logFailure(r, he)
	if he.RetryAfter > 0 {
		secs := int((he.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if he.Redirect != "" {
		redirectForError(w, r, he)
		return
	}
	if rerr := s.renderError(w, r, he); rerr != nil {
		s.log.ErrorContext(ctx, "render error page", "request_id", sc.RequestID, "err", rerr)
		http.Error(w, views.Tf(r.Context(), "error.render_failed", map[string]any{"Ref": sc.RequestID}), he.Status)
	}
}

// logFailure writes the one log line of a failed request: an error for 5xx, info below.
func (s *Server) logFailure(r *http.Request, he *handlers.Error) {
	sc := handlers.ScopeFrom(r.Context())
	level := slog.LevelInfo
	if he.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{slog.String("request_id", sc.RequestID), slog.Int("status", he.Status), slog.String("route", r.Pattern)}
	if u := sc.User(); u != "" {
		attrs = append(attrs, slog.String("user", u))
	}
	if he.Err != nil {
		attrs = append(attrs, slog.String("err", he.Err.Error()))
	} else {
		attrs = append(attrs, slog.String("err", he.Msg))
	}
	s.log.LogAttrs(r.Context(), level, "request failed", attrs...)
}

// redirectForError sends the browser where the error says (to sign in), in the way htmx
// understands: HX-Redirect with the error's status, never a 3xx an XHR would follow.
func redirectForError(w http.ResponseWriter, r *http.Request, he *handlers.Error) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", he.Redirect)
		w.WriteHeader(he.Status)
		return
	}
	http.Redirect(w, r, he.Redirect, http.StatusFound)
}

// renderError shows the error: in the open page's alerts region for htmx, instead of replacing
// whatever was targeted; as a page otherwise.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, he *handlers.Error) error {
	title, msg := he.Words(views.LocaleFrom(r.Context()))
	view := views.ErrorView{
		Status:    he.Status,
		Title:     title,
		Message:   msg,
		RequestID: handlers.ScopeFrom(r.Context()).RequestID,
		SignIn:    he.SignIn,
		Back:      he.Status != http.StatusUnauthorized,
	}
	if handlers.IsHTMX(r) {
		w.Header().Set("HX-Retarget", "#"+views.AlertsID)
		w.Header().Set("HX-Reswap", "innerHTML")
		return handlers.Render(w, r, he.Status, views.ErrorBanner(view))
	}
	return handlers.Render(w, r, he.Status, views.ErrorPage(handlers.PageFor(r, title, ""), view))
}
