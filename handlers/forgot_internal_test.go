package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"gatehouse/client"
)

// lockedBuffer is a log sink safe for the queue's workers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hangingOkta answers the forgot-password queue's calls only once release is closed (or the
// call's context ends): Okta as slow as it gets.
type hangingOkta struct{ release chan struct{} }

func (o *hangingOkta) ListUsers(ctx context.Context, _ client.ListUsersParams) (client.UserPage, error) {
	select {
	case <-o.release:
	case <-ctx.Done():
		return client.UserPage{}, ctx.Err()
	}
	u := client.User{ID: "00u1AAAAAAAAAAAAAAAA", Status: client.StatusActive}
	u.Credentials.RecoveryQuestion = "Which street?"
	return client.UserPage{Users: []client.User{u}}, nil
}

func (o *hangingOkta) ForgotPassword(context.Context, string, bool) (client.ForgotPasswordResult, error) {
	return client.ForgotPasswordResult{}, nil
}

// TestForgotQueueNeverBlocks: with Okta hanging and the queue full, a request is dropped with a
// log line instead of waiting; Close lets the queued work finish, or, when Okta still hangs
// after the drain time, gives up on it; then it takes nothing more. In a synctest bubble: a
// request that waited would deadlock the bubble and fail the test, and the drain time passes
// without sleeping.
func TestForgotQueueNeverBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		oktaAnswers bool // Okta answers during the drain
		wantLog     string
	}{
		{name: "the queued work finishes at shutdown", oktaAnswers: true, wantLog: "outcome=sent"},
		{name: "Okta still hangs after the drain time", wantLog: "outcome=lookup_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				okta := &hangingOkta{release: make(chan struct{})}
				var logs lockedBuffer
				f := startForgot(okta, nil, ForgotOptions{Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
					queueShape{workers: 1, size: 1, drain: 5 * time.Second})

				assert.Equal(t, "queued", f.enqueue(t.Context(), "alice@example.com"))
				synctest.Wait() // the worker has taken it and hangs in Okta
				var outcomes []string
				for range 4 {
					outcomes = append(outcomes, f.enqueue(t.Context(), "alice@example.com"))
				}
				assert.Equal(t, []string{"queued", "dropped_queue_full", "dropped_queue_full", "dropped_queue_full"}, outcomes)
				assert.Contains(t, logs.String(), "queue full")

				start := time.Now()
				if tt.oktaAnswers {
					close(okta.release)
				}
				f.Close()
				if tt.oktaAnswers {
					assert.Equal(t, 2, strings.Count(logs.String(), "outcome=sent"), "both queued requests were processed before Close returned")
				} else {
					assert.Equal(t, 5*time.Second, time.Since(start), "Close waited the drain time, no more")
					assert.Contains(t, logs.String(), tt.wantLog)
				}
				assert.Equal(t, "dropped_shutdown", f.enqueue(t.Context(), "alice@example.com"))
				f.Close() // twice is fine
			})
		})
	}
}
