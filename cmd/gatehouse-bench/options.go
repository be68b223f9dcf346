package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// options are the harness's flags.
type options struct {
	Users       int           `json:"users"`
	Admins      int           `json:"admins"`
	Duration    time.Duration `json:"duration_ns"`
	OktaLatency time.Duration `json:"okta_latency_ns"`
	CacheTTL    time.Duration `json:"cache_ttl_ns"`
	Think       time.Duration `json:"think_ns"`
	Only        string        `json:"only,omitempty"`
	JSON        bool          `json:"-"`
	RateLimit   int           `json:"okta_rate_limit_per_minute"`
	StormViews  int           `json:"storm_views"`
	StormOver   time.Duration `json:"storm_over_ns"`
	DashFor     time.Duration `json:"dashboard_phase_ns"`
	MemSessions int           `json:"memory_sessions"`
	Footprint   bool          `json:"store_footprint_test"`
	Keep        bool          `json:"-"`
}

// setup is one configuration of Gatehouse the workload runs against.
type setup struct {
	Name       string        `json:"name"`
	Label      string        `json:"label"`
	CacheTTL   time.Duration `json:"cache_ttl_ns"`
	Sequential bool          `json:"sequential_reads"`
}

// setups are the configurations side by side: the default, then the cache off, then the
// cache off and the dashboard's reads one after another. Both comparisons change one thing:
// default → no cache shows the cache, no cache → sequential shows the concurrency. (With the
// cache on, a sequential dashboard would be served from memory after the first view, and the
// concurrency would not show.)
func setups(o options) []setup {
	all := []setup{
		{Name: "default", Label: "concurrent + cache", CacheTTL: o.CacheTTL},
		{Name: "nocache", Label: "concurrent, no cache", CacheTTL: 0},
		{Name: "sequential", Label: "sequential, no cache", CacheTTL: 0, Sequential: true},
	}
	if o.Only == "" {
		return all
	}
	for _, s := range all {
		if s.Name == o.Only {
			return []setup{s}
		}
	}
	return nil
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("gatehouse-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gatehouse-bench [flags]")
		fmt.Fprintln(stderr, "Starts the Okta emulator and Gatehouse as processes on loopback, signs in virtual users and")
		fmt.Fprintln(stderr, "drives a mixed workload against three configurations; prints one table (docs/PERFORMANCE.md).")
		fs.PrintDefaults()
	}
	scenario := fs.String("scenario", "steady", "steady (this table) or arrivals (Monday 9 a.m.: gatehouse-bench -scenario arrivals -h)")
	fs.IntVar(&o.Users, "users", 50, "virtual users, each signed in with its own session (admins included)")
	fs.IntVar(&o.Admins, "admins", 2, "how many of the users are admins (ada) and helpdesk (hal), who also search the directory")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "length of the mixed workload in each configuration")
	fs.DurationVar(&o.OktaLatency, "okta-latency", 50*time.Millisecond, "latency the emulator adds to every Okta API call")
	fs.DurationVar(&o.CacheTTL, "cache-ttl", 30*time.Second, "GATEHOUSE_CACHE_TTL of the configuration with the cache on")
	fs.DurationVar(&o.Think, "think", 0, "pause between a virtual user's requests (0: closed loop, back to back)")
	fs.StringVar(&o.Only, "only", "", "run one configuration: default, nocache or sequential")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON instead of the table")
	fs.IntVar(&o.RateLimit, "rate-limit", 1_000_000, "the emulator's rate limit per endpoint family and minute (high: Okta's limit is not under test)")
	fs.IntVar(&o.StormViews, "storm-views", 100, "reload storm: how many times one person loads the dashboard")
	fs.DurationVar(&o.StormOver, "storm-over", 10*time.Second, "reload storm: over how long")
	fs.DurationVar(&o.DashFor, "dashboard-duration", 0, "length of the dashboard-only phase (default a quarter of -duration, at least 2s)")
	fs.IntVar(&o.MemSessions, "memory-sessions", 500, "extra sessions signed in to measure the heap per session (0: skip)")
	fs.BoolVar(&o.Footprint, "store-footprint", true, "also run the session store's own footprint benchmark (go test -bench ./web/session)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (binaries and logs) after a successful run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *scenario != "steady" {
		return o, fmt.Errorf("-scenario must be steady or arrivals, not %q", *scenario)
	}
	if o.DashFor == 0 {
		o.DashFor = max(o.Duration/4, 2*time.Second)
	}
	var problems []error
	if o.Users < 1 {
		problems = append(problems, errors.New("-users must be at least 1"))
	}
	if o.Admins < 0 || o.Admins > o.Users {
		problems = append(problems, errors.New("-admins must be between 0 and -users"))
	}
	if o.Duration <= 0 || o.DashFor <= 0 || o.StormOver <= 0 {
		problems = append(problems, errors.New("-duration, -dashboard-duration and -storm-over must be positive"))
	}
	if o.OktaLatency < 0 || o.CacheTTL < 0 || o.Think < 0 {
		problems = append(problems, errors.New("-okta-latency, -cache-ttl and -think must not be negative"))
	}
	if o.StormViews < 1 || o.RateLimit < 1 || o.MemSessions < 0 {
		problems = append(problems, errors.New("-storm-views and -rate-limit must be positive, -memory-sessions not negative"))
	}
	if len(setups(o)) == 0 {
		problems = append(problems, fmt.Errorf("-only must be default, nocache or sequential, not %q", o.Only))
	}
	return o, errors.Join(problems...)
}
