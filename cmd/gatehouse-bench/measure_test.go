package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ms2d(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, n := range v {
		out[i] = time.Duration(n) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{name: "no samples", sorted: nil, p: 50, want: 0},
		{name: "one sample is every percentile", sorted: ms2d(7), p: 99, want: 7 * time.Millisecond},
		{name: "median of an odd count is the middle", sorted: ms2d(1, 2, 3, 4, 5), p: 50, want: 3 * time.Millisecond},
		{name: "median of an even count is the lower middle", sorted: ms2d(1, 2, 3, 4), p: 50, want: 2 * time.Millisecond},
		{name: "p95 of 1..100 ms", sorted: hundred, p: 95, want: 95 * time.Millisecond},
		{name: "p99 of 1..100 ms", sorted: hundred, p: 99, want: 99 * time.Millisecond},
		{name: "p100 is the maximum", sorted: hundred, p: 100, want: 100 * time.Millisecond},
		{name: "a tiny percentile is the minimum", sorted: hundred, p: 0.001, want: time.Millisecond},
		{name: "p99 of ten samples is the largest", sorted: ms2d(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), p: 99, want: 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, percentile(tt.sorted, tt.p))
		})
	}
}

func TestSummariseSortsACopy(t *testing.T) {
	samples := ms2d(30, 10, 20)
	got := summarise(samples)
	assert.Equal(t, latencies{Count: 3, P50: 20 * time.Millisecond, P95: 30 * time.Millisecond, P99: 30 * time.Millisecond}, got)
	assert.Equal(t, ms2d(30, 10, 20), samples, "the caller's samples keep their order")
}

func TestParseProcStat(t *testing.T) {
	// Fields 14 and 15 (utime, stime) are 250 and 50 ticks in each valid line.
	rest := " S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 5000 100000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr string
	}{
		{name: "plain command name", stat: "1234 (gatehouse)" + rest, want: 3 * time.Second},
		{name: "command name with spaces and parentheses", stat: "1234 (my (odd) name)" + rest, want: 3 * time.Second},
		{name: "trailing newline", stat: "1234 (gatehouse)" + rest + "\n", want: 3 * time.Second},
		{name: "no command name", stat: "1234 gatehouse S 1", wantErr: "no command name"},
		{name: "truncated", stat: "1234 (gatehouse) S 1 2 3", wantErr: "fields after the command name"},
		{name: "not a number", stat: "1234 (gatehouse)" + strings.Replace(rest, " 250 ", " x ", 1), wantErr: "field 14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat(tt.stat)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEmuStatsSub(t *testing.T) {
	before := emuStats{Requests: map[string]int{"getUser": 10, "listAppLinks": 4, "token": 3}, Total: 20}
	after := emuStats{Requests: map[string]int{"getUser": 13, "listAppLinks": 4, "listUserGroups": 2, "token": 3}, Total: 26}
	d := after.sub(before)
	assert.Equal(t, emuStats{Requests: map[string]int{"getUser": 3, "listUserGroups": 2}, Total: 6}, d,
		"operations that did not move are left out; new ones count from zero")
	assert.Equal(t, "getUser 3, listUserGroups 2", d.String(), "most frequent first")
	assert.Equal(t, emuStats{Requests: map[string]int{}, Total: 0}, after.sub(after))
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
go_gc_duration_seconds{quantile="0.5"} 0.001
go_gc_duration_seconds_count 7
process_resident_memory_bytes 2.373632e+07

gatehouse_sessions_active 50
`
	m, err := parseMetrics(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, metrics{
		"go_goroutines": 42, "go_gc_duration_seconds_count": 7,
		"process_resident_memory_bytes": 23736320, "gatehouse_sessions_active": 50,
	}, m, "labelled series and comments are skipped")

	_, err = parseMetrics(strings.NewReader("go_goroutines many\n"))
	assert.Error(t, err)
}

func TestLiveHeap(t *testing.T) {
	tests := []struct {
		name   string
		m      metrics
		want   float64
		wantOK bool
	}{
		{name: "GOGC 100: goal is twice the live heap plus the stacks",
			m:    metrics{"go_memstats_next_gc_bytes": 2*8e6 + 1e6, "go_memstats_stack_inuse_bytes": 1e6, "go_gc_gogc_percent": 100},
			want: 8e6, wantOK: true},
		{name: "GOGC 50",
			m:    metrics{"go_memstats_next_gc_bytes": 1.5*8e6 + 0.5*2e6, "go_memstats_stack_inuse_bytes": 2e6, "go_gc_gogc_percent": 50},
			want: 8e6, wantOK: true},
		{name: "goal at the runtime's minimum says nothing",
			m:      metrics{"go_memstats_next_gc_bytes": 4 << 20, "go_memstats_stack_inuse_bytes": 1e5, "go_gc_gogc_percent": 100},
			wantOK: false},
		{name: "GC off", m: metrics{"go_memstats_next_gc_bytes": 1e9, "go_gc_gogc_percent": -1}, wantOK: false},
		{name: "metrics missing", m: metrics{"go_goroutines": 3}, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := liveHeap(tt.m)
			assert.Equal(t, tt.wantOK, ok)
			if tt.wantOK {
				assert.InDelta(t, tt.want, got, 1)
			}
		})
	}
}

func TestNextLink(t *testing.T) {
	tests := []struct {
		name  string
		links []string
		want  string
	}{
		{name: "none", want: ""},
		{name: "self only", links: []string{`<http://o/api/v1/users?limit=2>; rel="self"`}, want: ""},
		{name: "self and next in one line",
			links: []string{`<http://o/api/v1/users?limit=2>; rel="self", <http://o/api/v1/users?after=00u2&limit=2>; rel="next"`},
			want:  "http://o/api/v1/users?after=00u2&limit=2"},
		{name: "next on its own line",
			links: []string{`<http://o/a>; rel="self"`, `<http://o/b>; rel="next"`}, want: "http://o/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tt.links {
				h.Add("Link", l)
			}
			assert.Equal(t, tt.want, nextLink(h))
		})
	}
}

