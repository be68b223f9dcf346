package handlers

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
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

// TestForgotQueueNeverBlocks: with Okta slow and the queue full, a request is dropped with a
// log line instead of waiting; Close lets the queued work finish and then takes nothing more.
func TestForgotQueueNeverBlocks(t *testing.T) {
	emu := oktatest.NewServer(oktatest.Config{Latency: 200 * time.Millisecond})
	t.Cleanup(emu.Close)
	okta, err := client.New(emu.URL(), emu.APIToken())
	require.NoError(t, err)
	var logs lockedBuffer
	f := startForgot(okta, nil, ForgotOptions{Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		queueShape{workers: 1, size: 1, drain: 5 * time.Second})

	start := time.Now()
	var outcomes []string
	for range 5 {
		outcomes = append(outcomes, f.enqueue(t.Context(), "alice@example.com"))
	}
	assert.Less(t, time.Since(start), 100*time.Millisecond, "enqueueing never waits for Okta")
	assert.Contains(t, outcomes, "queued")
	assert.Contains(t, outcomes, "dropped_queue_full")
	assert.Contains(t, logs.String(), "queue full")

	f.Close()
	assert.Contains(t, logs.String(), "outcome=sent", "the queued request was processed before Close returned")
	assert.Equal(t, "dropped_shutdown", f.enqueue(t.Context(), "alice@example.com"))
	f.Close() // twice is fine
}
