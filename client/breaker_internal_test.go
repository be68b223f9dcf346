package client

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestBreakerStateMachine drives the breaker directly through its transitions.
func TestBreakerStateMachine(t *testing.T) {
	type step struct {
		advance  time.Duration
		allow    *bool   // expected allow() result, if called
		record   outcome // recorded after an allowed step
		wantOpen bool
	}
	yes, no := true, false
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "opens at the threshold",
			steps: []step{
				{allow: &yes, record: outcomeFailure},
				{allow: &yes, record: outcomeFailure, wantOpen: true},
				{allow: &no, wantOpen: true},
			},
		},
		{
			name: "neutral outcomes neither count nor reset",
			steps: []step{
				{allow: &yes, record: outcomeFailure},
				{allow: &yes, record: outcomeNeutral},
				{allow: &yes, record: outcomeFailure, wantOpen: true},
			},
		},
		{
			name: "a neutral probe frees the half-open slot",
			steps: []step{
				{allow: &yes, record: outcomeFailure},
				{allow: &yes, record: outcomeFailure, wantOpen: true},
				{advance: time.Minute, allow: &yes, record: outcomeNeutral},
				{allow: &yes, record: outcomeSuccess},
				{allow: &yes, record: outcomeFailure},
			},
		},
		{
			name: "a straggler failing while open does not extend the cooldown",
			steps: []step{
				{allow: &yes, record: outcomeFailure},
				{allow: &yes, record: outcomeFailure, wantOpen: true},
				{advance: 50 * time.Second, record: outcomeFailure, wantOpen: true},
				{advance: 10 * time.Second, allow: &yes, record: outcomeSuccess},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &stepClock{now: time.Unix(1_700_000_000, 0)}
			b := newBreaker(2, time.Minute, clock.Now)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				if s.allow != nil {
					got := b.allow()
					require.Equal(t, *s.allow, got, "allow at step %d", i)
					if got {
						b.record(s.record)
					}
				} else {
					b.record(s.record)
				}
				assert.Equal(t, s.wantOpen, b.isOpen(), "isOpen after step %d", i)
			}
		})
	}
}

// TestBusyProbeFreesTheHalfOpenSlot covers a path the black-box tests cannot
// reach deterministically: the breaker lets a probe through but the cap is full
// (held by requests admitted before the breaker opened). The refused probe must
// not leave the breaker stuck half-open.
func TestBusyProbeFreesTheHalfOpenSlot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	clock := &stepClock{now: time.Unix(1_700_000_000, 0)}
	c, err := New(srv.URL, "token", WithBreaker(1, time.Second), WithMaxInFlight(1, 0), WithClock(clock.Now, nil))
	require.NoError(t, err)
	require.True(t, c.s.breaker.allow())
	c.s.breaker.record(outcomeFailure)
	require.True(t, c.BreakerOpen())
	clock.Advance(time.Second)

	c.s.sem <- struct{}{} // a request admitted earlier still holds the only slot
	_, err = c.Suspend(t.Context(), "00u1")
	assert.ErrorIs(t, err, ErrBusy)
	<-c.s.sem

	assert.False(t, c.BreakerOpen(), "the refused probe gave its turn back")
	_, err = c.Suspend(t.Context(), "00u1")
	require.NoError(t, err, "the next call is the probe")
	assert.False(t, c.BreakerOpen())
}
