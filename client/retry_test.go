package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

// rateLimited answers 429 with Reset = Date + resetIn, i.e. a wait of resetIn+1 s.
func rateLimited(requestID string, resetIn int64) http.HandlerFunc {
	return always(http.StatusTooManyRequests, errRateLimitJSON,
		"X-Okta-Request-Id", requestID,
		"X-Rate-Limit-Remaining", "0",
		"X-Rate-Limit-Reset", strconv.FormatInt(okDate.Unix()+resetIn, 10))
}

func TestRateLimitedGetIsRetriedOnce(t *testing.T) {
	f := newFake(t, sequence(rateLimited("req429first", 1), always(http.StatusOK, userJSON)))
	s := &sleeper{}
	var infos []client.CallInfo
	var mu sync.Mutex
	c := newClient(t, f, s, client.WithObserver(func(ci client.CallInfo) {
		mu.Lock()
		defer mu.Unlock()
		infos = append(infos, ci)
	}))

	u, err := c.GetUser(t.Context(), userID)

	require.NoError(t, err)
	assert.Equal(t, userID, u.ID)
	reqs := f.requests()
	require.Len(t, reqs, 2)
	assert.Empty(t, reqs[0].Header.Get("X-Okta-Retry-For"))
	assert.Empty(t, reqs[0].Header.Get("X-Okta-Retry-Count"))
	assert.Equal(t, "req429first", reqs[1].Header.Get("X-Okta-Retry-For"))
	assert.Equal(t, "1", reqs[1].Header.Get("X-Okta-Retry-Count"))
	assert.Equal(t, []time.Duration{2 * time.Second}, s.recorded(), "Reset − Date + 1 s")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, infos, 2)
	assert.Equal(t, 1, infos[0].Attempt)
	assert.Equal(t, http.StatusTooManyRequests, infos[0].Status)
	assert.ErrorIs(t, infos[0].Err, client.ErrRateLimited)
	assert.Equal(t, "req429first", infos[0].RequestID)
	assert.Equal(t, client.RateLimit{Limit: 600, Remaining: 0, Reset: okDate.Add(time.Second), Known: true}, infos[0].RateLimit)
	assert.Equal(t, 2, infos[1].Attempt)
	assert.Equal(t, http.StatusOK, infos[1].Status)
	assert.NoError(t, infos[1].Err)
	assert.Equal(t, "getUser", infos[1].Op)
	assert.Equal(t, http.MethodGet, infos[1].Method)
}

func TestRateLimitedTwiceGivesUp(t *testing.T) {
	f := newFake(t, rateLimited("req429", 0))
	s := &sleeper{}
	c := newClient(t, f, s)

	_, err := c.ListAppLinks(t.Context(), userID)

	var oe *client.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, http.StatusTooManyRequests, oe.StatusCode)
	assert.Equal(t, time.Second, oe.RetryAfter)
	assert.Equal(t, 2, f.count(), "one retry only")
	assert.Len(t, s.recorded(), 1)
}

// TestRateLimitedNotRetried covers every reason not to retry a 429: the error
// then carries RetryAfter whenever the headers tell it.
func TestRateLimitedNotRetried(t *testing.T) {
	tests := []struct {
		name           string
		handler        http.HandlerFunc
		opts           []client.Option
		call           func(ctx context.Context, c *client.Client) error
		wantRetryAfter time.Duration
	}{
		{
			name:           "wait longer than the max retry wait",
			handler:        rateLimited("r1", 4),
			wantRetryAfter: 5 * time.Second,
		},
		{
			name:           "wait does not fit the call deadline",
			handler:        rateLimited("r1", 1),
			opts:           []client.Option{client.WithCallTimeout(time.Second), client.WithMaxRetryWait(10 * time.Second)},
			wantRetryAfter: 2 * time.Second,
		},
		{
			name:           "retry disabled",
			handler:        rateLimited("r1", 0),
			opts:           []client.Option{client.WithMaxRetryWait(0)},
			wantRetryAfter: time.Second,
		},
		{
			name: "no Date header",
			handler: always(http.StatusTooManyRequests, errRateLimitJSON, "Date", "",
				"X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Unix()+3600, 10)),
			wantRetryAfter: -1, // computed from the local clock: only checked as positive
		},
		{
			name:    "no rate-limit headers",
			handler: always(http.StatusTooManyRequests, errRateLimitJSON, "X-Rate-Limit-Reset", "", "X-Rate-Limit-Limit", "", "X-Rate-Limit-Remaining", ""),
		},
		{
			name:           "a mutation is never retried",
			handler:        rateLimited("r1", 0),
			call:           func(ctx context.Context, c *client.Client) error { return ok(c.Unlock(ctx, userID)) },
			wantRetryAfter: time.Second,
		},
		{
			name:    "a mutation with a body is never retried",
			handler: rateLimited("r1", 0),
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ChangePassword(ctx, userID, "a", "b", client.ChangePasswordOptions{})
				return err
			},
			wantRetryAfter: time.Second,
		},
		{
			name:    "a DELETE is never retried",
			handler: rateLimited("r1", 0),
			call:    func(ctx context.Context, c *client.Client) error { return ok(c.ClearSessions(ctx, userID, false)) },

			wantRetryAfter: time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, sequence(tt.handler, always(http.StatusOK, userJSON)))
			s := &sleeper{}
			c := newClient(t, f, s, tt.opts...)
			call := tt.call
			if call == nil {
				call = func(ctx context.Context, c *client.Client) error { _, err := c.GetUser(ctx, userID); return err }
			}

			err := call(t.Context(), c)

			var oe *client.Error
			require.ErrorAs(t, err, &oe)
			assert.ErrorIs(t, err, client.ErrRateLimited)
			if tt.wantRetryAfter < 0 {
				assert.Positive(t, oe.RetryAfter)
			} else {
				assert.Equal(t, tt.wantRetryAfter, oe.RetryAfter)
			}
			assert.Equal(t, 1, f.count(), "no retry")
			assert.Empty(t, s.recorded(), "no wait")
		})
	}
}

