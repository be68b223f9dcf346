package client

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The budget guard (WithBudgetGuard, SECURITY.md 48) keeps Gatehouse from hammering Okta once
// Okta has said a rate-limit bucket is empty: after an answer with X-Rate-Limit-Remaining 0,
// further GETs that count against the same bucket wait for its reset when that fits their
// deadline (as a retry after a 429 would), or fail at once with ErrBudgetSpent, without being
// sent. Mutations always go through: Okta is the judge of those, and the Client never
// retries them.
//
// Okta limits per bucket, not per URL (docs/OKTA.md "Rate limits", [RL]): a person's app
// links, groups, roles and lifecycle operations all count against "the rest of /api/v1",
// while a GET of one user has a bucket of its own. So the guard keys its state by Okta's
// bucket, as bucketOf names it from the method and path, and by the credential class: each
// API token or OAuth app may use only its share of a bucket (50% by default), so the service
// credential and the people's own tokens (all issued to Gatehouse's sign-in app) each learn
// from their own answers. A concurrency-limit 429 (X-Rate-Limit-Limit 0) says nothing about
// any bucket, and its reset is only a suggestion: the guard ignores it.

// bucketOf names the rate-limit bucket Okta counts a call against, following Okta's published
// tables, where the most specific entry wins: "Only GET or POST to /api/v1/users", "Only GET
// to /api/v1/users/{idOrLogin}" (which /api/v1/users/me is too), "Only POST, PUT or DELETE to
// /api/v1/users/{id}", /api/v1/groups and /api/v1/groups/{id}, /api/v1/apps and
// /api/v1/apps/{id}, /api/v1/logs, /api/v1/events, /api/v1/sessions, and "most other API
// actions: /api/v1". The MyAccount API has no published figure; it gets a bucket of its own
// name (docs/OKTA.md, U). "" means a path Okta does not rate-limit as an API.
func bucketOf(method, path string) string {
	if rest, ok := strings.CutPrefix(path, "/idp/myaccount"); ok && (rest == "" || rest[0] == '/') {
		return "/idp/myaccount"
	}
	rest, ok := strings.CutPrefix(path, "/api/v1/")
	if !ok {
		return ""
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case segs[0] == "users" && len(segs) == 1:
		return "GET|POST /api/v1/users"
	case segs[0] == "users" && len(segs) == 2 && (method == http.MethodGet || method == http.MethodHead):
		return "GET /api/v1/users/{idOrLogin}"
	case segs[0] == "users" && len(segs) == 2:
		return "POST|PUT|DELETE /api/v1/users/{id}"
	case segs[0] == "groups" && len(segs) == 1:
		return "/api/v1/groups"
	case segs[0] == "groups" && len(segs) == 2:
		return "/api/v1/groups/{id}"
	case segs[0] == "apps" && len(segs) == 2:
		return "/api/v1/apps/{id}"
	case segs[0] == "apps":
		return "/api/v1/apps"
	case segs[0] == "logs", segs[0] == "events", segs[0] == "sessions":
		return "/api/v1/" + segs[0]
	}
	return "/api/v1"
}

// budgetKey is one credential class's view of one bucket.
type budgetKey struct {
	bucket string
	bearer bool // a person's own token, not the service credential
}

// budget remembers, per bucket, until when Okta said it is spent.
type budget struct {
	mu    sync.Mutex
	spent map[budgetKey]time.Time // local time at which the bucket has reset
}

func newBudget() *budget { return &budget{spent: map[budgetKey]time.Time{}} }

// record notes what an answer received at local time now said about its bucket. The reset is
// Okta's epoch second; it is placed on the local clock the way the Client times its retry
// after a 429 (ParseRetryWait: reset − Date + 1 s, Okta's SDKs' rule), through the answer's
// Date, so local clock skew does not matter. An answer with room left ends an earlier spell.
func (b *budget) record(k budgetKey, rl RateLimit, h http.Header, now time.Time) {
	if b == nil || k.bucket == "" || !rl.Known || rl.Concurrency() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if rl.Remaining > 0 {
		delete(b.spent, k)
		return
	}
	until := rl.Reset.Add(time.Second) // no Date: the local clock is all there is
	if wait, ok := ParseRetryWait(h); ok {
		until = now.Add(wait)
	}
	if until.After(now) {
		b.spent[k] = until
	}
}

// wait reports whether k's bucket is spent at now, and how long until it resets.
func (b *budget) wait(k budgetKey, now time.Time) (time.Duration, bool) {
	if b == nil || k.bucket == "" {
		return 0, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.spent[k]
	if !ok {
		return 0, false
	}
	if !now.Before(until) {
		delete(b.spent, k)
		return 0, false
	}
	return until.Sub(now), true
}

// budgetKeyOf is the key of r as c sends it.
func (c *Client) budgetKeyOf(r request) budgetKey {
	path := r.path
	if r.next != nil {
		path = r.next.Path
	}
	_, bearer := c.cred.(bearerToken)
	return budgetKey{bucket: bucketOf(r.method, path), bearer: bearer}
}

// budgetError is a GET the budget guard refused: its bucket is spent for retryAfter more.
type budgetError struct {
	op         string
	bucket     string
	retryAfter time.Duration
}

func (e *budgetError) Error() string {
	return fmt.Sprintf("okta: %s: rate-limit bucket %q spent until it resets in %v; not sent", e.op, e.bucket, e.retryAfter.Round(time.Second))
}

func (e *budgetError) Is(target error) bool {
	return target == ErrBudgetSpent || target == ErrRateLimited
}