func TestCheckPage(t *testing.T) {
	tests := []struct {
		name    string
		p       page
		body    string
		wantErr string
	}{
		{name: "dashboard", p: pageDashboard, body: `<html><h2 data-testid="profile-name">A</h2></html>`},
		{name: "signed-out landing page instead of the dashboard", p: pageDashboard, body: `<html><section data-testid="landing"></section></html>`, wantErr: "lacks"},
		{name: "dashboard with a failed section", p: pageDashboard, body: `<h2 data-testid="profile-name">A</h2><div data-testid="section-failed"></div>`, wantErr: "shows an error"},
		{name: "apps fragment", p: pageAppSearch, body: `<section id="app-results"></section>`},
		{name: "apps as a whole page", p: pageAppSearch, body: `<html><section id="app-results"></section></html>`, wantErr: "whole page"},
		{name: "admin fragment with an error alert", p: pageAdminSearch, body: `<div id="user-results"><div data-testid="alert-error"></div></div>`, wantErr: "shows an error"},
		{name: "profile", p: pageProfile, body: `<dl data-testid="profile-fields"></dl>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPage(tt.p, []byte(tt.body))
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestFootprintLine reads the figure from the line `go test -bench` prints for the session
// store's benchmark, and nothing from lines that are not it.
func TestFootprintLine(t *testing.T) {
	tests := []struct {
		name, out string
		want      string
	}{
		{name: "benchmark line", out: "goos: linux\nBenchmarkMemoryStoreSession-2   \t       1\t 391022283 ns/op\t      2833 bytes/session\nPASS\n", want: "2833"},
		{name: "fractional", out: "BenchmarkMemoryStoreSession \t 1\t 5 ns/op\t 2832.5 bytes/session\n", want: "2832.5"},
		{name: "no benchmark ran", out: "PASS\nok  \tgatehouse/web/session\t0.01s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := footprintLine.FindStringSubmatch(tt.out)
			if tt.want == "" {
				assert.Nil(t, m)
				return
			}
			require.NotNil(t, m)
			assert.Equal(t, tt.want, m[1])
		})
	}
}
