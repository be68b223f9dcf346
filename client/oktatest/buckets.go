package oktatest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Okta's rate limits (docs/OKTA.md "Rate limits"): per-minute buckets per
// endpoint family whose size depends on the subscription, of which one API
// token or OAuth app may use at most a share (50% by default), and an org-wide
// limit on requests in flight, answered with a 429 whose X-Rate-Limit-Limit
// and -Remaining are 0.

// Rate tiers: the columns of Okta's rate-limit tables.
const (
	TierIntegratorFree = "integrator-free"
	TierOneApp         = "one-app"
	TierEnterprise     = "enterprise"
	TierWorkforce      = "workforce"
)

// Okta's default share of a bucket that one API token or OAuth app may use.
const defaultTokenSharePercent = 50

// tierIndex maps a tier to its column in the tables below; "" is Workforce.
func tierIndex(tier string) (int, error) {
	switch tier {
	case TierIntegratorFree:
		return 0, nil
	case TierOneApp:
		return 1, nil
	case TierEnterprise:
		return 2, nil
	case "", TierWorkforce:
		return 3, nil
	}
	return 0, fmt.Errorf("unknown rate tier %q (want %s, %s, %s or %s)", tier, TierWorkforce, TierEnterprise, TierOneApp, TierIntegratorFree)
}

// Tiers lists the rate tiers, for flags and docs.
func Tiers() []string {
	return []string{TierWorkforce, TierEnterprise, TierOneApp, TierIntegratorFree}
}

// concurrencyByTier is the org concurrency limit for non-Office-365 traffic:
// 75 for Workforce and Enterprise (Customer Identity), 35 for One App and the
// Integrator Free plan (Okta's "Concurrency limits" page; an earlier edition of
// the page gave 15 for the free plan).
var concurrencyByTier = [4]int{35, 35, 75, 75}

// bucket is a rate-limit bucket and its per-minute limit per tier
// (Integrator Free, One App, Enterprise, Workforce).
type bucket struct {
	name   string
	limits [4]int
}

// bucketFor returns the bucket of a request, or ok=false for requests Okta does
// not rate-limit (the public metadata endpoints and the pages a person sees).
// Figures: Okta's "Management rate limits" and "Authentication and end-user
// rate limits" tables (docs/OKTA.md cites both).
func bucketFor(method, path string) (bucket, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	exact := func(n int) bool { return len(segs) == n }
	switch {
	case strings.HasPrefix(path, "/.well-known/"), path == "/oauth2/v1/keys":
		return bucket{}, false
	case path == "/oauth2/v1/authorize":
		return bucket{"/oauth2/v1/authorize", [4]int{300, 1200, 1200, 2000}}, true
	case path == "/oauth2/v1/token":
		return bucket{"/oauth2/v1/token", [4]int{300, 1200, 1200, 2000}}, true
	case strings.HasPrefix(path, "/oauth2/v1/"):
		return bucket{"/oauth2/v1", [4]int{300, 1200, 1200, 2000}}, true
	case strings.HasPrefix(path, "/idp/myaccount"):
		// Unconfirmed: Okta publishes no figure for the MyAccount API; the
		// emulator gives it the "most other API actions" figures.
		return bucket{"/idp/myaccount", [4]int{100, 600, 600, 1200}}, true
	case path != "/api/v1" && !strings.HasPrefix(path, "/api/v1/"):
		return bucket{}, false
	}
	// segs[0] is "api", segs[1] "v1".
	rest := segs[2:]
	switch {
	case len(rest) >= 1 && rest[0] == "users" && exact(3):
		// Only GET or POST to /api/v1/users.
		return bucket{"GET|POST /api/v1/users", [4]int{100, 600, 600, 600}}, true
	case len(rest) >= 1 && rest[0] == "users" && exact(4) && (method == http.MethodGet || method == http.MethodHead):
		return bucket{"GET /api/v1/users/{idOrLogin}", [4]int{100, 1000, 1000, 2000}}, true
	case len(rest) >= 1 && rest[0] == "users" && exact(4):
		return bucket{"POST|PUT|DELETE /api/v1/users/{id}", [4]int{100, 600, 600, 600}}, true
	case len(rest) >= 1 && rest[0] == "groups" && exact(3):
		return bucket{"/api/v1/groups", [4]int{100, 600, 600, 500}}, true
	case len(rest) >= 1 && rest[0] == "groups" && exact(4):
		return bucket{"/api/v1/groups/{id}", [4]int{100, 600, 600, 1000}}, true
	case len(rest) >= 1 && rest[0] == "apps" && exact(4):
		return bucket{"/api/v1/apps/{id}", [4]int{100, 600, 600, 500}}, true
	case len(rest) >= 1 && rest[0] == "apps":
		return bucket{"/api/v1/apps*", [4]int{20, 100, 100, 100}}, true
	case len(rest) >= 1 && rest[0] == "logs":
		return bucket{"/api/v1/logs", [4]int{20, 50, 50, 120}}, true
	}
	return bucket{"/api/v1", [4]int{100, 600, 600, 1200}}, true
}