func TestSec40_TransientErrorsRetriedOnGet(t *testing.T) {
	unavailable := always(http.StatusServiceUnavailable, errorJSON("E0000009", "Service Unavailable"))
	tests := []struct {
		name      string
		handlers  []http.HandlerFunc
		call      func(ctx context.Context, c *client.Client) error
		wantErr   bool
		wantCount int
	}{
		{
			name:      "503 twice then 200",
			handlers:  []http.HandlerFunc{unavailable, unavailable, always(http.StatusOK, userJSON)},
			wantCount: 3,
		},
		{
			name: "502 then 504 then 200",
			handlers: []http.HandlerFunc{
				always(http.StatusBadGateway, ""), always(http.StatusGatewayTimeout, ""), always(http.StatusOK, userJSON),
			},
			wantCount: 3,
		},
		{
			name:      "503 three times gives up after two retries",
			handlers:  []http.HandlerFunc{unavailable},
			wantErr:   true,
			wantCount: 3,
		},
		{
			name:      "500 is not retried",
			handlers:  []http.HandlerFunc{always(http.StatusInternalServerError, errServerJSON), always(http.StatusOK, userJSON)},
			wantErr:   true,
			wantCount: 1,
		},
		{
			name:      "503 on a mutation is not retried",
			handlers:  []http.HandlerFunc{unavailable, always(http.StatusOK, "{}")},
			call:      func(ctx context.Context, c *client.Client) error { return ok(c.Deactivate(ctx, userID)) },
			wantErr:   true,
			wantCount: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, sequence(tt.handlers...))
			s := &sleeper{}
			c := newClient(t, f, s, client.WithBreaker(0, 0))
			call := tt.call
			if call == nil {
				call = func(ctx context.Context, c *client.Client) error { _, err := c.GetUser(ctx, userID); return err }
			}

			err := call(t.Context(), c)

			if tt.wantErr {
				assert.ErrorIs(t, err, client.ErrUnavailable)
				var oe *client.Error
				assert.ErrorAs(t, err, &oe, "the last Okta answer is returned")
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.wantCount, f.count())
			waits := s.recorded()
			require.Len(t, waits, tt.wantCount-1)
			for i, w := range waits {
				ceiling := 100 * time.Millisecond << i // full jitter: [0, base·2^i)
				assert.GreaterOrEqual(t, w, time.Duration(0))
				assert.Less(t, w, ceiling, "backoff %d", i)
			}
			for _, r := range f.requests() {
				assert.Empty(t, r.Header.Get("X-Okta-Retry-For"), "only 429 retries are tagged")
			}
		})
	}
}

// resetOnce makes the first connection die before any response.
func resetOnce(t *testing.T, then http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	done := false
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !done
		done = true
		mu.Unlock()
		if !first {
			then(w, r)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		require.NoError(t, err)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST rather than FIN
		}
		_ = conn.Close()
	}
}

