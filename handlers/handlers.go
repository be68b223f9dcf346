// Package handlers holds Gatehouse's HTTP handlers, one file per area (auth, self-service,
// credentials, admin, forgot password), and what they need at request time: the Func and Error
// types, the signed-in Viewer in the context, and the Render and redirect helpers.
//
// A handler either writes a complete success response and returns nil, or writes nothing and
// returns an error; package web turns errors into pages and logs them, once. Handlers never
// log failures themselves and never put err.Error() in a response.
//
// Handlers depend on small interfaces declared where they are used (okta.go, sessions.go,
// limits.go), which *client.Client and web's session layer satisfy without knowing them.
// handlers imports client (its types), views (HTML) and the web/session (login transactions
// and tokens, for sign-in) and web/audit leaf packages; it never imports web.
package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
)

// A Func is an HTTP handler that reports failure by returning an error. It must either write a
// complete response and return nil, or write nothing and return an error.
type Func func(w http.ResponseWriter, r *http.Request) error

// IsHTMX reports whether r wants a fragment rather than a whole page: an htmx request that is
// not a boosted navigation.
func IsHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}

// htmxTarget returns the id of the element an htmx request will swap, or "".
func htmxTarget(r *http.Request) string {
	if !IsHTMX(r) {
		return ""
	}
	return r.Header.Get("HX-Target")
}

// redirect sends the browser to url in a way htmx understands: an htmx request never gets a
// 3xx (XHR would follow it and swap the target page into a fragment).
func redirect(w http.ResponseWriter, r *http.Request, url string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-redirect", url)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// Render renders c into a buffer and only then writes headers, status and body, so a failing
// component becomes a clean error page instead of half a page with a 200. It is the one way
// HTML leaves Gatehouse, so it is also where hostile characters in Okta data and reasons are
// made visible (hostile.go).
func Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	// templ flushes in 4 KB writes and most pages are 5–8 KB: one 8 KB buffer up front saves
	// growing it through 4 KB (docs/PERFORMANCE.md, BenchmarkDashboardRenderPresized).
	buf := bytes.NewBuffer(make([]byte, 0, 8<<10))
	if err := c.Render(r.Context(), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, err := w.Write(neutralize(buf.Bytes()))
	if err != nil {
		// The response has started; nothing else can be written. Report it for the log only.
		return &writeFailed{err}
	}
	return nil
}

// writeFailed marks a failure after the response started, so the adaptor logs but writes
// nothing.
type writeFailed struct{ err error }

func (e *writeFailed) Error() string { return "write response: " + e.err.Error() }
func (e *writeFailed) Unwrap() error { return e.err }

// ResponseStarted reports whether err happened after the response was written.
func ResponseStarted(err error) bool {
	var we *writeFailed
	return errors.As(err, &we)
}
