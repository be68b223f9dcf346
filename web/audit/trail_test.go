package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecord(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), SQLiteFile))
	var logs bytes.Buffer
	trail := New(slog.New(slog.NewJSONHandler(&logs, nil)), db)

	t.Run("the log line and the record", func(t *testing.T) {
		e := entry(time.Date(2026, 3, 1, 13, 0, 0, 999, time.FixedZone("CET", 3600)), ada, bob, "unlock", ResultSuccess)
		e.Reason = "ticket 1"
		require.NoError(t, trail.Record(t.Context(), e))
		assert.Contains(t, logs.String(), `"msg":"audit","action":"unlock","result":"success","actor":"00uada"`)
		assert.Contains(t, logs.String(), `"reason":"ticket 1"`)
		got, err := trail.Recent(t.Context(), Filter{Action: "unlock"})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), got[0].Time, "UTC, to the microsecond")
	})

	t.Run("a cancelled request is still recorded", func(t *testing.T) {
		// The person closed the tab after the action reached Okta: the action happened.
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		require.NoError(t, trail.Record(ctx, entry(t0, ada, bob, "after-cancel", ResultSuccess)))
		p, err := trail.Query(t.Context(), Filter{Action: "after-cancel"})
		require.NoError(t, err)
		assert.Len(t, p.Entries, 1)
	})

	t.Run("a zero time is now", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		require.NoError(t, trail.Record(t.Context(), Entry{Action: "no-time", Result: ResultSuccess}))
		got, err := trail.Recent(t.Context(), Filter{Action: "no-time"})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.WithinRange(t, got[0].Time, before, time.Now().Add(time.Second))
	})

	t.Run("export and prune through the trail", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, trail.WriteCSV(t.Context(), &buf, Filter{Action: "unlock"}))
		rows, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		assert.Len(t, rows, 2)
		n, err := trail.Prune(t.Context(), t0.Add(time.Hour))
		require.NoError(t, err)
		assert.EqualValues(t, 2, n, "the unlock and the cancelled one, not the one made now")
	})
}

// failingStore fails every write, as a database that went away does.
type failingStore struct{ Store }

var errDown = errors.New("connection refused")

func (failingStore) Append(context.Context, Entry) error { return errDown }

func TestRecordReportsAFailingStore(t *testing.T) {
	var logs bytes.Buffer
	trail := New(slog.New(slog.NewJSONHandler(&logs, nil)), failingStore{})
	err := trail.Record(t.Context(), entry(t0, ada, bob, "suspend", ResultSuccess))
	require.ErrorIs(t, err, ErrNotRecorded)
	require.ErrorIs(t, err, errDown, "the cause is kept for the log")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"msg":"audit","action":"suspend"`, "the action is in the log whatever the store does")
	assert.Contains(t, lines[1], `"level":"ERROR","msg":"audit store append failed","err":"connection refused","action":"suspend"`)
}

func TestCursor(t *testing.T) {
	c := Cursor{Time: time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC), ID: 42}
	got, err := ParseCursor(c.String())
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.Equal(t, "", Cursor{}.String())
	z, err := ParseCursor("")
	require.NoError(t, err)
	assert.True(t, z.IsZero())
	for _, bad := range []string{"x", "1", "1.", ".1", "1.x", "1.0", "1.-3", "1.2.3", "99999999999999999999.1"} {
		_, err := ParseCursor(bad)
		assert.ErrorIs(t, err, ErrBadCursor, bad)
	}
}

func TestLimit(t *testing.T) {
	assert.Equal(t, DefaultLimit, Filter{}.limit())
	assert.Equal(t, DefaultLimit, Filter{Limit: -1}.limit())
	assert.Equal(t, 7, Filter{Limit: 7}.limit())
	assert.Equal(t, MaxLimit, Filter{Limit: MaxLimit + 1}.limit())
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{in: "hal", want: "ham", ok: true},
		{in: "o'", want: "o(", ok: true},
		{in: "åsa", want: "åsb", ok: true},
		{in: "a\uD7FF", want: "a\uE000", ok: true},
		{in: "a\U0010FFFF", want: "b", ok: true},
		{in: "\U0010FFFF", ok: false},
		{in: "", ok: false},
	}
	for _, tt := range tests {
		got, ok := prefixEnd(tt.in)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
		if ok {
			assert.Less(t, tt.in+"\U0010FFFF", got, "every string with the prefix sorts before the end")
		}
	}
}

// fakePruner records the cutoffs it is asked for.
type fakePruner struct {
	mu      sync.Mutex
	cutoffs []time.Time
	err     error
}

func (p *fakePruner) Prune(_ context.Context, olderThan time.Time) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutoffs = append(p.cutoffs, olderThan)
	return 3, p.err
}

func (p *fakePruner) calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.cutoffs)
}

func TestRetention(t *testing.T) {
	t.Run("prunes a store at once and on every tick, until cancelled", func(t *testing.T) {
		db := openSQLite(t, filepath.Join(t.TempDir(), SQLiteFile))
		now := t0
		add(t, db,
			entry(now.Add(-401*24*time.Hour), ada, bob, "old", ResultSuccess),
			entry(now.Add(-399*24*time.Hour), ada, bob, "kept", ResultSuccess),
		)
		var logs syncBuffer
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			Retention{Interval: 10 * time.Millisecond, Now: func() time.Time { return now }, Log: slog.New(slog.NewJSONHandler(&logs, nil))}.Run(ctx, db)
			close(done)
		}()
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"msg":"audit pruned","pruned":1`) },
			5*time.Second, 5*time.Millisecond, "what was pruned is logged")
		p, err := db.Query(t.Context(), Filter{})
		require.NoError(t, err)
		assert.Equal(t, []string{"kept"}, actions(p.Entries), "the default retention is 400 days")
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run must return once its context is done")
		}
		assert.Equal(t, 1, strings.Count(logs.String(), "audit pruned"), "later rounds find nothing to prune and say nothing")
	})

	t.Run("keeps going after a failure", func(t *testing.T) {
		p := &fakePruner{err: errDown}
		var logs syncBuffer
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go Retention{Period: 48 * time.Hour, Interval: 5 * time.Millisecond, Now: func() time.Time { return t0 },
			Log: slog.New(slog.NewJSONHandler(&logs, nil))}.Run(ctx, p)
		require.Eventually(t, func() bool { return p.calls() >= 3 }, 5*time.Second, time.Millisecond)
		cancel()
		p.mu.Lock()
		assert.Equal(t, t0.Add(-48*time.Hour), p.cutoffs[0])
		p.mu.Unlock()
		assert.Contains(t, logs.String(), `"msg":"audit prune failed"`)
	})
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "400d", want: 400 * 24 * time.Hour},
		{in: " 30d ", want: 30 * 24 * time.Hour},
		{in: "400", want: 400 * 24 * time.Hour},
		{in: "9600h", want: 9600 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "12h", err: true},
		{in: "0", err: true},
		{in: "-5d", err: true},
		{in: "xd", err: true},
		{in: "forever", err: true},
		{in: "", err: true},
		{in: "99999999d", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRetention(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// syncBuffer is a log sink written from Run's goroutine and read from the test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
