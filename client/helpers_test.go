package client_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

const testToken = "test-api-token-0123456789"

// okDate is the Date header the fake sends; rate-limit resets are relative to it.
var okDate = time.Date(2024, 5, 1, 17, 3, 22, 0, time.UTC)

// seen is one request as the fake Okta received it.
type seen struct {
	Method     string
	RequestURI string // path and query exactly as sent
	Path       string // escaped path as sent
	Query      map[string][]string
	Header     http.Header
	Body       []byte
	HasCL      bool // a Content-Length header was sent
	CL         int64
}

// fakeOkta is an httptest server that records every request and answers with
// the handler the test installs.
type fakeOkta struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
	h    http.HandlerFunc
}

func newFake(t *testing.T, h http.HandlerFunc) *fakeOkta {
	t.Helper()
	f := &fakeOkta{h: h}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOkta) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	path, _, _ := cutQuery(r.RequestURI)
	_, hasCL := r.Header["Content-Length"]
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{
		Method: r.Method, RequestURI: r.RequestURI, Path: path, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body, HasCL: hasCL, CL: r.ContentLength,
	})
	h := f.h
	f.mu.Unlock()
	h(w, r)
}

func cutQuery(uri string) (string, string, bool) {
	for i := 0; i < len(uri); i++ {
		if uri[i] == '?' {
			return uri[:i], uri[i+1:], true
		}
	}
	return uri, "", false
}

func (f *fakeOkta) setHandler(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.h = h
}

func (f *fakeOkta) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fakeOkta) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeOkta) URL() string { return f.srv.URL }

// sleeper records the retry waits instead of sleeping, so retry tests are fast
// and deterministic.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// fakeClock is an injectable clock for the breaker.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: okDate} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClient returns a Client for f whose retry sleeps are recorded by s.
func newClient(t *testing.T, f *fakeOkta, s *sleeper, opts ...client.Option) *client.Client {
	t.Helper()
	if s == nil {
		s = &sleeper{}
	}
	all := append([]client.Option{client.WithClock(nil, s.sleep)}, opts...)
	c, err := client.New(f.URL(), testToken, all...)
	require.NoError(t, err)
	return c
}

// reply writes an Okta-shaped response: JSON content type, Date, request id and
// rate-limit headers. extra holds header name/value pairs that replace those
// defaults; a name may repeat (several Link lines) and an empty value deletes it.
func reply(w http.ResponseWriter, status int, body string, extra ...string) {
	h := w.Header()
	if status != http.StatusNoContent {
		h.Set("Content-Type", "application/json;charset=UTF-8")
	}
	h.Set("Date", okDate.Format(http.TimeFormat))
	h.Set("X-Okta-Request-Id", "reqVy8wsvmBQN27h4soUE3ZEnA")
	h.Set("X-Rate-Limit-Limit", "600")
	h.Set("X-Rate-Limit-Remaining", "599")
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(okDate.Unix()+60, 10))
	overridden := map[string]bool{}
	for i := 0; i+1 < len(extra); i += 2 {
		key, val := http.CanonicalHeaderKey(extra[i]), extra[i+1]
		if !overridden[key] {
			h.Del(key)
			overridden[key] = true
		}
		if val != "" {
			h.Add(key, val)
		}
	}
	w.WriteHeader(status)
	if body != "" {
		_, _ = io.WriteString(w, body)
	}
}

// always answers every request the same way.
func always(status int, body string, extra ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { reply(w, status, body, extra...) }
}

// sequence answers the n-th request with the n-th handler and repeats the last.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

// hang blocks until the client gives up, then reports it on gone (if not nil).
func hang(started chan<- struct{}, gone chan<- struct{}) http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) {
		if started != nil {
			started <- struct{}{}
		}
		<-r.Context().Done()
		if gone != nil {
			gone <- struct{}{}
		}
	}
}
