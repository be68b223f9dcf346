package client_test

import (
	"context"
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

// spentBucket answers like Okta when a bucket has just run dry: the call succeeds, with
// X-Rate-Limit-Remaining 0 and the reset resetIn after Date.
func spentBucket(resetIn time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"id":"00u1a2b3c4D5e6F7g8h9","status":"ACTIVE","profile":{}}`,
			"X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", strconv.FormatInt(okDate.Add(resetIn).Unix(), 10))
	}
}

func TestBudgetGuard(t *testing.T) {
	const (
		user  = "00u1a2b3c4D5e6F7g8h9"
		other = "00u9z8y7x6W5v4U3t2s1"
	)
	tests := []struct {
		name string
		// first is Okta's answer to the call that learns the bucket's state; then every
		// later request is answered normally.
		first   http.HandlerFunc
		resetIn time.Duration
		guard   bool
		bearer  bool // the second call uses a person's token instead of the credential
		// second is the call made after the first.
		second     func(c *client.Client) error
		wantSent   int  // requests Okta received in all
		wantRefuse bool // the second call failed with ErrBudgetSpent
		wantWait   time.Duration
	}{
		{name: "a GET to the spent bucket is refused without being sent", first: spentBucket(time.Minute), guard: true,
			second: func(c *client.Client) error { return ok(c.GetUser(t.Context(), other)) }, wantSent: 1, wantRefuse: true},
		{name: "users/me counts against the same bucket as a user by id", first: spentBucket(time.Minute), guard: true,
			second: func(c *client.Client) error { return ok(c.GetCurrentUser(t.Context())) }, wantSent: 1, wantRefuse: true},
		{name: "another bucket is not affected", first: spentBucket(time.Minute), guard: true,
			second: func(c *client.Client) error { return ok(c.ListAppLinks(t.Context(), user)) }, wantSent: 2},
		{name: "a mutation is always sent: Okta judges those", first: spentBucket(time.Minute), guard: true,
			second: func(c *client.Client) error { return ok(c.Suspend(t.Context(), user)) }, wantSent: 2},
		{name: "a reset that fits the wait is waited for, then the GET is sent", first: spentBucket(time.Second), guard: true,
			second: func(c *client.Client) error { return ok(c.GetUser(t.Context(), other)) }, wantSent: 2, wantWait: 2 * time.Second},
		{name: "a person's own token has its own share of the bucket", first: spentBucket(time.Minute), guard: true, bearer: true,
			second: func(c *client.Client) error { return ok(c.GetCurrentUser(t.Context())) }, wantSent: 2},
		{name: "a concurrency 429 says nothing about the bucket", guard: true,
			first: always(http.StatusTooManyRequests, `{"errorCode":"E0000047"}`, "X-Rate-Limit-Limit", "0", "X-Rate-Limit-Remaining", "0",
				"X-Rate-Limit-Reset", strconv.FormatInt(okDate.Add(time.Minute).Unix(), 10)),
			// The first read is resent after a short backoff (the concurrency retry) and
			// succeeds; the second is sent: no bucket was marked spent.
			second: func(c *client.Client) error { return ok(c.GetUser(t.Context(), other)) }, wantSent: 3},
		{name: "without the guard every GET is sent", first: spentBucket(time.Minute),
			second: func(c *client.Client) error { return ok(c.GetUser(t.Context(), other)) }, wantSent: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				calls int
			)
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				if n == 1 {
					tt.first(w, r)
					return
				}
				if strings.HasSuffix(r.URL.Path, "/appLinks") {
					reply(w, http.StatusOK, `[]`)
					return
				}
				reply(w, http.StatusOK, `{"id":"`+other+`","status":"ACTIVE","profile":{}}`)
			})
			s := &sleeper{}
			clock := newFakeClock()
			var refused []client.CallInfo
			// Waiting moves the clock, as real time would.
			wait := func(ctx context.Context, d time.Duration) error {
				clock.Advance(d)
				return s.sleep(ctx, d)
			}
			opts := []client.Option{client.WithClock(clock.Now, wait), client.WithObserver(func(ci client.CallInfo) {
				if ci.Status == 0 {
					refused = append(refused, ci)
				}
			})}
			if tt.guard {
				opts = append(opts, client.WithBudgetGuard())
			}
			c := newClient(t, f, s, opts...)
			_, _ = c.GetUser(t.Context(), user)
			second := c
			if tt.bearer {
				second = c.WithBearer("a-persons-access-token")
			}
			err := tt.second(second)
			assert.Equal(t, tt.wantSent, f.count(), "requests Okta received")
			if !tt.wantRefuse {
				require.NoError(t, err)
				if tt.wantWait > 0 {
					assert.Equal(t, []time.Duration{tt.wantWait}, s.recorded(), "the GET waited for the reset")
				}
				return
			}
			require.ErrorIs(t, err, client.ErrBudgetSpent)
			assert.ErrorIs(t, err, client.ErrRateLimited, "a spent budget is a rate limit to the callers")
			assert.Equal(t, time.Minute+time.Second, client.RetryAfter(err), "it says when the bucket resets (reset − Date + 1 s)")
			require.Len(t, refused, 1, "the observer hears of the refused attempt")
			assert.Equal(t, 1, refused[0].Attempt)
			assert.ErrorIs(t, refused[0].Err, client.ErrBudgetSpent)
		})
	}
}

// TestBudgetGuardEndsAtReset: once the bucket's reset has passed (with the second Okta's SDKs
// add), GETs are sent again, and an answer with room left clears the spell at once.
func TestBudgetGuardEndsAtReset(t *testing.T) {
	var (
		mu        sync.Mutex
		remaining = "0"
	)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		rem := remaining
		mu.Unlock()
		reply(w, http.StatusOK, `{"id":"00u1a2b3c4D5e6F7g8h9","status":"ACTIVE","profile":{}}`,
			"X-Rate-Limit-Remaining", rem, "X-Rate-Limit-Reset", strconv.FormatInt(okDate.Add(30*time.Second).Unix(), 10))
	})
	clock := newFakeClock()
	c := newClient(t, f, nil, client.WithClock(clock.Now, nil), client.WithBudgetGuard())
	_, err := c.GetUser(t.Context(), "00u1a2b3c4D5e6F7g8h9")
	require.NoError(t, err)
	_, err = c.GetUser(t.Context(), "00u1a2b3c4D5e6F7g8h9")
	require.ErrorIs(t, err, client.ErrBudgetSpent)
	clock.Advance(31 * time.Second)
	mu.Lock()
	remaining = "599"
	mu.Unlock()
	_, err = c.GetUser(t.Context(), "00u1a2b3c4D5e6F7g8h9")
	require.NoError(t, err, "the bucket has reset")
	_, err = c.GetUser(t.Context(), "00u1a2b3c4D5e6F7g8h9")
	require.NoError(t, err)
	assert.Equal(t, 3, f.count())
}

// TestBudgetWaitThenRefused: a GET that waited for a spent bucket's reset and is then refused
// by the client itself (the in-flight cap filled meanwhile) fails with that refusal. It once
// returned no answer and no error, and the caller read a nil response (found by the browser
// suite under load).
func TestBudgetWaitThenRefused(t *testing.T) {
	const (
		user  = "00u1a2b3c4D5e6F7g8h9"
		other = "00u9z8y7x6W5v4U3t2s1"
	)
	var (
		mu    sync.Mutex
		calls int
	)
	inFlight, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	releaseSlot := func() { once.Do(func() { close(release) }) }
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch {
		case n == 1:
			spentBucket(time.Second)(w, r)
		case strings.HasSuffix(r.URL.Path, "/appLinks"):
			close(inFlight) // holds the only slot until the test ends
			<-release
			reply(w, http.StatusOK, `[]`)
		default:
			reply(w, http.StatusOK, `{"id":"`+other+`","status":"ACTIVE","profile":{}}`)
		}
	})
	// Registered after the fake, so it runs before the fake's server closes: even when an
	// assertion stops the test, the held request returns.
	t.Cleanup(releaseSlot)
	clock := newFakeClock()
	var c *client.Client
	held := make(chan error, 1)
	// While the GET waits for the bucket's reset, another call takes the only slot.
	wait := func(ctx context.Context, d time.Duration) error {
		clock.Advance(d)
		go func() {
			_, err := c.ListAppLinks(context.Background(), user)
			held <- err
		}()
		<-inFlight
		return nil
	}
	c = newClient(t, f, nil, client.WithClock(clock.Now, wait), client.WithBudgetGuard(), client.WithMaxInFlight(1, 10*time.Millisecond))
	_, err := c.GetUser(t.Context(), user)
	require.NoError(t, err)

	var u client.User
	assert.NotPanics(t, func() { u, err = c.GetUser(t.Context(), other) })
	require.ErrorIs(t, err, client.ErrBusy, "the refusal is the answer")
	assert.Empty(t, u.ID)
	releaseSlot()
	require.NoError(t, <-held)
}
