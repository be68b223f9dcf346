package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gatehouse/client"
)

// Error is a failure with a message fit for the person using the portal. Msg is a full sentence
// they can act on; Err is for the log only.
type Error struct {
	Status     int
	Title      string
	Msg        string
	Err        error
	RetryAfter time.Duration // sets Retry-After when positive
	SignIn     bool          // the page offers to sign in again
	// redirect, when set on a 401, sends the browser there (HX-redirect for htmx) instead of
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

// The sentences people read in more than one place. Each is said once, here, so the same
// situation is always explained the same way.
const (
	// MsgNeedsAdmin refuses a helpdesk member an admin-only action (routes and handlers).
	MsgNeedsAdmin = "This action needs the admin role. Ask an administrator to do it."
	// MsgStaffOnly refuses the admin console to someone with neither role.
	MsgStaffOnly = "This part of Gatehouse is for administrators and the helpdesk. If you need access, ask your administrator."
	// msgSignInUnavailable: the session store failed during a sign-in step.
	msgSignInUnavailable = "Sign-in is temporarily unavailable. Please try again in a minute."
	// msgSessionEnded sends someone whose session is gone to sign in.
	msgSessionEnded = "Your session has ended. Sign in to continue."
	// msgFixOne and msgFixMany introduce the field errors of a form shown again.
	msgFixOne  = "Please fix the problem marked below."
	msgFixMany = "Please fix the problems marked below."
	// msgNotCurrentPassword marks a wrong current password, whichever form it was typed in.
	msgNotCurrentPassword = "That is not your current password."
	// msgAnswerInQuestion refuses a recovery answer that appears in its question (Okta's rule).
	msgAnswerInQuestion = "The answer must not be part of the question."
	// msgSearchTooLong refuses a search box over its bound.
	msgSearchTooLong = "Search for at most 100 characters, without line breaks."
	// msgBrokenPageLink refuses a paging link that was tampered with.
	msgBrokenPageLink = "This page link is broken. Start again from the first page."
)

// NotFound reports a missing page or person.
func NotFound(msg string) *Error {
	return &Error{Status: http.StatusNotFound, Title: "Not found", Msg: msg}
}

// Forbidden reports that the person may not do this.
func Forbidden(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Title: "Not allowed", Msg: msg}
}

// badRequest reports a request that cannot be acted on as sent.
func badRequest(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Title: "That did not work", Msg: msg}
}

// conflict reports an action that does not apply in the current state.
func conflict(msg string) *Error {
	return &Error{Status: http.StatusConflict, Title: "That action does not apply", Msg: msg}
}

// tooMany reports a rate limit hit by this person or client.
func tooMany(msg string, retryAfter time.Duration) *Error {
	return &Error{Status: http.StatusTooManyRequests, Title: "Please slow down", Msg: msg, RetryAfter: retryAfter}
}

// Unavailable reports that a dependency (Okta, the session store) cannot serve the request now.
func Unavailable(msg string, err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Title: "Temporarily unavailable", Msg: msg, Err: err}
}

// Classify turns any error into an *Error with words for the person. Errors from Okta keep
// their meaning (busy, down, slow) without exposing Okta's own text.
func Classify(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	var ce *client.Error
	errors.As(err, &ce)
	switch {
	case errors.Is(err, client.ErrConcurrencyLimited):
		// Too many requests in flight at Okta, from every integration of the org: no bucket
		// is spent, and a slot frees within moments (the client already retried a read
		// twice). Okta's reset is only a suggestion, so the page asks for seconds, not a minute.
		e := Unavailable("Okta is handling too many requests at once right now. Nothing was changed. Please try again in a few seconds.", err)
		e.Title = "Okta is busy"
		e.RetryAfter = 5 * time.Second
		return e
	case errors.Is(err, client.ErrRateLimited):
		// Okta's 429, or a GET the client's budget guard did not send because Okta had said
		// its bucket was empty: either way Okta asked to slow down.
		e := Unavailable("Okta is busy right now and asked Gatehouse to slow down. Please try again in a minute.", err)
		e.Title = "Okta is busy"
		e.RetryAfter = client.RetryAfter(err)
		if e.RetryAfter <= 0 {
			e.RetryAfter = 30 * time.Second
		}
		return e
	case errors.Is(err, client.ErrBusy):
		e := Unavailable("Gatehouse is very busy right now. Please try again in a few seconds.", err)
		e.RetryAfter = 5 * time.Second
		return e
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusGatewayTimeout, Title: "Okta is slow to answer", Msg: "Okta took too long to answer. Nothing was changed unless a confirmation says so. Please try again in a minute.", Err: err}
	case errors.Is(err, client.ErrUnavailable):
		e := Unavailable("Gatehouse cannot reach Okta right now. Please try again in a minute.", err)
		e.Title = "Okta is not answering"
		e.RetryAfter = 30 * time.Second
		return e
	case errors.Is(err, client.ErrMissingScope):
		return missingScope(ce, err)
	case errors.Is(err, client.ErrServiceCredential):
		return &Error{Status: http.StatusBadGateway, Title: "Gatehouse cannot sign in to Okta",
			Msg: "Okta refused Gatehouse's own credential (its OAuth service app), so nothing could be read or changed. Your Okta administrator can find the reason in Gatehouse's log; quote the reference below.", Err: err}
	case errors.Is(err, client.ErrUnauthorized):
		return &Error{Status: http.StatusUnauthorized, Title: "Please sign in again", Msg: "Okta did not accept the credentials for this request. Please sign in again; if it keeps happening, contact support and quote the reference below.", Err: err, SignIn: true}
	case errors.Is(err, client.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Title: "Not found", Msg: "Okta has no such account. It may have been deleted.", Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Title: "Something went wrong", Msg: "Something went wrong on our side. Please try again; if it keeps happening, contact support and quote the reference below.", Err: err}
}

// missingScope explains Okta's 403 insufficient_scope: Gatehouse's credential was not granted
// the OAuth scope the call needs. Okta names the scope; so does the page and the log line.
func missingScope(ce *client.Error, err error) *Error {
	what := "an Okta API scope it needs"
	if ce != nil && ce.Scope != "" {
		what = "the Okta API scope " + ce.Scope
	}
	return &Error{Status: http.StatusBadGateway, Title: "Gatehouse lacks a permission in Okta",
		Msg: "Okta refused because Gatehouse was not granted " + what + ". Nothing was changed. Ask your Okta administrator to grant it to Gatehouse's service app (its Okta API Scopes tab).",
		Err: err}
}
