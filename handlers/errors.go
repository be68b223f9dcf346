package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"gatehouse/client"
)

// Limiter counts attempts per key in a fixed window. Implementations: memory, Redis.
type Limiter interface {
	// Allow records one attempt under key and reports whether it is within n per window; when
	// not, retryAfter says how long until the window resets.
	Allow(ctx context.Context, key string, n int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// Limit is a rate limit on attempts that reach Okta (SECURITY.md 47).
type Limit struct {
	Name     string
	N        int
	Window   time.Duration
	ByClient bool // per client IP instead of per person
}

// checkLimits counts one attempt against each limit and answers 429 when any is exceeded. It
// runs just before the Okta call, so a form that fails validation costs nothing.
func checkLimits(ctx context.Context, l Limiter, userID string, limits ...Limit) error {
	if l == nil {
		return nil
	}
	for _, lim := range limits {
		key := lim.Name + ":u:" + userID
		if lim.ByClient {
			key = lim.Name + ":ip:" + ScopeFrom(ctx).ClientIP
		}
		ok, retry, err := l.Allow(ctx, key, lim.N, lim.Window)
		if err != nil {
			return Unavailable("Gatehouse is having trouble right now. Please try again in a moment.", err)
		}
		if !ok {
			ScopeFrom(ctx).Note("rate_limited", lim.Name)
			return TooMany("You have tried this too many times. Please wait a while and try again; nothing was changed.", retry)
		}
	}
	return nil
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
	case errors.Is(err, client.ErrUnauthorized):
		return &Error{Status: http.StatusUnauthorized, Title: "Please sign in again", Msg: "Okta did not accept the credentials for this request. Please sign in again; if it keeps happening, contact support and quote the reference below.", Err: err, SignIn: true}
	case errors.Is(err, client.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Title: "Not found", Msg: "Okta has no such account. It may have been deleted.", Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Title: "Something went wrong", Msg: "Something went wrong on our side. Please try again; if it keeps happening, contact support and quote the reference below.", Err: err}
}
