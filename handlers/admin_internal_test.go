package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

func TestRunBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		n, limit    int
		stopAfter   int // stop reports true once this many calls finished; 0 = never
		wantCalls   int
		wantSkipped int
	}{
		{name: "all run", n: 20, limit: 4, wantCalls: 20},
		{name: "limit one runs in order", n: 5, limit: 1, wantCalls: 5},
		{name: "stop leaves the rest skipped", n: 20, limit: 1, stopAfter: 3, wantCalls: 3, wantSkipped: 17},
		{name: "nothing to do", n: 0, limit: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				inFlight, peak, done atomic.Int32
				mu                   sync.Mutex
				called, skipped      []int
				release              = make(chan struct{})
			)
			// Calls block until several are in flight (or all that can be), so the bound is
			// actually exercised rather than passing because calls are quick.
			fn := func(i int) {
				cur := inFlight.Add(1)
				for {
					p := peak.Load()
					if cur <= p || peak.CompareAndSwap(p, cur) {
						break
					}
				}
				if int(cur) >= min(tt.limit, tt.n) {
					select {
					case <-release:
					default:
						close(release)
					}
				}
				<-release
				mu.Lock()
				called = append(called, i)
				mu.Unlock()
				inFlight.Add(-1)
				done.Add(1)
			}
			stop := func() bool { return tt.stopAfter > 0 && int(done.Load()) >= tt.stopAfter }
			runBounded(context.Background(), tt.n, tt.limit, stop, fn, func(i int) {
				mu.Lock()
				skipped = append(skipped, i)
				mu.Unlock()
			})
			assert.Len(t, called, tt.wantCalls)
			assert.Len(t, skipped, tt.wantSkipped)
			assert.LessOrEqual(t, int(peak.Load()), tt.limit, "never more than limit in flight")
			if tt.limit == 1 {
				for i, c := range called {
					assert.Equal(t, i, c, "in order")
				}
			}
		})
	}
}

func TestRunBoundedStopsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var calls, skips atomic.Int32
	runBounded(ctx, 10, 1, func() bool { return false }, func(i int) {
		calls.Add(1)
		if i == 1 {
			cancel()
		}
	}, func(int) { skips.Add(1) })
	assert.Equal(t, int32(10), calls.Load()+skips.Load(), "every index is accounted for")
	assert.Positive(t, skips.Load())
}

func TestActionTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, act := range Actions() {
		assert.False(t, seen[act.Key], "duplicate key %s", act.Key)
		seen[act.Key] = true
		assert.NotEmpty(t, act.Label)
		assert.NotEmpty(t, act.Statuses, act.Key)
		assert.Equal(t, act.Destructive, act.StepUp, "%s: destructive actions are the step-up ones", act.Key)
		if act.EndsSessions {
			assert.True(t, act.Destructive, "%s ends sessions, so it is destructive", act.Key)
		}
		got, ok := ActionByKey(act.Key)
		assert.True(t, ok)
		assert.Equal(t, act.Key, got.Key)
	}
	helpdesk := map[string]bool{}
	for _, act := range Actions() {
		if act.Helpdesk {
			helpdesk[act.Key] = true
		}
	}
	assert.Equal(t, map[string]bool{actionUnlock: true, actionResetPassword: true, actionExpirePassword: true,
		actionResetFactors: true, actionClearSessions: true, actionForgotPassword: true}, helpdesk, "DESIGN.md §3")
	_, ok := ActionByKey("delete")
	assert.False(t, ok)
}

func TestOktaBudgetLow(t *testing.T) {
	t.Parallel()
	var remaining atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit-Limit", "600")
		w.Header().Set("X-Rate-Limit-Remaining", strconv.FormatInt(remaining.Load(), 10))
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"00uAAAAAAAAAAAAAAAAA","status":"ACTIVE","profile":{"login":"x@example.com"}}`))
	}))
	t.Cleanup(srv.Close)
	okta, err := client.New(srv.URL, "token")
	require.NoError(t, err)
	a := NewAdmin(okta, nil, nil, nil, AdminOptions{})
	assert.False(t, a.oktaBudgetLow(), "nothing known yet")
	tests := []struct {
		name      string
		remaining int64
		want      bool
	}{
		{name: "plenty left", remaining: 100, want: false},
		{name: "just above the floor", remaining: 6, want: false},
		{name: "nearly spent", remaining: 5, want: true},
		{name: "spent", remaining: 0, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remaining.Store(tt.remaining)
			_, err := okta.GetUser(t.Context(), "00uAAAAAAAAAAAAAAAAA")
			require.NoError(t, err)
			assert.Equal(t, tt.want, a.oktaBudgetLow())
		})
	}
}