func TestConnectionResetBeforeResponse(t *testing.T) {
	t.Run("GET is retried", func(t *testing.T) {
		f := newFake(t, resetOnce(t, always(http.StatusOK, userJSON)))
		s := &sleeper{}
		c := newClient(t, f, s)
		u, err := c.GetUser(t.Context(), userID)
		require.NoError(t, err)
		assert.Equal(t, userID, u.ID)
		assert.Equal(t, 2, f.count())
		assert.Len(t, s.recorded(), 1)
	})
	t.Run("POST is not retried", func(t *testing.T) {
		f := newFake(t, resetOnce(t, always(http.StatusOK, "{}")))
		s := &sleeper{}
		c := newClient(t, f, s)
		err := ok(c.Suspend(t.Context(), userID))
		assert.ErrorIs(t, err, client.ErrUnavailable)
		var oe *client.Error
		assert.False(t, errors.As(err, &oe), "no fake status for a network error")
		assert.Equal(t, 1, f.count())
		assert.Empty(t, s.recorded())
	})
}

func TestHungServerHitsTheCallDeadline(t *testing.T) {
	gone := make(chan struct{}, 4)
	f := newFake(t, hang(nil, gone))
	c := newClient(t, f, nil, client.WithCallTimeout(150*time.Millisecond))

	start := time.Now()
	_, err := c.GetUser(t.Context(), userID)
	elapsed := time.Since(start)

	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, client.ErrUnavailable)
	var oe *client.Error
	assert.False(t, errors.As(err, &oe), "a timeout is not an Okta answer")
	assert.Less(t, elapsed, 5*time.Second, "bounded by the call timeout (generous margin for a loaded machine)")
	assert.Equal(t, 1, f.count(), "a timeout leaves no time to retry")
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the request end")
	}
}

func TestCancellationAbortsTheRequest(t *testing.T) {
	started := make(chan struct{}, 1)
	gone := make(chan struct{}, 1)
	f := newFake(t, hang(started, gone))
	c := newClient(t, f, nil)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := c.GetUser(ctx, userID)
		errc <- err
	}()

	<-started
	cancel()

	select {
	case err := <-errc:
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, client.ErrUnavailable)
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not return after cancellation")
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the outbound request was not aborted")
	}
	assert.False(t, c.BreakerOpen())
}

func TestBadSuccessBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
		call func(ctx context.Context, c *client.Client) error
	}{
		{name: "malformed JSON", body: `{"id": "00u1", "status": `},
		{name: "empty body where a user is expected", body: ""},
		{name: "an array where a user is expected", body: `[` + userJSON + `]`},
		{name: "an object without an id", body: `{"status":"ACTIVE"}`},
		{name: "a wrongly typed field", body: `{"id":"00u1","created":"yesterday"}`},
		{
			name: "an object where a list is expected", body: userJSON,
			call: func(ctx context.Context, c *client.Client) error { _, err := c.ListAppLinks(ctx, userID); return err },
		},
		{
			name: "garbage for a result with secrets", body: `<html>`,
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.Activate(ctx, userID, false)
				return err
			},
		},
		{
			// Valid JSON whose first MiB alone would also decode: only the size
			// check can reject it.
			name: "oversize body", body: userJSON + strings.Repeat(" ", 1<<20),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, always(http.StatusOK, tt.body))
			c := newClient(t, f, nil)
			call := tt.call
			if call == nil {
				call = func(ctx context.Context, c *client.Client) error { _, err := c.GetUser(ctx, userID); return err }
			}

			err := call(t.Context(), c)

			require.Error(t, err)
			var oe *client.Error
			assert.False(t, errors.As(err, &oe), "a 200 is not an Okta error")
			assert.NotErrorIs(t, err, client.ErrUnavailable)
			if tt.name == "oversize body" {
				assert.Equal(t, "okta: getUser: response body larger than 1 MiB", err.Error())
			} else {
				assert.Regexp(t, `^okta: \w+: decode response`, err.Error())
			}
			assert.Equal(t, 1, f.count(), "decode errors are not retried")
		})
	}
}

func TestBodyOfExactlyOneMiBIsAccepted(t *testing.T) {
	body := `{"id":"00u1","status":"ACTIVE"}`
	body += strings.Repeat(" ", 1<<20-len(body))
	require.Len(t, body, 1<<20)
	f := newFake(t, always(http.StatusOK, body))
	c := newClient(t, f, nil)
	u, err := c.GetUser(t.Context(), "00u1")
	require.NoError(t, err)
	assert.Equal(t, "00u1", u.ID)
}

