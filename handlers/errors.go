package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"gatehouse/client"
)

// Limiter counts attempts per key in a fixed window. Implementations: memory, Redis.
type Limiter interface {
	// Allow records one attempt under key and reports whether it is within n per window; when
	// not, retryAfter says how long until the window resets.
	Allow(ctx context.Context, key string, n int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// Limit is a rate limit (SECURITY.md 47): at most N attempts per Window, counted per person,
// per client address, or under an explicit Key.
type Limit struct {
	Name     string
	N        int
	Window   time.Duration
	ByClient bool   // per client IP (through trusted proxies only) instead of per person
	Key      string // an explicit key instead (e.g. a hashed forgot-password identifier)
}

// CheckLimits counts one attempt against each limit and answers 429 with Retry-After when any
// is exceeded. The route table applies it before handlers; the credential changes apply it
// just before their Okta call, so a form that fails validation costs nothing. Anonymous
// requests are counted per client whatever the limit says.
func CheckLimits(ctx context.Context, l Limiter, userID string, limits ...Limit) error {
	if l == nil {
		return nil
	}
	for _, lim := range limits {
		key := lim.Name + ":u:" + userID
		switch {
		case lim.Key != "":
			key = lim.Name + ":k:" + lim.Key
		case lim.ByClient || userID == "":
			key = lim.Name + ":ip:" + ScopeFrom(ctx).ClientIP
		}
		ok, retry, err := l.Allow(ctx, key, lim.N, lim.Window)
		if err != nil {
			return Unavailable("Gatehouse is having trouble right now. Please try again in a moment.", fmt.Errorf("rate limiter: %w", err))
		}
		if !ok {
			ScopeFrom(ctx).Note("rate_limited", lim.Name)
			return TooMany("You have tried this too many times. Nothing was done this time; please wait "+humanDuration(retry)+" and try again.", retry)
		}
	}
	return nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d <= time.Minute:
		return "a minute"
	case d < time.Hour:
		return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " minutes"
	default:
		return "an hour"
	}
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
	case errors.Is(err, client.ErrRateLimited):
		e := Unavailable("Okta is busy right now and asked Gatehouse to slow down. Please try again in a minute.", err)
		e.Title = "Okta is busy"
		if ce != nil && ce.RetryAfter > 0 {
			e.RetryAfter = ce.RetryAfter
		} else {
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
