package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// maxBody caps a response body read from Okta; the largest legitimate paged
// answer (200 users with big profiles) is far below it. A person's group list is
// not paged by Okta and can be far larger (maxGroupListBody).
const maxBody = 1 << 20

// maxGroupListBody caps GET /api/v1/users/{id}/groups: Okta answers every group
// at once, and a directory group takes 1–2 KB, so a person in thousands of
// Active Directory groups gets an answer of several MiB (docs/OKTA.md
// "Large group lists").
const maxGroupListBody = 32 << 20

// Retry tuning for transient failures of idempotent GETs (SECURITY.md §G.40).
const (
	maxTransientRetries = 2
	backoffBase         = 100 * time.Millisecond
	// maxConcurrencyRetries: a GET refused by Okta's org-wide concurrency limit (a 429
	// whose limit and remaining are 0) is resent after a short jittered backoff, at most
	// twice. Its X-Rate-Limit-Reset "is only a suggested value" (docs/OKTA.md "Rate
	// limits"): the slot frees when some request in flight ends, usually well within a
	// second, so waiting for the reset, or treating it as a spent bucket, would be wrong.
	maxConcurrencyRetries = 2
)

// bodyTooLarge is a response body over the call's cap.
type bodyTooLarge struct{ limit int64 }

func (e bodyTooLarge) Error() string {
	return fmt.Sprintf("response body larger than %d MiB", e.limit>>20)
}

// errBodyTooLarge matches every bodyTooLarge with errors.Is.
var errBodyTooLarge = errors.New("response body too large")

func (e bodyTooLarge) Is(target error) bool { return target == errBodyTooLarge }

// maxAuthRetries bounds the resends a credential asks for after a 401 (a rejected token,
// then perhaps a DPoP nonce challenge). A 401 means Okta did nothing, so these are safe for
// mutations too; the bound stops a credential that Okta keeps refusing from looping.
const maxAuthRetries = 2

// CallInfo describes one HTTP attempt, for metrics. It never holds credentials
// or bodies.
type CallInfo struct {
	Op        string // operation, e.g. "getUser", "suspendUser"
	Method    string
	Status    int // HTTP status; 0 when no response arrived or the attempt was refused locally
	Duration  time.Duration
	Err       error // nil for a usable 2xx; an *Error for non-2xx; otherwise matches ErrUnavailable (or is a size error)
	RateLimit RateLimit
	RequestID string // X-Okta-Request-Id
	Attempt   int    // 1 for the first attempt of a call, 2+ for retries
}

// request is one API call as the operation methods describe it.
type request struct {
	op     string
	method string
	path   string     // already escaped, starting with /api/v1/
	query  url.Values // may be nil
	next   *url.URL   // a validated pagination link; replaces path and query
	body   any        // marshalled as JSON when non-nil
	accept string     // the Accept header; "" means application/json
	limit  int64      // the response body cap; 0 means maxBody
}

func (r request) bodyCap() int64 {
	if r.limit > 0 {
		return r.limit
	}
	return maxBody
}

// retryMark tags the attempt that retries a 429.
type retryMark struct {
	requestID string // X-Okta-Request-Id of the 429
}

// response is a complete, size-checked answer.
type response struct {
	status int
	header http.Header
	body   []byte
	// authRetry: the credential asks to send the request once more (a 401 it can fix).
	authRetry bool
}

// do runs r under the per-call deadline, retrying only idempotent GETs: once
// after a 429 whose wait fits, and up to twice after a 502/503/504 or a
// connection reset/EOF before a complete answer (a GET is safe to resend even
// when the body was cut off). Any call is resent when the credential can fix a 401
// (maxAuthRetries). It returns the 2xx response or an error.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	if c.authErr != nil {
		return nil, fmt.Errorf("okta: %s: %w", r.op, c.authErr)
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.cfg.callTimeout)
	defer cancel()

	target := c.urlFor(r)
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("okta: %s: encode request: %w", r.op, err)
		}
	}

	var (
		st      retryState
		retry   *retryMark // set on the attempt that retries a 429
		lastErr error
	)
	key := c.budgetKeyOf(r)
	for attempt := 1; ; attempt++ {
		if r.method == http.MethodGet {
			waited, err := c.budgetGate(ctx, r, key, attempt, &st)
			if err != nil {
				return nil, err
			}
			if waited {
				retry = nil
				continue
			}
		}
		res, err := c.attempt(ctx, r, target, payload, attempt, retry)
		if err == nil {
			return res, nil
		}
		if lastErr != nil && res == nil && isRefused(err) {
			// The breaker opened or the cap filled while we were retrying: the
			// answer we already have says more than "refused". (An attempt after a
			// budget-guard wait has no earlier answer: then the refusal is the answer.)
			return nil, lastErr
		}
		lastErr = err
		wait, mark, again := c.retryWait(ctx, r, res, err, &st)
		if !again {
			return nil, err
		}
		retry = mark
		if wait > 0 {
			if serr := c.s.cfg.sleep(ctx, wait); serr != nil {
				return nil, unavailable(r.op, serr)
			}
		}
	}
}

