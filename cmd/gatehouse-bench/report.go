package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of the performance issue.
const (
	maxLatencyRatio     = 1.25                   // dashboard p50 ÷ Okta latency, 50 sessions
	maxStormCallsPerTTL = 3                      // reload storm: Okta calls per cache TTL
	maxCPUPerDashboard  = 500 * time.Microsecond // Gatehouse CPU per dashboard view
	maxBytesPerSession  = 4 << 10                // memory store
	maxFirstVisit       = 60_000                 // bytes: HTML + CSS + JS (+ icon), compressed
	maxRepeatVisit      = 8_000                  // bytes: HTML only, assets cached
	// No growth: idle goroutines and live heap after the run against before it. The slack
	// covers what a run legitimately adds (one more session and its cache entries, a pooled
	// connection); a leak of anything per request is far above it.
	maxGoroutineGrowth = 10
	maxHeapGrowth      = 1 << 20
	maxHeapGrowthRatio = 0.10
)

// report is everything one run measured.
type report struct {
	Date           time.Time       `json:"date"`
	Command        string          `json:"command"`
	Options        options         `json:"options"`
	Machine        machine         `json:"machine"`
	Setups         []setupResult   `json:"configurations"`
	Sessions       *sessionsResult `json:"sessions,omitempty"`
	StoreFootprint *float64        `json:"store_footprint_bytes_per_session,omitempty"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute figures when the run started: other work
	// on the machine shares its cores with the three processes under test.
	LoadAvg string `json:"load_average,omitempty"`
}

// setupResult is one configuration's phases.
type setupResult struct {
	Setup     setup           `json:"setup"`
	Mixed     phaseResult     `json:"mixed"`
	Dashboard phaseResult     `json:"dashboard_only"`
	Storm     phaseResult     `json:"reload_storm"`
	Before    processSnapshot `json:"before"`
	After     processSnapshot `json:"after"`
	Transfer  transferResult  `json:"transfer"`
}

// processSnapshot is Gatehouse at rest, after a settled heap.
type processSnapshot struct {
	Goroutines int     `json:"goroutines"`
	RSS        float64 `json:"rss_bytes"`
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	LiveHeap   float64 `json:"live_heap_bytes"`
	LiveOK     bool    `json:"live_heap_known"`
	Sessions   int     `json:"sessions"`
}

// sessionsResult is the heap per session, measured from outside the process.
type sessionsResult struct {
	Sessions   int     `json:"sessions"`
	LiveBefore float64 `json:"live_heap_before_bytes"`
	LiveAfter  float64 `json:"live_heap_after_bytes"`
	PerSession float64 `json:"bytes_per_session"`
	OK         bool    `json:"known"`
}

// verdict is a target's outcome as printed.
func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// latencyRatio is the dashboard's p50 in the mixed workload over the Okta latency.
func (s setupResult) latencyRatio(okta time.Duration) float64 {
	if okta <= 0 {
		return math.NaN()
	}
	return float64(s.Mixed.Pages[pageDashboard.String()].P50) / float64(okta)
}

// stormWindows is how many cache lifetimes the storm spans (at least one); with the cache
// off the whole storm counts as one window.
func stormWindows(over, ttl time.Duration) int {
	if ttl <= 0 {
		return 1
	}
	return int((over + ttl - 1) / ttl)
}

// stormPerTTL is the storm's Okta calls per cache lifetime.
func (s setupResult) stormPerTTL(over time.Duration) float64 {
	return float64(s.Storm.Okta.Total) / float64(stormWindows(over, s.Setup.CacheTTL))
}

// cpuPerDashboard is Gatehouse's CPU per dashboard view in the dashboard-only phase.
func (s setupResult) cpuPerDashboard() time.Duration {
	return s.Dashboard.cpuPerRequest()
}

// noGrowth reports whether goroutines and live heap are back where they were before the run.
func (s setupResult) noGrowth() bool {
	if s.After.Goroutines-s.Before.Goroutines > maxGoroutineGrowth {
		return false
	}
	if !s.Before.LiveOK || !s.After.LiveOK {
		return false
	}
	return s.After.LiveHeap-s.Before.LiveHeap <= max(maxHeapGrowth, maxHeapGrowthRatio*s.Before.LiveHeap)
}

// perSession is the figure the session target is judged on: the process measurement when it
// worked, else the store's own test.
func (r report) perSession() (bytes float64, source string, ok bool) {
	if r.Sessions != nil && r.Sessions.OK {
		return r.Sessions.PerSession, fmt.Sprintf("live heap growth ÷ %d sessions", r.Sessions.Sessions), true
	}
	if r.StoreFootprint != nil {
		return *r.StoreFootprint, "session store benchmark", true
	}
	return 0, "", false
}

func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// cpuMS shows CPU time per request to the microsecond.
func cpuMS(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

func kb(b int) string { return fmt.Sprintf("%.1f KB", float64(b)/1000) }

// writeTable prints the run as one table, a column per configuration.
func (r report) writeTable(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "gatehouse-bench — %s, %d CPUs, %s %s/%s", r.Date.Format("2006-01-02 15:04 MST"), r.Machine.CPUs, r.Machine.GoVersion, r.Machine.OS, r.Machine.Arch)
	if r.Machine.LoadAvg != "" {
		fmt.Fprintf(w, ", load average %s at start", r.Machine.LoadAvg)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%d users (%d admin/helpdesk), mixed workload %s, dashboard-only %s, Okta latency %s per call, think time %s\n\n",
		o.Users, o.Admins, o.Duration, o.DashFor, o.OktaLatency, o.Think)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, cell func(s setupResult) string) {
		cells := []string{label}
		for _, s := range r.Setups {
			cells = append(cells, cell(s))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	heading := func(h string) { fmt.Fprintln(tw, h+strings.Repeat("\t", len(r.Setups)+1)) }
	row("", func(s setupResult) string { return s.Setup.Label })
	row("  cache TTL; dashboard reads", func(s setupResult) string {
		reads := "concurrent"
		if s.Setup.Sequential {
			reads = "sequential"
		}
		return s.Setup.CacheTTL.String() + "; " + reads
	})

	heading("Mixed workload")
	row("  requests/s", func(s setupResult) string { return fmt.Sprintf("%.0f", s.Mixed.perSecond()) })
	row("  page views: dashboard/apps/profile/admin", func(s setupResult) string {
		n := make([]string, numPages)
		for p := range numPages {
			n[p] = fmt.Sprint(s.Mixed.views(p))
		}
		return strings.Join(n, "/")
	})
	for p := range numPages {
		row("  "+p.String()+" ms p50 / p95 / p99", func(s setupResult) string {
			l, ok := s.Mixed.Pages[p.String()]
			if !ok {
				return "—"
			}
			return fmt.Sprintf("%s / %s / %s", ms(l.P50), ms(l.P95), ms(l.P99))
		})
	}
	row("  errors", func(s setupResult) string { return errorCell(s.Mixed) })
	row("  Okta calls per page view", func(s setupResult) string { return fmt.Sprintf("%.3f", s.Mixed.oktaPerView()) })
	row("  Gatehouse CPU per request", func(s setupResult) string { return cpuMS(s.Mixed.cpuPerRequest()) })
	row(fmt.Sprintf("  dashboard p50 ÷ Okta latency (≤ %.2f)", maxLatencyRatio), func(s setupResult) string {
		x := s.latencyRatio(o.OktaLatency)
		return fmt.Sprintf("%.2f×  %s", x, verdict(x <= maxLatencyRatio))
	})

	heading("Dashboard only")
	row("  views/s", func(s setupResult) string { return fmt.Sprintf("%.0f", s.Dashboard.perSecond()) })
	row("  ms p50 / p95 / p99", func(s setupResult) string {
		l := s.Dashboard.Pages[pageDashboard.String()]
		return fmt.Sprintf("%s / %s / %s", ms(l.P50), ms(l.P95), ms(l.P99))
	})
	row("  errors", func(s setupResult) string { return errorCell(s.Dashboard) })
	row("  Okta calls per view", func(s setupResult) string { return fmt.Sprintf("%.3f", s.Dashboard.oktaPerView()) })
	row(fmt.Sprintf("  Gatehouse CPU per view (≤ %s)", ms(maxCPUPerDashboard)+" ms"), func(s setupResult) string {
		c := s.cpuPerDashboard()
		return fmt.Sprintf("%s  %s", cpuMS(c), verdict(c <= maxCPUPerDashboard))
	})

	heading(fmt.Sprintf("Reload storm: one person, %d dashboards in %s", o.StormViews, o.StormOver))
	row("  Okta calls", func(s setupResult) string { return fmt.Sprint(s.Storm.Okta.Total) })
	row(fmt.Sprintf("  Okta calls per cache TTL (≤ %d)", maxStormCallsPerTTL), func(s setupResult) string {
		x := s.stormPerTTL(o.StormOver)
		return fmt.Sprintf("%.0f  %s", x, verdict(x <= maxStormCallsPerTTL))
	})
	row("  errors", func(s setupResult) string { return errorCell(s.Storm) })

	heading("Gatehouse process, at rest before → after the run")
	row("  goroutines", func(s setupResult) string { return fmt.Sprintf("%d → %d", s.Before.Goroutines, s.After.Goroutines) })
	row("  resident memory", func(s setupResult) string { return mib(s.Before.RSS) + " → " + mib(s.After.RSS) })
	row("  heap in use", func(s setupResult) string { return mib(s.Before.HeapInuse) + " → " + mib(s.After.HeapInuse) })
	row("  live heap (from the GC goal)", func(s setupResult) string {
		if !s.Before.LiveOK || !s.After.LiveOK {
			return "n/a"
		}
		return mib(s.Before.LiveHeap) + " → " + mib(s.After.LiveHeap)
	})
	row("  no goroutine or memory growth", func(s setupResult) string { return verdict(s.noGrowth()) })

	heading("Page weight of the dashboard, compressed, with headers")
	row(fmt.Sprintf("  first visit, all files (≤ %s)", kb(maxFirstVisit)), func(s setupResult) string {
		return fmt.Sprintf("%s  %s", kb(s.Transfer.First), verdict(s.Transfer.First <= maxFirstVisit))
	})
	row(fmt.Sprintf("  repeat visit, HTML (≤ %s)", kb(maxRepeatVisit)), func(s setupResult) string {
		return fmt.Sprintf("%s  %s", kb(s.Transfer.Repeat), verdict(s.Transfer.Repeat <= maxRepeatVisit))
	})
	_ = tw.Flush()

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Sessions in the memory store")
	if s := r.Sessions; s != nil {
		if s.OK {
			fmt.Fprintf(w, "  process: live heap %s → %s with %d more sessions: %.0f bytes per session\n",
				mib(s.LiveBefore), mib(s.LiveAfter), s.Sessions, s.PerSession)
		} else {
			fmt.Fprintf(w, "  process: not measurable (live heap unknown or no sessions added)\n")
		}
	}
	if r.StoreFootprint != nil {
		fmt.Fprintf(w, "  store benchmark (10,000 sessions, go test -bench ./web/session): %.0f bytes per session\n", *r.StoreFootprint)
	}
	if b, source, ok := r.perSession(); ok {
		fmt.Fprintf(w, "  per session (≤ %d B, %s): %.0f B  %s; 100,000 sessions ≈ %s\n",
			maxBytesPerSession, source, b, verdict(b <= maxBytesPerSession), mib(b*100_000))
	} else {
		fmt.Fprintln(w, "  per session: not measured")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Okta calls by operation in the mixed workload")
	for _, s := range r.Setups {
		fmt.Fprintf(w, "  %-11s %s\n", s.Setup.Name+":", orNone(s.Mixed.Okta.String()))
	}
	if len(r.Setups) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Files of the first visit (Accept-Encoding: "+browserAcceptEncoding+")")
		for _, f := range r.Setups[0].Transfer.Files {
			enc := f.Encoding
			if enc == "" {
				enc = "identity"
			}
			cache := ""
			if f.Immutable {
				cache = "immutable"
			}
			fmt.Fprintf(w, "  %8s  %-8s %-9s %s\n", kb(f.Bytes), enc, cache, f.Path)
		}
	}
}

func errorCell(p phaseResult) string {
	if p.Errors == 0 {
		return "0"
	}
	return fmt.Sprintf("%d of %d (first: %s)", p.Errors, p.Requests, p.FirstErr)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
