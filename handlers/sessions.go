package handlers

import (
	"context"
	"net/http"

	"gatehouse/web/session"
)

// What the handlers ask of the session layer (package web, over web/session). Handlers see the
// signed-in person as a Viewer; the session record, its id and its tokens stay in the session
// layer, which these narrow interfaces reach into for the few paths that need them.

// Flashes keep the one-time banners of post/redirect/get, server-side (SECURITY.md 54).
type Flashes interface {
	// SetFlash leaves msg (fixed words) for this browser's next page.
	SetFlash(ctx context.Context, w http.ResponseWriter, msg string) error
	// TakeFlash returns the browser's flash, once, or "".
	TakeFlash(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, error)
}

// Results carry the outcome of a state-changing form across its redirect (post/redirect/get):
// a flash with data — a bulk action's rows, a one-time link — sealed server-side and read once,
// so a reload of the result page neither repeats the action nor shows a secret twice.
type Results interface {
	SetResult(ctx context.Context, w http.ResponseWriter, msg string, data []byte) error
	// TakeResult returns the browser's flash and its data, once.
	TakeResult(ctx context.Context, w http.ResponseWriter, r *http.Request) (msg string, data []byte, err error)
}

// SessionTokens reaches the OAuth tokens of the request's session, which the Viewer does not
// carry: the access token for /users/me and delegated self-service, the refresh and ID tokens
// for signing out at Okta. ok is false when the request has no session.
type SessionTokens interface {
	Tokens(ctx context.Context) (t session.Tokens, ok bool)
}

// SessionEnder ends sessions: the request's own, and every session of a person on every
// instance (the per-user index).
type SessionEnder interface {
	// SignOut ends the request's session and expires its cookie.
	SignOut(w http.ResponseWriter, r *http.Request) error
	// EndSessions ends every Gatehouse session of userID, except the request's own when
	// keepCurrent, and reports how many ended.
	EndSessions(ctx context.Context, userID string, keepCurrent bool) (int, error)
}

// SessionInfo is one of a person's sessions on their own list: the store's summary, and
// whether it is the session of the request (this device).
type SessionInfo struct {
	session.Summary
	Current bool
}

// SessionList lists a person's Gatehouse sessions and ends one of them, on every instance.
type SessionList interface {
	// ListSessions returns userID's live sessions, newest sign-in first.
	ListSessions(ctx context.Context, userID string) ([]SessionInfo, error)
	// EndSession ends userID's session named by handle (never the request's own) and
	// reports whether one ended.
	EndSession(ctx context.Context, userID, handle string) (bool, error)
}

// SelfSessions is what the self-service pages need from the session layer.
type SelfSessions interface {
	Flashes
	SessionTokens
	SessionEnder
	SessionList
	// Rotate moves the request's session to a new id after a credential change (SECURITY.md
	// 16) and returns the new Viewer.Session.
	Rotate(w http.ResponseWriter, r *http.Request) (string, error)
}

// AdminSessions is what the admin console needs: banners, and ending a person's sessions after
// an action that must lock them out.
type AdminSessions interface {
	Flashes
	Results
	EndSessions(ctx context.Context, userID string, keepCurrent bool) (int, error)
}

// AuthSessions is what sign-in and sign-out need: the login transactions a callback consumes
// once, starting a session with the tokens Okta issued, and ending it.
type AuthSessions interface {
	SessionTokens
	// SignOut ends the request's session and expires its cookie.
	SignOut(w http.ResponseWriter, r *http.Request) error
	BeginLogin(ctx context.Context, w http.ResponseWriter, tx session.LoginTx) error
	TakeLogin(ctx context.Context, w http.ResponseWriter, r *http.Request) (session.LoginTx, error)
	TakeLoginIf(ctx context.Context, w http.ResponseWriter, r *http.Request, match func(session.LoginTx) bool) (bool, error)
	// SignIn starts a session for rec under a new id, ending the one r came with.
	SignIn(w http.ResponseWriter, r *http.Request, rec *session.Record) error
}

// SignOutReturns recognises Okta's redirect back after a sign-out this browser started, for
// the landing page's "you have signed out" banner (Auth implements it).
type SignOutReturns interface {
	SignedOut(w http.ResponseWriter, r *http.Request) bool
}
