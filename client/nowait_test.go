package client_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

// TestWithoutRateLimitWait: under WithoutRateLimitWait a GET neither retries after a 429 nor
// waits for a spent bucket's reset; it fails at once with a rate-limit error that says when to
// come back. Without it, the same calls wait (TestRateLimitedGetIsRetriedOnce, TestBudgetGuard).
func TestWithoutRateLimitWait(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		opts     []client.Option
		wantSent int
		wantErr  error
	}{
		{name: "a 429 is not retried", handler: sequence(rateLimited("req429", 1), always(http.StatusOK, userJSON)),
			wantSent: 1, wantErr: client.ErrRateLimited},
		{name: "a spent bucket is not waited for", handler: spentBucket(time.Second), opts: []client.Option{client.WithBudgetGuard()},
			wantSent: 1, wantErr: client.ErrBudgetSpent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			s := &sleeper{}
			c := newClient(t, f, s, tt.opts...)
			ctx := client.WithoutRateLimitWait(t.Context())
			_, err := c.GetUser(ctx, userID)
			if tt.wantErr == client.ErrBudgetSpent {
				require.NoError(t, err, "the first call learns the bucket is spent")
				_, err = c.GetUser(ctx, userID)
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.ErrorIs(t, err, client.ErrRateLimited)
			assert.Positive(t, client.RetryAfter(err), "the error says when Okta expects us back")
			assert.Equal(t, tt.wantSent, f.count(), "requests Okta received")
			assert.Empty(t, s.recorded(), "nothing waited")
		})
	}
}