// retryState is what a call has spent of its retries.
type retryState struct {
	rateWaited  bool // the one wait for a rate limit (Okta's 429, or the budget guard's)
	concurrency int  // resends after a concurrency-limit 429
	transient   int
	auth        int
}

// budgetGate applies the budget guard to an attempt of a GET: when Okta said the call's
// bucket is spent, the attempt is refused without being sent. Like a 429 from Okta, the
// refusal is waited out once when the reset fits (waited true: the next attempt is sent as a
// first try, with no retry headers, since Okta never saw this one); otherwise the call fails.
func (c *Client) budgetGate(ctx context.Context, r request, key budgetKey, attempt int, st *retryState) (waited bool, err error) {
	wait, spent := c.s.budget.wait(key, c.s.cfg.now())
	if !spent {
		return false, nil
	}
	refused := &budgetError{op: r.op, bucket: key.bucket, retryAfter: wait}
	c.observe(CallInfo{Op: r.op, Method: r.method, Attempt: attempt, Err: refused})
	if st.rateWaited || noRateWait(ctx) || wait > c.s.cfg.maxRetryWait || !fits(ctx, wait) {
		return false, refused
	}
	st.rateWaited = true
	if serr := c.s.cfg.sleep(ctx, wait); serr != nil {
		return false, unavailable(r.op, serr)
	}
	return true, nil
}

// retryWait decides whether a failed attempt is sent again, after how long and with which
// retry mark. Any call is resent at once when the credential can fix a 401: Okta refused the
// credential, not the request, so nothing happened. Only GETs are resent otherwise: once after
// a 429 whose wait fits, up to twice with jittered backoff after a 502/503/504 or a dropped
// connection.
func (c *Client) retryWait(ctx context.Context, r request, res *response, err error, st *retryState) (time.Duration, *retryMark, bool) {
	if res != nil && res.authRetry && st.auth < maxAuthRetries {
		st.auth++
		return 0, nil, true
	}
	if r.method != http.MethodGet {
		return 0, nil, false
	}
	switch {
	case res != nil && res.status == http.StatusTooManyRequests && isConcurrencyLimited(res.header):
		if st.concurrency >= maxConcurrencyRetries {
			return 0, nil, false
		}
		wait := backoffBase + rand.N(backoffBase<<st.concurrency) // 100-200 ms, then 100-300 ms
		if !fits(ctx, wait) {
			return 0, nil, false
		}
		st.concurrency++
		return wait, &retryMark{requestID: res.header.Get("X-Okta-Request-Id")}, true
	case res != nil && res.status == http.StatusTooManyRequests && !st.rateWaited:
		w, ok := ParseRetryWait(res.header)
		if !ok || noRateWait(ctx) || w > c.s.cfg.maxRetryWait || !fits(ctx, w) {
			return 0, nil, false
		}
		st.rateWaited = true
		return w, &retryMark{requestID: res.header.Get("X-Okta-Request-Id")}, true
	case st.transient < maxTransientRetries && (isTransientStatus(res) || (res == nil && isConnReset(err))):
		wait := rand.N(backoffBase << st.transient) // full jitter
		if !fits(ctx, wait) {
			return 0, nil, false
		}
		st.transient++
		return wait, nil, true
	}
	return 0, nil, false
}

