package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

func suspendCall(ctx context.Context, c *client.Client) error { return ok(c.Suspend(ctx, userID)) }

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	clock := newFakeClock()
	f := newFake(t, always(http.StatusInternalServerError, errServerJSON))
	var refused int
	c := newClient(t, f, nil,
		client.WithBreaker(3, 30*time.Second),
		client.WithClock(clock.Now, nil),
		client.WithObserver(func(ci client.CallInfo) {
			if errors.Is(ci.Err, client.ErrCircuitOpen) {
				refused++ // calls are sequential in this test
			}
		}))
	ctx := t.Context()

	for i := range 3 {
		assert.False(t, c.BreakerOpen(), "closed before failure %d", i+1)
		require.ErrorIs(t, suspendCall(ctx, c), client.ErrUnavailable)
	}
	require.True(t, c.BreakerOpen(), "open after 3 consecutive failures")
	require.Equal(t, 3, f.count())

	err := suspendCall(ctx, c)
	assert.ErrorIs(t, err, client.ErrCircuitOpen)
	assert.ErrorIs(t, err, client.ErrUnavailable)
	var oe *client.Error
	assert.False(t, errors.As(err, &oe), "no fake status while open")
	_, err = c.GetUser(ctx, userID)
	assert.ErrorIs(t, err, client.ErrCircuitOpen)
	assert.Equal(t, 3, f.count(), "no outbound request while open")
	assert.Equal(t, 2, refused, "the observer sees refusals")

	clock.Advance(30*time.Second - time.Millisecond)
	assert.True(t, c.BreakerOpen(), "still open just before the cooldown ends")
	assert.ErrorIs(t, suspendCall(ctx, c), client.ErrCircuitOpen)

	clock.Advance(time.Millisecond)
	assert.False(t, c.BreakerOpen(), "a probe may go after the cooldown")
	f.setHandler(always(http.StatusOK, "{}"))
	require.NoError(t, suspendCall(ctx, c), "the half-open probe succeeds")
	assert.False(t, c.BreakerOpen())
	require.NoError(t, suspendCall(ctx, c))
	assert.Equal(t, 5, f.count())
}

func TestBreakerFailedProbeReopens(t *testing.T) {
	clock := newFakeClock()
	f := newFake(t, always(http.StatusServiceUnavailable, ""))
	c := newClient(t, f, nil, client.WithBreaker(2, time.Minute), client.WithClock(clock.Now, nil))
	ctx := t.Context()
	for range 2 {
		_ = suspendCall(ctx, c)
	}
	require.True(t, c.BreakerOpen())

	clock.Advance(time.Minute)
	err := suspendCall(ctx, c)
	var oe *client.Error
	require.ErrorAs(t, err, &oe, "the probe reached Okta")
	assert.Equal(t, 3, f.count())
	assert.True(t, c.BreakerOpen(), "a failed probe reopens")
	assert.ErrorIs(t, suspendCall(ctx, c), client.ErrCircuitOpen)
	assert.Equal(t, 3, f.count())

	clock.Advance(59 * time.Second)
	assert.True(t, c.BreakerOpen(), "the cooldown restarts from the failed probe")
}

func TestBreakerLetsOneProbeThrough(t *testing.T) {
	clock := newFakeClock()
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	f := newFake(t, always(http.StatusInternalServerError, ""))
	c := newClient(t, f, nil, client.WithBreaker(1, time.Second), client.WithClock(clock.Now, nil))
	ctx := t.Context()
	_ = suspendCall(ctx, c)
	require.True(t, c.BreakerOpen())
	clock.Advance(time.Second)
	f.setHandler(func(w http.ResponseWriter, _ *http.Request) {
		started <- struct{}{}
		<-release
		reply(w, http.StatusOK, "{}")
	})
	probe := make(chan error, 1)
	go func() { probe <- suspendCall(ctx, c) }()
	<-started

	assert.True(t, c.BreakerOpen(), "half-open with a probe in flight")
	assert.ErrorIs(t, suspendCall(ctx, c), client.ErrCircuitOpen, "only one probe at a time")

	close(release)
	require.NoError(t, <-probe)
	assert.False(t, c.BreakerOpen())
	assert.Equal(t, 2, f.count())
}

