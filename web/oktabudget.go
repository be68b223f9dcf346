package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/client"
)

// budgetTransport keeps Gatehouse from hammering Okta once Okta says a rate-limit bucket is
// empty (SECURITY.md 48): after a response with X-Rate-Limit-Remaining: 0, further GETs to the
// same endpoint family are answered here with Okta's own 429 shape until the bucket resets.
// The client then waits for the reset when that fits the request's deadline, or fails fast.
// Mutations always go through: Okta is the judge of those, and the client never retries them.
type budgetTransport struct {
	next http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	empty map[string]time.Time // endpoint family → reset time
}

func newBudgetTransport(next http.RoundTripper, now func() time.Time) *budgetTransport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &budgetTransport{next: next, now: now, empty: map[string]time.Time{}}
}

func (b *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return b.next.RoundTrip(req)
	}
	fam := endpointFamily(req.Method, req.URL.Path)
	if req.Method == http.MethodGet {
		b.mu.Lock()
		reset, ok := b.empty[fam]
		if ok && !b.now().Before(reset) {
			delete(b.empty, fam)
			ok = false
		}
		b.mu.Unlock()
		if ok {
			return b.exhausted(req, reset), nil
		}
	}
	res, err := b.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	if rl, err := client.ParseRateLimit(res.Header); err == nil && rl.Known {
		b.mu.Lock()
		if rl.Remaining <= 0 {
			b.empty[fam] = rl.Reset
		} else {
			delete(b.empty, fam)
		}
		b.mu.Unlock()
	}
	return res, nil
}

// exhausted answers like Okta does when a bucket is empty.
func (b *budgetTransport) exhausted(req *http.Request, reset time.Time) *http.Response {
	body := `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"gatehouse-budget","errorCauses":[]}`
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Date", b.now().UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", "0")
	h.Set("X-Rate-Limit-Remaining", "0")
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-Okta-Request-Id", "gatehouse-budget-guard")
	return &http.Response{
		Status: "429 Too Many Requests", StatusCode: http.StatusTooManyRequests,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		Request: req,
	}
}

// endpointFamily names the rate-limit bucket of a call: Okta limits per endpoint, so user and
// group ids (and logins) are folded into {id}; "me" keeps its own bucket, as at Okta.
func endpointFamily(method, path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")
	if len(parts) >= 2 && (parts[0] == "users" || parts[0] == "groups") && parts[1] != "me" {
		parts[1] = "{id}"
	}
	return method + " /api/v1/" + strings.Join(parts, "/")
}
