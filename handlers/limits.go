package handlers

import (
	"context"
	"fmt"
	"time"

	"gatehouse/i18n"
)

// Limiter counts attempts per key in a fixed window. Implementations: web/ratelimit's memory
// and Redis limiters.
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

// Limits checks Limit rules against a Limiter and tells its refused hook (metrics) about every
// request it refuses. The route table checks them before handlers; the credential changes
// check theirs just before their Okta call, so a form that fails validation costs nothing.
type Limits struct {
	limiter Limiter
	refused func(limit string)
}

// NewLimits returns the checker over limiter; refused, when set, is told the name of the limit
// each time a request is refused.
func NewLimits(limiter Limiter, refused func(limit string)) *Limits {
	return &Limits{limiter: limiter, refused: refused}
}

// Check counts one attempt against each limit and answers 429 with Retry-After when any is
// exceeded. Anonymous requests are counted per client whatever the limit says.
func (ls *Limits) Check(ctx context.Context, userID string, limits ...Limit) error {
	if ls == nil || ls.limiter == nil {
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
		ok, retry, err := ls.limiter.Allow(ctx, key, lim.N, lim.Window)
		if err != nil {
			return Unavailable("error.limit.trouble", fmt.Errorf("rate limiter: %w", err))
		}
		if !ok {
			ScopeFrom(ctx).Note("rate_limited", lim.Name)
			if ls.refused != nil {
				ls.refused(lim.Name)
			}
			return tooManyTries(retry)
		}
	}
	return nil
}

// currentPasswordLimits bound the guesses at a person's current password (SECURITY.md 47).
// Every form that sends the current password to Okta — changing the password, changing the
// recovery question — draws on the same budget: one budget per person, not one per form
// (issue 12, finding 5). An attempt counts when it reaches Okta, whatever Okta answers.
func currentPasswordLimits() []Limit {
	return []Limit{{Name: "current-password", N: 5, Window: 15 * time.Minute}, {Name: "current-password-client", N: 20, Window: time.Hour, ByClient: true}}
}

// tooManyTries refuses an attempt over a limit, saying how long to wait.
func tooManyTries(retry time.Duration) *Error {
	return tooMany("error.limit.tries", map[string]any{"Wait": waitPhrase(retry)}, retry)
}

// waitPhrase is how long to wait, in the words of the sentence's language: "a minute",
// "3 minutes", "an hour" (rounded up to whole minutes, at most an hour).
type waitPhrase time.Duration

func (d waitPhrase) in(loc *i18n.Locale) string {
	switch {
	case time.Duration(d) <= time.Minute:
		return loc.T("time.wait.minute")
	case time.Duration(d) < time.Hour:
		return loc.Tn("time.wait.minutes", int((time.Duration(d)+time.Minute-1)/time.Minute))
	default:
		return loc.T("time.wait.hour")
	}
}
