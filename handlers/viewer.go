package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"gatehouse/views"
)

// Roles a person can hold in Gatehouse (DESIGN.md §3).
const (
	RoleAdmin    = "admin"
	RoleHelpdesk = "helpdesk"
)

// Viewer is the signed-in person as the handlers see them: who they are, what they may do, and
// how and when they signed in. It is what the session layer puts into the request's context
// (package web), and the only source of identity: never a form field, query or path. It
// carries no token and no session id: the few paths that must act with the person's tokens
// reach them through SessionTokens, so they never travel through handler signatures.
type Viewer struct {
	// UserID is the Okta user id (the ID token's sub); Issuer the ID token's iss.
	UserID, Issuer string
	// Login, Name and Email are what the pages show.
	Login, Name, Email string
	// Roles are Gatehouse roles (RoleAdmin, RoleHelpdesk).
	Roles []string
	// AuthTime is when the person last authenticated at Okta; ACR and AMR how (the ID token's
	// acr, when one was asked for, and amr).
	AuthTime time.Time
	ACR      string
	AMR      []string
	// Lang is the language the person chose from the language menu for this session, or "".
	Lang string
	// Prefs are their Okta profile's language and time zone as /users/me said at sign-in.
	Prefs Prefs
	// Session names the browser session the request came with without revealing its id (a
	// hash of it, which changes when the session is rotated): the once guard shares a form's
	// answer only within the session that submitted it.
	Session string
}

// HasRole reports whether the viewer holds role.
func (v Viewer) HasRole(role string) bool { return slices.Contains(v.Roles, role) }

// IsStaff reports whether the viewer may use the admin console at all.
func (v Viewer) IsStaff() bool { return v.HasRole(RoleAdmin) || v.HasRole(RoleHelpdesk) }

type viewerKey struct{}

// WithViewer returns a context carrying the signed-in person.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the signed-in person, and false when nobody is signed in.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// requireViewer returns the signed-in person or an error that sends them to sign in; routes
// already guarantee a viewer, this is the belt to their braces.
func requireViewer(r *http.Request) (Viewer, error) {
	if v, ok := ViewerFrom(r.Context()); ok {
		return v, nil
	}
	return Viewer{}, SignInAgain(r, msgSessionEnded)
}

// NeedsStepUp reports whether v must sign in again before a sensitive action: the sign-in is
// older than age (SECURITY.md 31; age 0 turns that check off), or acr is set and the sign-in
// did not satisfy it (SECURITY.md 56).
func NeedsStepUp(v Viewer, now time.Time, age time.Duration, acr string) bool {
	if age > 0 && now.Sub(v.AuthTime) > age {
		return true
	}
	return acr != "" && !acrSatisfied(acr, v.ACR, v.AMR)
}

// acrSatisfied reports whether an authentication that Okta reported with acr got and methods
// amr satisfies the acr value want: Okta reflects the value it satisfied in the acr claim, so
// got must be want; and for the values that ask for two factors, amr must show them (two
// methods, or "mfa"), so that a token claiming the class without the factors is not believed.
func acrSatisfied(want, got string, amr []string) bool {
	if want == "" {
		return true
	}
	if got != want {
		return false
	}
	if !acrWantsTwoFactors(want) {
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

// acrWantsTwoFactors reports whether an Okta acr value asks for more than one factor
// (docs/OKTA.md "Step-up"): the 2fa values and the phishing-resistant ones, which imply a
// possession factor on top of the first.
func acrWantsTwoFactors(acr string) bool {
	return strings.HasPrefix(acr, "urn:okta:loa:2fa:") || acr == "phr" || acr == "phrh"
}

// SignInAgain sends the person to sign in and come back where they were (htmx: 401 +
// HX-redirect).
func SignInAgain(r *http.Request, msg string) *Error {
	e := newError(http.StatusUnauthorized, "error.sign_in.title", msg, nil)
	e.Redirect, e.SignIn = "/login?return="+url.QueryEscape(returnPath(r)), true
	return e
}

// Reauthenticate sends the person to sign in again and come back to returnTo; used for step-up
// before sensitive actions.
func Reauthenticate(returnTo string) *Error {
	e := newError(http.StatusUnauthorized, "error.reauth.title", "error.reauth.msg", nil)
	e.Redirect, e.SignIn = reauthURL(returnTo), true
	return e
}

// reauthURL sends the person to sign in again (Okta asks for their password even within its
// own session) and come back to path.
func reauthURL(path string) string {
	return "/login?reauth=1&return=" + url.QueryEscape(localPath(path))
}

// returnPath is where to come back to after signing in: the page itself for a full GET, the
// page the request came from (same origin only) for a form or an htmx request.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet && !IsHTMX(r) {
		return localPath(r.URL.RequestURI())
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
			return localPath(u.RequestURI())
		}
	}
	return "/"
}

// PageFor builds the page metadata (title and navigation) for the person making r.
func PageFor(r *http.Request, title, active string) views.Page {
	p := views.Page{Title: title, Nav: views.Nav{Active: active}, Return: returnPath(r)}
	if v, ok := ViewerFrom(r.Context()); ok {
		p.Nav.SignedIn = true
		p.Nav.Name = v.Name
		p.Nav.ShowAdmin = v.IsStaff()
	}
	return p
}
