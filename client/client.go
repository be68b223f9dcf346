// Package client is Gatehouse's client for the Okta Users API: typed models, one
// method per operation, a typed *Error matched by sentinels, and the resilience the
// portal needs in front of a shared, rate-limited org (deadlines, a single 429
// retry for idempotent reads, a circuit breaker and a concurrency cap).
//
// It is deliberately boring: it never logs, never caches responses (a cache keyed
// without the credential would hand one user's data to another) and never retries
// a mutation. It imports only the standard library; in particular it must not
// import client/oktatest, which emulates Okta for tests without depending on us.
package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for the options; SECURITY.md §G explains where each number comes from. Gatehouse's
// configuration (web.DefaultConfig) takes its defaults from these rather than repeating them.
const (
	DefaultCallTimeout  = 8 * time.Second
	defaultMaxRetryWait = 2 * time.Second
	// DefaultMaxInFlight is a fair share of Okta's org-wide concurrency limit: 75 requests
	// in flight on Workforce and Customer Identity orgs (35 on Integrator Free), shared by
	// every integration of the org (developer.okta.com/docs/reference/rl2-concurrency/,
	// docs/OKTA.md "Rate limits"). Twenty per instance leaves room for the org's other
	// integrations and a second instance; a bigger deployment sets its own figure.
	DefaultMaxInFlight     = 20
	DefaultMaxInFlightWait = time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
)

// userAgent identifies Gatehouse to Okta; Okta support correlates on it.
const userAgent = "gatehouse/1 (+client)"

// Client calls the Okta Users API of one org with one credential. It is safe for
// concurrent use. Copies made by WithBearer share its transport, circuit breaker,
// concurrency cap, observer and rate-limit record.
type Client struct {
	base    *url.URL   // scheme and host only; never mutated after New
	cred    Credential // authorizes each attempt
	authErr error      // set when the credential cannot be sent; every call fails with it
	s       *shared
}

// shared is the state that every copy of a Client made by WithBearer shares.
type shared struct {
	cfg     config
	breaker *breaker
	sem     chan struct{} // nil when the concurrency cap is off
	rl      atomic.Pointer[RateLimit]
	budget  *budget // nil unless WithBudgetGuard
}

// config holds what the Options set.
type config struct {
	hc              *http.Client
	callTimeout     time.Duration
	maxRetryWait    time.Duration
	maxInFlight     int
	maxInFlightWait time.Duration
	breakerFailures int
	breakerCooldown time.Duration
	budgetGuard     bool
	observer        func(CallInfo)
	now             func() time.Time
	sleep           func(ctx context.Context, d time.Duration) error
}

// Option configures a Client in New.
type Option func(*config)

// WithHTTPClient makes the Client send its requests through hc instead of the
// dedicated client from NewHTTPClient. A nil hc keeps the default.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithCallTimeout sets the deadline of each method call (all its attempts and
// retries included), derived from the caller's ctx. The default is 8 s.
func WithCallTimeout(d time.Duration) Option {
	return func(c *config) { c.callTimeout = d }
}

// WithMaxRetryWait sets the longest rate-limit wait the Client accepts before its
// single retry of a GET that got HTTP 429. The default is 2 s; 0 disables the retry.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *config) { c.maxRetryWait = d }
}

// WithMaxInFlight caps the number of requests in flight at n. A call that finds
// no free slot waits at most maxWait (and never past its ctx) and then fails with
// ErrBusy. The default is DefaultMaxInFlight (20) and 1 s; n ≤ 0 removes the cap.
func WithMaxInFlight(n int, maxWait time.Duration) Option {
	return func(c *config) {
		c.maxInFlight = n
		c.maxInFlightWait = maxWait
	}
}

// WithBreaker sets the circuit breaker: it opens after failures consecutive
// failed attempts (network errors, timeouts and 5xx; not 4xx and not 429) and
// stays open for cooldown. The default is 5 and 30 s; failures ≤ 0 disables it.
func WithBreaker(failures int, cooldown time.Duration) Option {
	return func(c *config) {
		c.breakerFailures = failures
		c.breakerCooldown = cooldown
	}
}

// WithBudgetGuard makes the Client stop sending GETs that count against an Okta rate-limit
// bucket Okta's last answer called empty (X-Rate-Limit-Remaining 0), until the bucket resets:
// such a GET waits for the reset when the wait fits (the same rule as the retry after a 429)
// or fails at once with ErrBudgetSpent. Mutations are always sent. Buckets are Okta's
// endpoint families, per credential class (budget.go). Off by default.
func WithBudgetGuard() Option {
	return func(c *config) { c.budgetGuard = true }
}

// WithObserver registers fn to be called synchronously after every HTTP attempt,
// and for every attempt refused locally by the breaker or the concurrency cap
// (Status 0, Err matching ErrCircuitOpen or ErrBusy). It is meant for metrics and
// must be cheap and safe for concurrent use.
func WithObserver(fn func(CallInfo)) Option {
	return func(c *config) { c.observer = fn }
}

// WithClock replaces the clock used by the breaker and for CallInfo.Duration, and
// the sleep used between retries; tests inject both. A nil argument keeps the
// default. Deadlines still come from ctx, which runs on the real clock.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
		if sleep != nil {
			c.sleep = sleep
		}
	}
}

