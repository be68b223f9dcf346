package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStormWindows(t *testing.T) {
	tests := []struct {
		name      string
		over, ttl time.Duration
		want      int
	}{
		{name: "storm shorter than the TTL", over: 10 * time.Second, ttl: 30 * time.Second, want: 1},
		{name: "storm of exactly one TTL", over: 30 * time.Second, ttl: 30 * time.Second, want: 1},
		{name: "storm spanning parts of two", over: 10 * time.Second, ttl: 6 * time.Second, want: 2},
		{name: "no cache counts as one window", over: 10 * time.Second, ttl: 0, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, stormWindows(tt.over, tt.ttl))
		})
	}
}

func TestNoGrowth(t *testing.T) {
	at := func(g int, live float64) processSnapshot {
		return processSnapshot{Goroutines: g, LiveHeap: live, LiveOK: true}
	}
	tests := []struct {
		name          string
		before, after processSnapshot
		want          bool
	}{
		{name: "unchanged", before: at(70, 8<<20), after: at(70, 8<<20), want: true},
		{name: "a few more goroutines and a little heap", before: at(70, 8<<20), after: at(75, 8<<20+500<<10), want: true},
		{name: "heap down", before: at(70, 8<<20), after: at(70, 6<<20), want: true},
		{name: "goroutine leak", before: at(70, 8<<20), after: at(170, 8<<20), want: false},
		{name: "heap leak", before: at(70, 8<<20), after: at(70, 12<<20), want: false},
		{name: "heap unknown cannot pass", before: processSnapshot{Goroutines: 70}, after: processSnapshot{Goroutines: 70}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, setupResult{Before: tt.before, After: tt.after}.noGrowth())
		})
	}
}

