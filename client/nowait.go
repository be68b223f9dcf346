package client

import "context"

// noRateWaitKey marks a context whose calls must not wait for a rate limit.
type noRateWaitKey struct{}

// WithoutRateLimitWait returns a context under which the Client never waits for a rate limit:
// a GET that Okta answers 429, or that the budget guard would hold until the bucket resets,
// fails at once with an error matching ErrRateLimited (RetryAfter says how long Okta asked
// for). Pages use it so that no page ever waits on a 429: they show what they have, or say the
// section will appear shortly, instead (docs/PERFORMANCE.md "Arrivals").
func WithoutRateLimitWait(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRateWaitKey{}, true)
}

// noRateWait reports whether ctx came from WithoutRateLimitWait.
func noRateWait(ctx context.Context) bool {
	v, _ := ctx.Value(noRateWaitKey{}).(bool)
	return v
}