// rateWindow counts requests in one minute.
type rateWindow struct {
	reset time.Time
	count int
}

// rateState is what the X-Rate-Limit-* headers report for one request.
type rateState struct {
	limit, remaining int
	reset            time.Time
	exceeded         bool
}

// limitFor is the org-wide per-minute limit of b under the configuration.
func (s *Server) limitFor(b bucket) int {
	if s.cfg.RateLimitPerMinute > 0 {
		return s.cfg.RateLimitPerMinute
	}
	return b.limits[s.tier]
}

// credentialKey names the API token or OAuth app a request authenticates as,
// for the per-credential share; "" when it presents neither.
func (s *Server) credentialKey(r *http.Request) string {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "SSWS") && cred != "":
		sum := sha256.Sum256([]byte(cred))
		return "token:" + hex.EncodeToString(sum[:8])
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		s.mu.Lock()
		at := s.st.access[tokenKey(cred)]
		s.mu.Unlock()
		if at != nil {
			return "app:" + at.clientID
		}
		return "app:unknown"
	}
	return ""
}

// takeRate counts a request against bucket b org-wide and, when cred is set,
// against cred's share of it; a forced limit on the path wins. The headers
// report whichever of the two has less room left (docs/OKTA.md, Unconfirmed
// for the per-credential case).
func (s *Server) takeRate(b bucket, cred, path string) rateState {
	now := s.now()
	limit := s.limitFor(b)
	share := max(limit*s.cfg.TokenSharePercent/100, 1)
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	for _, f := range s.ctl.forced {
		if strings.HasPrefix(path, f.prefix) && now.Before(f.until) {
			return rateState{limit: limit, remaining: 0, reset: f.until, exceeded: true}
		}
	}
	window := func(key string) *rateWindow {
		w := s.ctl.windows[key]
		if w == nil || !now.Before(w.reset) {
			// Windows are aligned to the clock's minutes.
			w = &rateWindow{reset: now.Truncate(time.Minute).Add(time.Minute)}
			s.ctl.windows[key] = w
		}
		return w
	}
	org := window(b.name)
	var own *rateWindow
	if cred != "" && share < limit {
		own = window(b.name + "\x00" + cred)
	}
	switch {
	case org.count >= limit:
		return rateState{limit: limit, remaining: 0, reset: org.reset, exceeded: true}
	case own != nil && own.count >= share:
		return rateState{limit: share, remaining: 0, reset: own.reset, exceeded: true}
	}
	org.count++
	st := rateState{limit: limit, remaining: limit - org.count, reset: org.reset}
	if own != nil {
		own.count++
		if share-own.count < st.remaining {
			st = rateState{limit: share, remaining: share - own.count, reset: own.reset}
		}
	}
	return st
}

// concurrency tracks requests in flight against the org's concurrency limit.
type concurrency struct {
	limit    int64 // ≤ 0: no limit
	inFlight atomic.Int64
}

// enter admits a request, or reports false when the limit is reached.
func (c *concurrency) enter() bool {
	for {
		n := c.inFlight.Load()
		if c.limit > 0 && n >= c.limit {
			return false
		}
		if c.inFlight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (c *concurrency) leave() { c.inFlight.Add(-1) }

// writeConcurrencyLimited answers a request over the concurrency limit the way
// Okta documents it: 429, X-Rate-Limit-Limit and -Remaining 0, and a Reset that
// is only an estimate (the emulator says one second).
func (s *Server) writeConcurrencyLimited(w *statusWriter) {
	setRateHeaders(w.Header(), rateState{limit: 0, remaining: 0, reset: s.now().Add(time.Second)})
	writeOktaError(w, apiError(http.StatusTooManyRequests, codeRateLimited))
}

func epochCeil(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// setRateHeaders writes the X-Rate-Limit-* headers of USERS-API.md §8.
func setRateHeaders(h http.Header, rs rateState) {
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(rs.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(rs.remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(epochCeil(rs.reset), 10))
}