func TestInFlightCap(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/users/slow" {
			started <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		reply(w, http.StatusOK, userJSON)
	})
	var observed []client.CallInfo
	var mu sync.Mutex
	c := newClient(t, f, nil, client.WithMaxInFlight(1, 0), client.WithObserver(func(ci client.CallInfo) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, ci)
	}))
	slow := make(chan error, 1)
	go func() {
		_, err := c.GetUser(t.Context(), "slow")
		slow <- err
	}()
	<-started

	_, err := c.GetUser(t.Context(), userID)
	assert.ErrorIs(t, err, client.ErrBusy)
	assert.ErrorIs(t, err, client.ErrUnavailable)
	assert.Equal(t, 1, f.count(), "the refused call sent nothing")

	close(release)
	require.NoError(t, <-slow)
	_, err = c.GetUser(t.Context(), userID)
	require.NoError(t, err, "the slot is free again")
	assert.False(t, c.BreakerOpen(), "busy is not a breaker failure")

	mu.Lock()
	defer mu.Unlock()
	var busy int
	for _, ci := range observed {
		if errors.Is(ci.Err, client.ErrBusy) {
			busy++
			assert.Zero(t, ci.Status)
		}
	}
	assert.Equal(t, 1, busy, "the observer sees the refusal")
}

func TestInFlightWaitHonoursContext(t *testing.T) {
	started := make(chan struct{}, 1)
	f := newFake(t, hang(started, nil))
	c := newClient(t, f, nil, client.WithMaxInFlight(1, time.Hour))
	holder, cancelHolder := context.WithCancel(t.Context())
	defer cancelHolder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.GetUser(holder, "holder")
	}()
	<-started

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := c.GetUser(ctx, userID)

	assert.ErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline ends the wait, not the hour-long cap wait")
	assert.ErrorIs(t, err, client.ErrUnavailable)
	assert.NotErrorIs(t, err, client.ErrBusy)
	assert.Equal(t, 1, f.count())
	cancelHolder()
	<-done
}

func TestRateLimitIsRecorded(t *testing.T) {
	f := newFake(t, sequence(
		always(http.StatusOK, userJSON, "X-Rate-Limit-Remaining", "42"),
		always(http.StatusOK, userJSON, "X-Rate-Limit-Limit", "", "X-Rate-Limit-Remaining", "", "X-Rate-Limit-Reset", ""),
	))
	c := newClient(t, f, nil)
	assert.False(t, c.RateLimit().Known, "nothing seen yet")

	_, err := c.GetUser(t.Context(), userID)
	require.NoError(t, err)
	want := client.RateLimit{Limit: 600, Remaining: 42, Reset: okDate.Add(time.Minute), Known: true}
	assert.Equal(t, want, c.RateLimit())

	_, err = c.GetUser(t.Context(), userID)
	require.NoError(t, err)
	assert.Equal(t, want, c.RateLimit(), "a response without headers keeps the last known values")
	assert.Equal(t, want, c.WithBearer("user-token").RateLimit(), "copies share the record")
}

func TestConcurrentCallsAreSafe(t *testing.T) {
	f := newFake(t, always(http.StatusOK, userJSON))
	c := newClient(t, f, nil)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			cc := c
			if i%2 == 0 {
				cc = c.WithBearer("token-" + strconv.Itoa(i))
			}
			_, err := cc.GetUser(t.Context(), userID)
			assert.NoError(t, err)
			_ = cc.RateLimit()
			_ = cc.BreakerOpen()
		})
	}
	wg.Wait()
	assert.Equal(t, 32, f.count())
}

// truncatedOnce promises a longer body than it sends on the first request, then
// drops the connection.
func truncatedOnce(then http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	done := false
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !done
		done = true
		mu.Unlock()
		if !first {
			then(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(userJSON)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(userJSON[:20]))
	}
}

func TestConnectionDropsMidBody(t *testing.T) {
	t.Run("GET is retried", func(t *testing.T) {
		f := newFake(t, truncatedOnce(always(http.StatusOK, userJSON)))
		c := newClient(t, f, nil)
		u, err := c.GetUser(t.Context(), userID)
		require.NoError(t, err)
		assert.Equal(t, userID, u.ID)
		assert.Equal(t, 2, f.count())
	})
	t.Run("POST is not retried", func(t *testing.T) {
		f := newFake(t, truncatedOnce(always(http.StatusOK, "{}")))
		var infos []client.CallInfo
		c := newClient(t, f, nil, client.WithObserver(func(ci client.CallInfo) { infos = append(infos, ci) }))
		_, err := c.Activate(t.Context(), userID, false)
		assert.ErrorIs(t, err, client.ErrUnavailable)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		var oe *client.Error
		assert.False(t, errors.As(err, &oe))
		assert.Equal(t, 1, f.count())
		require.Len(t, infos, 1)
		assert.Zero(t, infos[0].Status, "no usable answer")
	})
}
