package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"gatehouse/client"
)

// TestPollBackOff: a pending section polls after 2 s, doubling with each attempt up to 90 s,
// never before Okta's reset, plus a stable spread of less than a second per person; anything
// but a rate limit (or the in-flight cap) is an error box, not a placeholder.
func TestPollBackOff(t *testing.T) {
	limited := func(retry time.Duration) error {
		return fmt.Errorf("list app links: %w", &client.Error{StatusCode: http.StatusTooManyRequests, RetryAfter: retry})
	}
	tests := []struct {
		name     string
		err      error
		attempt  int
		legacy   bool
		pending  bool
		min, max time.Duration // the wait, spread included
		next     string
	}{
		{name: "first attempt", err: limited(0), attempt: 0, pending: true, min: 2 * time.Second, max: 3 * time.Second, next: "/dashboard/apps?attempt=1"},
		{name: "doubles", err: limited(0), attempt: 1, pending: true, min: 4 * time.Second, max: 5 * time.Second, next: "/dashboard/apps?attempt=2"},
		{name: "doubles again", err: limited(0), attempt: 3, pending: true, min: 16 * time.Second, max: 17 * time.Second, next: "/dashboard/apps?attempt=4"},
		{name: "capped at 90 s", err: limited(0), attempt: 9, pending: true, min: 90 * time.Second, max: 91 * time.Second, next: "/dashboard/apps?attempt=10"},
		{name: "the attempt count stops", err: limited(0), attempt: pollAttempts, pending: true, min: 90 * time.Second, max: 91 * time.Second, next: "/dashboard/apps?attempt=16"},
		{name: "Okta's reset wins over a shorter back-off", err: limited(41 * time.Second), attempt: 0, pending: true, min: 41 * time.Second, max: 42 * time.Second, next: "/dashboard/apps?attempt=1"},
		{name: "a reset beyond the cap is capped", err: limited(10 * time.Minute), attempt: 0, pending: true, min: 90 * time.Second, max: 91 * time.Second, next: "/dashboard/apps?attempt=1"},
		{name: "the in-flight cap is busy too", err: client.ErrBusy, attempt: 0, pending: true, min: 2 * time.Second, max: 3 * time.Second, next: "/dashboard/apps?attempt=1"},
		{name: "Okta down is an error box", err: client.ErrUnavailable},
		{name: "not found is an error box", err: client.ErrNotFound},
		{name: "today (legacy) a rate limit is an error box", err: limited(0), legacy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &SelfService{opts: SelfServiceOptions{LegacyArrivals: tt.legacy}}
			st := s.sectionState(Viewer{UserID: "00u1"}, "apps", false, tt.err, tt.attempt)
			assert.Equal(t, tt.pending, st.Pending)
			if !tt.pending {
				return
			}
			assert.GreaterOrEqual(t, st.PollAfter, tt.min)
			assert.Less(t, st.PollAfter, tt.max)
			assert.Equal(t, tt.next, st.PollURL)
		})
	}
	t.Run("the spread is stable per person and differs between people", func(t *testing.T) {
		assert.Equal(t, pollSpread("00u1", "apps"), pollSpread("00u1", "apps"))
		seen := map[time.Duration]bool{}
		for i := range 20 {
			seen[pollSpread(fmt.Sprintf("00u%d", i), "apps")] = true
		}
		assert.Greater(t, len(seen), 10, "people's polls are spread over the second")
	})
	assert.False(t, errors.Is(client.ErrUnavailable, client.ErrRateLimited))
}