// attempt sends one HTTP request. It returns the response whenever one arrived
// (with an *Error for non-2xx), and a nil error only for a usable 2xx.
func (c *Client) attempt(ctx context.Context, r request, target string, payload []byte, n int, retry *retryMark) (*response, error) {
	cfg := &c.s.cfg
	info := CallInfo{Op: r.op, Method: r.method, Attempt: n}
	if !c.s.breaker.allow() {
		info.Err = &callError{op: r.op, kind: ErrCircuitOpen}
		c.observe(info)
		return nil, info.Err
	}
	if err := c.s.acquire(ctx); err != nil {
		c.s.breaker.record(outcomeNeutral)
		if errors.Is(err, ErrBusy) {
			info.Err = &callError{op: r.op, kind: ErrBusy}
		} else {
			info.Err = unavailable(r.op, err)
		}
		c.observe(info)
		return nil, info.Err
	}
	defer c.s.release()

	req, err := c.newHTTPRequest(ctx, r.method, target, payload, retry)
	if err == nil && r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if err != nil {
		c.s.breaker.record(outcomeNeutral)
		return nil, fmt.Errorf("okta: %s: build request: %w", r.op, err)
	}
	if err := c.cred.Authorize(ctx, req); err != nil {
		// The service app could not get a token: Okta's token endpoint is down (which counts
		// against the breaker like any failure to reach Okta) or refused the app.
		if errors.Is(err, ErrUnavailable) && !errors.Is(err, context.Canceled) {
			c.s.breaker.record(outcomeFailure)
		} else {
			c.s.breaker.record(outcomeNeutral)
		}
		info.Err = fmt.Errorf("okta: %s: %w", r.op, err)
		c.observe(info)
		return nil, info.Err
	}
	start := cfg.now()
	resp, err := cfg.hc.Do(req)
	if err != nil {
		c.s.breaker.record(failureOutcome(err))
		info.Duration = cfg.now().Sub(start)
		info.Err = unavailable(r.op, err)
		c.observe(info)
		return nil, info.Err
	}
	body, readErr := readLimited(resp.Body, r.bodyCap())
	resp.Body.Close()
	info.Duration = cfg.now().Sub(start)
	info.Status = resp.StatusCode
	info.RequestID = resp.Header.Get("X-Okta-Request-Id")
	if rl, _ := ParseRateLimit(resp.Header); rl.Known {
		info.RateLimit = rl
		c.s.rl.Store(&rl)
		c.s.budget.record(c.budgetKeyOf(r), rl, resp.Header, cfg.now())
	}
	if readErr != nil && !errors.Is(readErr, errBodyTooLarge) {
		// The connection died mid-body: no usable answer.
		c.s.breaker.record(failureOutcome(readErr))
		info.Status = 0
		info.Err = unavailable(r.op, fmt.Errorf("read response: %w", readErr))
		c.observe(info)
		return nil, info.Err
	}
	if resp.StatusCode >= 500 {
		c.s.breaker.record(outcomeFailure)
	} else {
		c.s.breaker.record(outcomeSuccess)
	}
	res := &response{status: resp.StatusCode, header: resp.Header, body: body}
	res.authRetry = c.cred.Answered(req, resp.StatusCode, resp.Header)
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		info.Err = c.apiError(r.op, res, r.bodyCap())
	case readErr != nil:
		info.Err = fmt.Errorf("okta: %s: %w", r.op, readErr)
	}
	c.observe(info)
	return res, info.Err
}

func (c *Client) newHTTPRequest(ctx context.Context, method, target string, payload []byte, retry *retryMark) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	} else if method == http.MethodPost || method == http.MethodPut {
		// Okta answers a body-less POST without Content-Length with 411; NoBody
		// makes net/http send "Content-Length: 0".
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if retry != nil {
		// Okta's SDK convention: lets Okta correlate the retry with the 429.
		if retry.requestID != "" {
			req.Header.Set("X-Okta-Retry-For", retry.requestID)
		}
		req.Header.Set("X-Okta-Retry-Count", "1")
	}
	return req, nil
}

// apiError turns a non-2xx response into an *Error.
func (c *Client) apiError(op string, res *response, limit int64) *Error {
	body := res.body
	if int64(len(body)) > limit {
		body = nil
	}
	e := newError(op, res.status, res.header, body)
	e.RateLimit, _ = ParseRateLimit(res.header)
	if res.status == http.StatusTooManyRequests {
		if w, ok := ParseRetryWait(res.header); ok {
			e.RetryAfter = w
		} else if rl, _ := ParseRateLimit(res.header); rl.Known {
			// No Date header: fall back to our own clock.
			e.RetryAfter = max(rl.Reset.Sub(c.s.cfg.now())+time.Second, 0)
		}
	}
	return e
}

func (c *Client) observe(info CallInfo) {
	if c.s.cfg.observer != nil {
		c.s.cfg.observer(info)
	}
}

// urlFor builds the absolute URL of r on the org's host.
func (c *Client) urlFor(r request) string {
	if r.next != nil {
		return r.next.String()
	}
	s := c.base.String() + r.path
	if len(r.query) > 0 {
		s += "?" + r.query.Encode()
	}
	return s
}

func (s *shared) acquire(ctx context.Context) error {
	if s.sem == nil {
		return nil
	}
	select {
	case s.sem <- struct{}{}:
		return nil
	default:
	}
	if s.cfg.maxInFlightWait <= 0 {
		return ErrBusy
	}
	t := time.NewTimer(s.cfg.maxInFlightWait)
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBusy
	}
}

func (s *shared) release() {
	if s.sem != nil {
		<-s.sem
	}
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return b, bodyTooLarge{limit}
	}
	return b, nil
}

// failureOutcome classifies a transport error for the breaker: the caller giving
// up says nothing about Okta, everything else (timeouts included) is a failure.
func failureOutcome(err error) outcome {
	if errors.Is(err, context.Canceled) {
		return outcomeNeutral
	}
	return outcomeFailure
}

// fits reports whether waiting d still leaves time before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || d < time.Until(deadline)
}

func isTransientStatus(res *response) bool {
	if res == nil {
		return false
	}
	switch res.status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isConnReset reports a connection that died before any response: safe to retry
// for a GET.
func isConnReset(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func isRefused(err error) bool {
	return errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrBusy)
}

// isConcurrencyLimited reports a 429 of Okta's concurrency limit rather than of a bucket.
func isConcurrencyLimited(h http.Header) bool {
	rl, _ := ParseRateLimit(h)
	return rl.Concurrency()
}
