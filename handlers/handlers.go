// Package handlers holds Gatehouse's HTTP handlers, one file per area (auth, self-service,
// admin, forgot password), and what they need at request time: the Func and Error types, the
// signed-in person in the context, and the Render and Redirect helpers.
//
// A handler either writes a complete success response and returns nil, or writes nothing and
// returns an error; package web turns errors into pages and logs them, once. Handlers never
// log failures themselves and never put err.Error() in a response.
//
// handlers imports client (Okta), views (HTML) and the web/session, web/audit and
// web/ratelimit leaf packages; it never imports web.
package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"gatehouse/web/session"
)

// A Func is an HTTP handler that reports failure by returning an error. It must either write a
// complete response and return nil, or write nothing and return an error.
type Func func(w http.ResponseWriter, r *http.Request) error

// Error is a failure with a message fit for the person using the portal. Msg is a full sentence
// they can act on; Err is for the log only.
type Error struct {
	Status     int
	Title      string
	Msg        string
	Err        error
	RetryAfter time.Duration // sets Retry-After when positive
	SignIn     bool          // the page offers to sign in again
	// Redirect, when set on a 401, sends the browser there (HX-Redirect for htmx) instead of
	// rendering a page: the way an expired session or a step-up re-authentication reaches the
	// sign-in page.
	Redirect string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Title, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound reports a missing page or person.
func NotFound(msg string) *Error {
	return &Error{Status: http.StatusNotFound, Title: "Not found", Msg: msg}
}

// Forbidden reports that the person may not do this.
func Forbidden(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Title: "Not allowed", Msg: msg}
}

// BadRequest reports a request that cannot be acted on as sent.
func BadRequest(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Title: "That did not work", Msg: msg}
}

// Conflict reports an action that does not apply in the current state.
func Conflict(msg string) *Error {
	return &Error{Status: http.StatusConflict, Title: "That action does not apply", Msg: msg}
}

// TooMany reports a rate limit hit by this person or client.
func TooMany(msg string, retryAfter time.Duration) *Error {
	return &Error{Status: http.StatusTooManyRequests, Title: "Please slow down", Msg: msg, RetryAfter: retryAfter}
}

// Unavailable reports that a dependency (Okta, the session store) cannot serve the request now.
func Unavailable(msg string, err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Title: "Temporarily unavailable", Msg: msg, Err: err}
}

// Reauthenticate sends the person to sign in again and come back to returnTo; used for step-up
// before sensitive actions.
func Reauthenticate(returnTo string) *Error {
	return &Error{
		Status:   http.StatusUnauthorized,
		Title:    "Please confirm it's you",
		Msg:      "For your security, sign in again before doing this.",
		Redirect: ReauthURL(returnTo),
		SignIn:   true,
	}
}

// ReauthURL sends the person to sign in again (Okta asks for their password even within its
// own session) and come back to path.
func ReauthURL(path string) string {
	return "/login?reauth=1&return=" + queryEscape(LocalPath(path))
}

// NeedsStepUp reports whether v must sign in again before a sensitive action: the sign-in is
// older than age (SECURITY.md 31; age 0 turns that check off), or acr is set and the sign-in
// did not satisfy it (SECURITY.md 56).
func NeedsStepUp(v *session.Record, now time.Time, age time.Duration, acr string) bool {
	if age > 0 && now.Sub(v.AuthTime) > age {
		return true
	}
	return acr != "" && !ACRSatisfied(acr, v.ACR, v.AMR)
}

// ACRSatisfied reports whether an authentication that Okta reported with acr got and methods
// amr satisfies the acr value want: Okta reflects the value it satisfied in the acr claim, so
// got must be want; and for the values that ask for two factors, amr must show them (two
// methods, or "mfa"), so that a token claiming the class without the factors is not believed.
func ACRSatisfied(want, got string, amr []string) bool {
	if want == "" {
		return true
	}
	if got != want {
		return false
	}
	if !ACRWantsTwoFactors(want) {
		return true
	}
	var methods []string
	for _, m := range amr {
		if m == "mfa" {
			return true
		}
		if m != "" && !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	return len(methods) >= 2
}

// ACRWantsTwoFactors reports whether an Okta acr value asks for more than one factor (docs/OKTA.md
// "Step-up"): the 2fa values and the phishing-resistant ones, which imply a possession factor
// on top of the first.
func ACRWantsTwoFactors(acr string) bool {
	return strings.HasPrefix(acr, "urn:okta:loa:2fa:") || acr == "phr" || acr == "phrh"
}

// IsHTMX reports whether r wants a fragment rather than a whole page: an htmx request that is
// not a boosted navigation.
func IsHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}

// HTMXTarget returns the id of the element an htmx request will swap, or "".
func HTMXTarget(r *http.Request) string {
	if !IsHTMX(r) {
		return ""
	}
	return r.Header.Get("HX-Target")
}

// Redirect sends the browser to url in a way htmx understands: an htmx request never gets a
// 3xx (XHR would follow it and swap the target page into a fragment).
func Redirect(w http.ResponseWriter, r *http.Request, url string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", url)
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
		return &writeError{err}
	}
	return nil
}

// writeError marks a failure after the response started, so the adaptor logs but writes nothing.
type writeError struct{ err error }

func (e *writeError) Error() string { return "write response: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// ResponseStarted reports whether err happened after the response was written.
func ResponseStarted(err error) bool {
	var we *writeError
	return errors.As(err, &we)
}

// RequestID returns the portal's request id (from the request scope), or "".
func RequestID(ctx context.Context) string {
	if s, ok := ctx.Value(scopeKey{}).(*Scope); ok {
		return s.RequestID
	}
	return ""
}