// TestBreakerCounting checks what counts as a failure: network errors,
// timeouts and 5xx do; 4xx, 429 and caller cancellations do not; any answer
// below 500 resets the count.
func TestBreakerCounting(t *testing.T) {
	tests := []struct {
		name     string
		handlers []http.HandlerFunc
		opts     []client.Option
		calls    int
		cancel   bool
		wantOpen bool
	}{
		{name: "5xx", handlers: []http.HandlerFunc{always(http.StatusBadGateway, "")}, calls: 3, wantOpen: true},
		{name: "404 does not count", handlers: []http.HandlerFunc{always(http.StatusNotFound, errNotFoundJSON)}, calls: 10},
		{name: "403 does not count", handlers: []http.HandlerFunc{always(http.StatusForbidden, errAlreadyActiveJSON)}, calls: 10},
		{name: "429 does not count", handlers: []http.HandlerFunc{rateLimited("r", 0)}, calls: 10},
		{
			name: "a success resets the count",
			handlers: []http.HandlerFunc{
				always(500, ""), always(500, ""), always(http.StatusOK, "{}"), always(500, ""), always(500, ""),
			},
			calls: 5,
		},
		{
			name: "a 4xx resets the count",
			handlers: []http.HandlerFunc{
				always(500, ""), always(500, ""), always(http.StatusBadRequest, errSuspendJSON), always(500, ""), always(500, ""),
			},
			calls: 5,
		},
		{
			name:     "timeouts count",
			handlers: []http.HandlerFunc{hang(nil, nil)},
			opts:     []client.Option{client.WithCallTimeout(30 * time.Millisecond)},
			calls:    3, wantOpen: true,
		},
		{
			name:     "caller cancellation does not count",
			handlers: []http.HandlerFunc{always(http.StatusOK, "{}")},
			calls:    5, cancel: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, sequence(tt.handlers...))
			opts := append([]client.Option{client.WithBreaker(3, time.Minute), client.WithClock(newFakeClock().Now, nil)}, tt.opts...)
			c := newClient(t, f, nil, opts...)
			ctx := t.Context()
			if tt.cancel {
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				ctx = cctx
			}
			for range tt.calls {
				_ = suspendCall(ctx, c)
			}
			assert.Equal(t, tt.wantOpen, c.BreakerOpen())
		})
	}
}

func TestBreakerCountsNetworkErrors(t *testing.T) {
	// A port nobody listens on: connection refused, fast and deterministic.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c, err := client.New("http://"+addr, testToken, client.WithBreaker(3, time.Minute), client.WithClock(newFakeClock().Now, nil))
	require.NoError(t, err)
	for range 3 {
		err := ok(c.Suspend(t.Context(), userID))
		assert.ErrorIs(t, err, client.ErrUnavailable)
		assert.NotErrorIs(t, err, client.ErrCircuitOpen)
	}
	assert.True(t, c.BreakerOpen())
	assert.ErrorIs(t, ok(c.Suspend(t.Context(), userID)), client.ErrCircuitOpen)
}

// TestBreakerCountsEachAttempt documents that retries are attempts: a GET that
// sees three 503s is three failures.
func TestBreakerCountsEachAttempt(t *testing.T) {
	f := newFake(t, always(http.StatusServiceUnavailable, ""))
	c := newClient(t, f, nil, client.WithBreaker(3, time.Minute), client.WithClock(newFakeClock().Now, nil))
	_, err := c.GetUser(t.Context(), userID)
	var oe *client.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, 3, f.count())
	assert.True(t, c.BreakerOpen())
}

// TestBreakerOpeningMidRetryKeepsOktaAnswer: when the breaker opens between
// retries the caller gets Okta's last answer, not a bare "circuit open".
func TestBreakerOpeningMidRetryKeepsOktaAnswer(t *testing.T) {
	f := newFake(t, always(http.StatusServiceUnavailable, errorJSON("E0000009", "Service Unavailable")))
	c := newClient(t, f, nil, client.WithBreaker(2, time.Minute), client.WithClock(newFakeClock().Now, nil))
	_, err := c.GetUser(t.Context(), userID)
	var oe *client.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "E0000009", oe.Code)
	assert.Equal(t, 2, f.count())
}

func TestBreakerDisabled(t *testing.T) {
	f := newFake(t, always(http.StatusInternalServerError, ""))
	c := newClient(t, f, nil, client.WithBreaker(0, 0))
	for range 20 {
		_ = suspendCall(t.Context(), c)
	}
	assert.False(t, c.BreakerOpen())
	assert.Equal(t, 20, f.count())
}