// sampleReport is a made-up run: a default column that meets every target and a sequential
// one that misses the latency and storm targets.
func sampleReport() report {
	okta := 50 * time.Millisecond
	phase := func(dash time.Duration, okta, requests int, cpu time.Duration) phaseResult {
		var rc recorder
		for range requests {
			rc.add(pageDashboard, dash, nil)
		}
		r := merge([]recorder{rc}, 10*time.Second)
		r.Okta = emuStats{Requests: map[string]int{"getUser": okta}, Total: okta}
		r.CPU = cpu
		return r
	}
	snap := processSnapshot{Goroutines: 70, RSS: 30 << 20, HeapInuse: 12 << 20, LiveHeap: 8 << 20, LiveOK: true, Sessions: 51}
	transfer := transferResult{First: 37_000, Repeat: 2_900, Files: []transferFile{{Path: "/", Encoding: "gzip", Bytes: 2_900}}}
	fp := 2832.0
	return report{
		Date:    time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Options: options{Users: 50, Admins: 2, Duration: 20 * time.Second, DashFor: 5 * time.Second, OktaLatency: okta, StormViews: 100, StormOver: 10 * time.Second},
		Machine: machine{CPUs: 2, GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"},
		Setups: []setupResult{
			{
				Setup: setup{Name: "default", Label: "concurrent + cache", CacheTTL: 30 * time.Second},
				Mixed: phase(2*time.Millisecond, 10, 1000, 100*time.Millisecond), Dashboard: phase(time.Millisecond, 0, 1000, 100*time.Millisecond),
				Storm: phase(time.Millisecond, 3, 100, 10*time.Millisecond), Before: snap, After: snap, Transfer: transfer,
			},
			{
				Setup: setup{Name: "sequential", Label: "sequential, no cache", Sequential: true},
				Mixed: phase(155*time.Millisecond, 3000, 1000, 600*time.Millisecond), Dashboard: phase(155*time.Millisecond, 3000, 1000, 600*time.Millisecond),
				Storm: phase(155*time.Millisecond, 300, 100, 60*time.Millisecond), Before: snap, After: snap, Transfer: transfer,
			},
		},
		Sessions:       &sessionsResult{Sessions: 500, LiveBefore: 8 << 20, LiveAfter: 8<<20 + 1_500_000, PerSession: 3000, OK: true},
		StoreFootprint: &fp,
	}
}

// line returns the table line that starts with label (after indentation).
func line(t *testing.T, table, label string) string {
	t.Helper()
	for l := range strings.SplitSeq(table, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), label) {
			return l
		}
	}
	t.Fatalf("no line %q in\n%s", label, table)
	return ""
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	sampleReport().writeTable(&b)
	table := b.String()

	tests := []struct {
		name, label string
		want        []string
	}{
		{name: "latency ratio per column", label: "dashboard p50 ÷ Okta latency", want: []string{"0.04×  PASS", "3.10×  FAIL"}},
		{name: "storm per TTL", label: "Okta calls per cache TTL", want: []string{"3  PASS", "300  FAIL"}},
		{name: "CPU per dashboard view", label: "Gatehouse CPU per view", want: []string{"0.100 ms  PASS", "0.600 ms  FAIL"}},
		{name: "Okta calls per page view", label: "Okta calls per page view", want: []string{"0.010", "3.000"}},
		{name: "growth", label: "no goroutine or memory growth", want: []string{"PASS"}},
		{name: "first visit", label: "first visit", want: []string{"37.0 KB  PASS"}},
		{name: "repeat visit", label: "repeat visit", want: []string{"2.9 KB  PASS"}},
		{name: "session figure judged on the process measurement", label: "per session", want: []string{"3000 B  PASS", "500 sessions", "100,000 sessions ≈ 286.1 MiB"}},
		{name: "store cross-check", label: "store benchmark", want: []string{"2832 bytes per session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := line(t, table, tt.label)
			for _, w := range tt.want {
				assert.Contains(t, l, w)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().writeJSON(&b))
	var got struct {
		Configurations []struct {
			Setup struct{ Name string } `json:"setup"`
			Mixed struct {
				Requests int                       `json:"requests"`
				Pages    map[string]map[string]any `json:"pages"`
			} `json:"mixed"`
		} `json:"configurations"`
		Sessions struct {
			PerSession float64 `json:"bytes_per_session"`
		} `json:"sessions"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	require.Len(t, got.Configurations, 2)
	assert.Equal(t, "default", got.Configurations[0].Setup.Name)
	assert.Equal(t, 1000, got.Configurations[0].Mixed.Requests)
	assert.Contains(t, got.Configurations[0].Mixed.Pages, "dashboard")
	assert.InDelta(t, 3000, got.Sessions.PerSession, 0.1)
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(t *testing.T, o options)
		wantErr string
	}{
		{name: "defaults", args: nil, check: func(t *testing.T, o options) {
			assert.Equal(t, 50, o.Users)
			assert.Equal(t, 20*time.Second, o.Duration)
			assert.Equal(t, 50*time.Millisecond, o.OktaLatency)
			assert.Equal(t, 30*time.Second, o.CacheTTL)
			assert.Equal(t, 5*time.Second, o.DashFor, "a quarter of the duration")
			assert.Len(t, setups(o), 3)
		}},
		{name: "short run keeps a usable dashboard phase", args: []string{"-duration", "2s"}, check: func(t *testing.T, o options) {
			assert.Equal(t, 2*time.Second, o.DashFor)
		}},
		{name: "only one configuration", args: []string{"-only", "sequential"}, check: func(t *testing.T, o options) {
			require.Len(t, setups(o), 1)
			assert.True(t, setups(o)[0].Sequential)
			assert.Zero(t, setups(o)[0].CacheTTL, "sequential runs without the cache")
		}},
		{name: "unknown configuration", args: []string{"-only", "fast"}, wantErr: "-only must be"},
		{name: "more admins than users", args: []string{"-users", "1", "-admins", "2"}, wantErr: "-admins"},
		{name: "no users", args: []string{"-users", "0"}, wantErr: "-users"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, o)
		})
	}
}