// New returns a Client for the Okta org at baseURL (like "https://acme.okta.com")
// that authenticates with the API token as "SSWS <token>". Plain http is accepted
// only for loopback hosts (127.0.0.1, ::1, localhost), for the emulator. The
// token must be non-empty; options with nonsensical values (a non-positive call
// timeout, negative waits) are reported as errors.
func New(baseURL, apiToken string, opts ...Option) (*Client, error) {
	if apiToken == "" {
		return nil, errors.New("okta: new client: API token is empty")
	}
	if !validHeaderValue(apiToken) {
		return nil, errors.New("okta: new client: API token contains control characters")
	}
	return NewWithCredential(baseURL, NewAPIToken(apiToken), opts...)
}

// NewWithCredential returns a Client for the Okta org at baseURL that authorizes its calls
// with cred: an SSWS API token (NewAPIToken) or an OAuth 2.0 service app (NewServiceApp).
// The same rules for baseURL and the options apply as for New.
func NewWithCredential(baseURL string, cred Credential, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if cred == nil {
		return nil, errors.New("okta: new client: no credential")
	}
	cfg := config{
		callTimeout:     DefaultCallTimeout,
		maxRetryWait:    defaultMaxRetryWait,
		maxInFlight:     DefaultMaxInFlight,
		maxInFlightWait: DefaultMaxInFlightWait,
		breakerFailures: DefaultBreakerFailures,
		breakerCooldown: DefaultBreakerCooldown,
		now:             time.Now,
		sleep:           sleepCtx,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("okta: new client: %w", err)
	}
	if cfg.hc == nil {
		cfg.hc = NewHTTPClient()
	}
	s := &shared{cfg: cfg, breaker: newBreaker(cfg.breakerFailures, cfg.breakerCooldown, cfg.now)}
	if cfg.budgetGuard {
		s.budget = newBudget()
	}
	if cfg.maxInFlight > 0 {
		s.sem = make(chan struct{}, cfg.maxInFlight)
	}
	return &Client{base: base, cred: cred, s: s}, nil
}

func (c *config) validate() error {
	switch {
	case c.callTimeout <= 0:
		return fmt.Errorf("call timeout %v is not positive", c.callTimeout)
	case c.maxRetryWait < 0:
		return fmt.Errorf("max retry wait %v is negative", c.maxRetryWait)
	case c.maxInFlightWait < 0:
		return fmt.Errorf("max in-flight wait %v is negative", c.maxInFlightWait)
	case c.breakerFailures > 0 && c.breakerCooldown <= 0:
		return fmt.Errorf("breaker cooldown %v is not positive", c.breakerCooldown)
	}
	return nil
}

// parseBaseURL accepts an origin only: a path would make the same-host checks on
// pagination links ambiguous, and Okta orgs always live at the root of their host.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("okta: new client: parse base URL: %w", err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("okta: new client: base URL %q has no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("okta: new client: base URL %q must be an origin like https://acme.okta.com", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("okta: new client: base URL %q: plain http is allowed only for loopback hosts", raw)
		}
	default:
		return nil, fmt.Errorf("okta: new client: base URL %q: scheme must be https", raw)
	}
	return &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}, nil
}

func isLoopbackHost(h string) bool {
	return h == "127.0.0.1" || h == "::1" || strings.EqualFold(h, "localhost")
}

// NewHTTPClient returns the dedicated HTTP client the Client uses by default. Its
// pool is sized for hundreds of concurrent calls (the default of 2 idle
// connections per host is a bottleneck), its phase timeouts bound a hung Okta, it
// has no overall Timeout because deadlines come from ctx, and it refuses to follow
// redirects: Okta's API never redirects, so a 3xx means misconfiguration and is
// returned to the caller as is.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 5 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		ForceAttemptHTTP2:     true,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// WithBearer returns a copy of c that authenticates with the OAuth access token
// as "Bearer <token>" instead of its credential. The copy shares c's transport,
// breaker, concurrency cap, observer and rate-limit record, so per-user clients
// are cheap and still count against the same limits.
func (c *Client) WithBearer(accessToken string) *Client {
	cp := *c
	cp.cred = bearerToken(accessToken)
	cp.authErr = nil
	if accessToken == "" || !validHeaderValue(accessToken) {
		// Refuse locally: net/http would fail the request as a transport error,
		// which would count against the shared breaker.
		cp.authErr = fmt.Errorf("%w: access token is empty or contains control characters", ErrUnauthorized)
	}
	return &cp
}

// validHeaderValue reports whether s can be sent in an HTTP header unchanged.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// BaseURL returns the org URL the Client calls, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// RateLimit returns the most recent X-Rate-Limit-* values seen on any response,
// or a zero RateLimit (Known false) before the first one.
func (c *Client) RateLimit() RateLimit {
	if rl := c.s.rl.Load(); rl != nil {
		return *rl
	}
	return RateLimit{}
}

// BreakerOpen reports whether the circuit breaker would refuse a call made now
// without sending it.
func (c *Client) BreakerOpen() bool { return c.s.breaker.isOpen() }

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
