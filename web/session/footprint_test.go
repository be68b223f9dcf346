package session

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// footprintSessions is how many sessions BenchmarkMemoryStoreSession measures over (make
// bench reports it); the test measures over a quarter of them, which gives the same figure to
// a few bytes in a quarter of the time.
const footprintSessions = 10_000

// maxBytesPerSession is the memory budget of one session in the memory
// backend: record, index entry and map overhead.
const maxBytesPerSession = 4 << 10

// nopWriter is a ResponseWriter that keeps nothing, so the measurement
// counts only what the store retains.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

// footprintRecords makes n records of distinct people with realistic,
// incompressible tokens: access ~900 B and ID ~1000 B (Okta JWTs), refresh
// ~40 B.
func footprintRecords(n int) []*Record {
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	text := func(bytes int) string {
		b := make([]byte, bytes*3/4)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	recs := make([]*Record, n)
	for i := range recs {
		rec := testRecord(fmt.Sprintf("00u%017d", i))
		rec.Tokens.Access, rec.Tokens.ID, rec.Tokens.Refresh = text(900), text(1000), text(40)
		recs[i] = rec
	}
	return recs
}

// sessionFootprint starts n sessions in a fresh memory store and returns
// the heap it retains per session.
func sessionFootprint(ctx context.Context, tb testing.TB, n int) float64 {
	clock := newFakeClock()
	m := NewMemoryBackend(clock.Now)
	defer m.Close()
	s, err := NewStore(m, Options{Keys: [][]byte{testKey1()}, Secure: true, Now: clock.Now})
	require.NoError(tb, err)
	recs := footprintRecords(n) // allocated before the first reading: not counted
	w := &nopWriter{h: http.Header{}}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, rec := range recs {
		clear(w.h)
		require.NoError(tb, s.Start(ctx, w, nil, rec))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(recs)
	runtime.KeepAlive(s)
	count, err := s.Count(ctx)
	require.NoError(tb, err)
	require.Equal(tb, n, count)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

func TestMemoryStoreSessionFootprint(t *testing.T) {
	const n = footprintSessions / 4
	per := sessionFootprint(t.Context(), t, n)
	t.Logf("memory backend: %.0f bytes per session (%d sessions, budget %d)", per, n, maxBytesPerSession)
	require.LessOrEqual(t, per, float64(maxBytesPerSession))
}

func BenchmarkMemoryStoreSession(b *testing.B) {
	var per float64
	for b.Loop() {
		per = sessionFootprint(b.Context(), b, footprintSessions)
	}
	b.ReportMetric(per, "bytes/session")
}
