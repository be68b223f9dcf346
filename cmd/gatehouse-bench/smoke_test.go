package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBenchSmoke runs the whole harness briefly with three users: it builds and starts the
// emulator and Gatehouse as processes, signs in, runs every phase against every configuration
// and prints JSON. It asserts what must hold whatever the machine's speed: no errors, the
// exact Okta call counts of the cache and of no cache, the page weight, the session count,
// and that sequential reads take at least three Okta latencies (a lower bound: a slow machine
// only adds to it).
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two binaries for ~20 s; skipped with -short")
	}
	const latency = 20 * time.Millisecond
	const stormViews = 10
	const memSessions = 20
	var out, errOut bytes.Buffer
	args := []string{
		"-users", "3", "-admins", "1", "-duration", "300ms", "-dashboard-duration", "300ms",
		"-okta-latency", latency.String(), "-storm-views", "10", "-storm-over", "500ms",
		"-memory-sessions", "20", "-store-footprint=false", "-json",
	}
	err := run(t.Context(), args, os.Getenv, os.Environ(), &out, io.MultiWriter(&errOut, testLog{t}))
	require.NoError(t, err, "the harness failed:\n%s", errOut.String())

	var rep report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), "the -json output must parse:\n%s", out.String())
	require.Len(t, rep.Setups, 3)
	byName := map[string]setupResult{}
	for _, s := range rep.Setups {
		byName[s.Setup.Name] = s
		t.Run(s.Setup.Name, func(t *testing.T) {
			for _, ph := range []struct {
				name string
				res  phaseResult
			}{{"mixed", s.Mixed}, {"dashboard only", s.Dashboard}, {"storm", s.Storm}} {
				assert.Zero(t, ph.res.Errors, "%s phase errors (first: %s)", ph.name, ph.res.FirstErr)
				assert.Positive(t, ph.res.Requests, "%s phase made requests", ph.name)
				assert.Positive(t, ph.res.Wall, "%s phase took time", ph.name)
			}
			assert.Contains(t, s.Mixed.Pages, "dashboard")
			assert.Equal(t, stormViews, s.Storm.Pages["dashboard"].Count)
			assert.Positive(t, s.Before.Goroutines)
			assert.Positive(t, s.After.RSS)
			assert.Greater(t, s.Transfer.First, s.Transfer.Repeat, "a first visit also loads the assets")
			assert.Positive(t, s.Transfer.Repeat)
			require.NotEmpty(t, s.Transfer.Files)
			assert.Equal(t, "gzip", s.Transfer.Files[0].Encoding, "the dashboard HTML is gzipped")
			for _, f := range s.Transfer.Files[1:] {
				assert.True(t, f.Immutable, "%s is cached as immutable", f.Path)
				assert.Equal(t, "br", f.Encoding, "%s is served precompressed with brotli", f.Path)
			}
		})
	}

	// The cache: one person's 10 reloads cost the apps once (sign-in read and cached the
	// profile and groups); without it, 3 reads each time.
	assert.Equal(t, 1, byName["default"].Storm.Okta.Total, "reload storm with the cache")
	assert.Equal(t, 3*stormViews, byName["nocache"].Storm.Okta.Total, "reload storm without the cache")
	assert.Equal(t, 3*stormViews, byName["sequential"].Storm.Okta.Total)
	for _, name := range []string{"nocache", "sequential"} {
		d := byName[name].Dashboard
		assert.Equal(t, 3*d.Pages["dashboard"].Count, d.Okta.Total, "%s: every uncached dashboard costs exactly 3 Okta calls", name)
	}
	// Sequential reads wait for one latency after another.
	assert.GreaterOrEqual(t, byName["sequential"].Dashboard.Pages["dashboard"].P50, 3*latency)

	require.NotNil(t, rep.Sessions)
	assert.Equal(t, memSessions, rep.Sessions.Sessions, "every extra sign-in made one session")
}

// testLog sends the harness's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// TestArrivalsSmoke runs the arrivals scenario with a handful of people, too few to meet any
// rate limit: every dashboard is complete at once, nothing errs, and each arrival costs
// exactly the Users API calls of its configuration: today 5 (three from /api/v1), seeded 3
// (two), with the groups claim 2 (one).
func TestArrivalsSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries three times; skipped with -short")
	}
	const people = 6
	var out, errOut bytes.Buffer
	args := []string{"-scenario", "arrivals", "-people", "6", "-over", "2s", "-okta-latency", "5ms", "-json"}
	err := run(t.Context(), args, os.Getenv, os.Environ(), &out, io.MultiWriter(&errOut, testLog{t}))
	require.NoError(t, err, "the harness failed:\n%s", errOut.String())
	var rep arrivalsReport
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), "the -json output must parse:\n%s", out.String())
	require.Len(t, rep.Setups, 3)
	want := map[string]map[string]int{
		"today":  {bucketUser: 2 * people, bucketShared: 3 * people},
		"seeded": {bucketUser: people, bucketShared: 2 * people},
		"claim":  {bucketUser: people, bucketShared: people},
	}
	for _, s := range rep.Setups {
		t.Run(s.Setup.Name, func(t *testing.T) {
			tot := s.totals()
			assert.Equal(t, people, tot.Arrivals)
			assert.Equal(t, people, tot.Complete, "every first dashboard complete")
			assert.Zero(t, tot.Errors, "first error: %s", s.FirstErr)
			assert.Zero(t, s.FirstErrM)
			assert.Equal(t, want[s.Setup.Name], s.ByBucket, "Users API calls by bucket")
		})
	}
}

func TestScenarioOf(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "steady"}, {[]string{"-users", "3"}, "steady"}, {[]string{"-scenario", "arrivals"}, "arrivals"},
		{[]string{"--scenario=arrivals", "-people", "9"}, "arrivals"}, {[]string{"-json", "-scenario=steady"}, "steady"},
	} {
		assert.Equal(t, tt.want, scenarioOf(tt.args), "%q", tt.args)
	}
}
