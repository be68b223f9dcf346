package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"gatehouse/client/oktatest"
)

// The arrivals scenario (-scenario arrivals, docs/PERFORMANCE.md "Arrivals") is Monday 9 a.m.:
// people arrive, sign in and land on their dashboard, at a rate that rises steadily over a few
// minutes, against an emulator with Okta's real rate limits: the bucket map of -rate-tier and
// the 50% share of a bucket one credential may use. It counts the Users API calls each arrival
// costs, by Okta bucket, and watches what each person sees: a complete dashboard, sections
// that are stale or will appear shortly (whose polls the harness follows as htmx would), or an
// error. The same run measures today's behaviour (GATEHOUSE_LEGACY_ARRIVALS=1) and the new
// one, without and with the groups claim, each against a fresh emulator and Gatehouse.

// arrivalSetup is one configuration of the arrivals scenario.
type arrivalSetup struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Legacy      bool   `json:"legacy_arrivals"`
	GroupsClaim bool   `json:"groups_claim"`
}

func arrivalSetups(only string) []arrivalSetup {
	all := []arrivalSetup{
		{Name: "today", Label: "today (legacy)", Legacy: true},
		{Name: "seeded", Label: "new, no claim"},
		{Name: "claim", Label: "new, groups claim", GroupsClaim: true},
	}
	if only == "" {
		return all
	}
	for _, s := range all {
		if s.Name == only {
			return []arrivalSetup{s}
		}
	}
	return nil
}

// arrivalOptions are the scenario's flags.
type arrivalOptions struct {
	People      int           `json:"people"`
	Over        time.Duration `json:"over_ns"`
	RateTier    string        `json:"rate_tier"`
	TokenShare  int           `json:"token_share_percent"`
	OktaLatency time.Duration `json:"okta_latency_ns"`
	PollFor     time.Duration `json:"poll_for_ns"`
	MaxInFlight int           `json:"max_arrivals_in_flight"`
	Only        string        `json:"only,omitempty"`
	JSON        bool          `json:"-"`
	Keep        bool          `json:"-"`
}

func parseArrivalOptions(args []string, stderr io.Writer) (arrivalOptions, error) {
	var o arrivalOptions
	fs := flag.NewFlagSet("gatehouse-bench -scenario arrivals", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("scenario", "arrivals", "the scenario (this one: arrivals)")
	fs.IntVar(&o.People, "people", 1500, "people arriving, each a new sign-in landing on the dashboard")
	fs.DurationVar(&o.Over, "over", 3*time.Minute, "over how long they arrive; the rate rises linearly from 0 to twice the average")
	fs.StringVar(&o.RateTier, "rate-tier", oktatest.TierWorkforce, "the emulator's column of Okta's rate-limit tables: "+strings.Join(oktatest.Tiers(), ", "))
	fs.IntVar(&o.TokenShare, "token-share", 50, "the percentage of a bucket one API token or OAuth app may use (Okta's default 50)")
	fs.DurationVar(&o.OktaLatency, "okta-latency", 50*time.Millisecond, "latency the emulator adds to every Okta API call")
	fs.DurationVar(&o.PollFor, "poll-for", 2*time.Minute, "how long a person's browser keeps following sections that will appear shortly")
	fs.IntVar(&o.MaxInFlight, "max-in-flight", 400, "arrivals in progress at once, at most (protects the machine, not Okta)")
	fs.StringVar(&o.Only, "only", "", "run one configuration: today, seeded or claim")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON instead of the table")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (binaries and logs) after a successful run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var problems []error
	if o.People < 1 || o.Over <= 0 || o.PollFor < 0 || o.MaxInFlight < 1 {
		problems = append(problems, errors.New("-people and -max-in-flight must be positive, -over positive, -poll-for not negative"))
	}
	if o.TokenShare < 1 || o.TokenShare > 100 {
		problems = append(problems, errors.New("-token-share must be between 1 and 100"))
	}
	if !slices.Contains(oktatest.Tiers(), o.RateTier) {
		problems = append(problems, fmt.Errorf("-rate-tier must be one of %s", strings.Join(oktatest.Tiers(), ", ")))
	}
	if len(arrivalSetups(o.Only)) == 0 {
		problems = append(problems, fmt.Errorf("-only must be today, seeded or claim, not %q", o.Only))
	}
	return o, errors.Join(problems...)
}

// Okta's buckets as the arrivals report them (client.bucketOf names the same, from the path).
const (
	bucketUser   = "GET /api/v1/users/{idOrLogin}"
	bucketShared = "/api/v1"
)

// usersAPIBucket is the bucket of an emulator operation of the Users API a dashboard uses, or
// "" for others (sign-in's OAuth calls, the harness's own listing).
func usersAPIBucket(op string) string {
	switch op {
	case "getUser": // /users/me is getUser of "me"
		return bucketUser
	case "listUserGroups", "listAppLinks":
		return bucketShared
	}
	return ""
}

// arrivalMinute is what the people who arrived in one minute of the run saw.
type arrivalMinute struct {
	Arrivals int `json:"arrivals"`
	// Complete: their first dashboard had every section; Later: it had sections that would
	// appear shortly, and all of them did within -poll-for.
	Complete int `json:"complete"`
	Later    int `json:"complete_later"`
	// Degraded: the first dashboard had a stale or pending section; Sections counts them.
	Degraded        int     `json:"degraded"`
	StaleSections   int     `json:"stale_sections"`
	PendingSections int     `json:"pending_sections"`
	Errors          int     `json:"errors"` // a page with an error box, or a sign-in that failed
	RateLimitErrors int     `json:"rate_limit_errors"`
	SignInSeconds   float64 `json:"sign_in_p50_s"` // median sign-in (to the dashboard)
	signInDurations []time.Duration
}

// arrivalResult is one configuration's run.
type arrivalResult struct {
	Setup     arrivalSetup    `json:"setup"`
	People    int             `json:"people"`
	Wall      time.Duration   `json:"wall_ns"`
	Okta      emuStats        `json:"okta"`
	ByBucket  map[string]int  `json:"users_api_by_bucket"`
	Minutes   []arrivalMinute `json:"minutes"`
	FirstErr  string          `json:"first_error,omitempty"`
	FirstErrM int             `json:"first_error_minute"` // 1-based; 0: none
	// FirstMinute are the Users API calls of the first minute by bucket, when the run is
	// longer: its arrivals are below every limit, so none failed or was cut short.
	FirstMinute map[string]int `json:"first_minute_users_api_by_bucket,omitempty"`
}

// usersAPIPerArrival is the Users API calls of the run divided by the arrivals, in all and for
// bucket ("" for all).
func (r arrivalResult) usersAPIPerArrival(bucket string) float64 {
	n := 0
	for b, c := range r.ByBucket {
		if bucket == "" || b == bucket {
			n += c
		}
	}
	return float64(n) / float64(max(r.People, 1))
}

// firstMinutePerArrival is usersAPIPerArrival for the first minute (-1 without the figure).
func (r arrivalResult) firstMinutePerArrival(bucket string) float64 {
	if r.FirstMinute == nil || len(r.Minutes) == 0 || r.Minutes[0].Arrivals == 0 {
		return -1
	}
	n := 0
	for b, c := range r.FirstMinute {
		if bucket == "" || b == bucket {
			n += c
		}
	}
	return float64(n) / float64(r.Minutes[0].Arrivals)
}

// peakComplete is the most arrivals of one minute whose first dashboard was complete.
func (r arrivalResult) peakComplete() int {
	peak := 0
	for _, m := range r.Minutes {
		peak = max(peak, m.Complete)
	}
	return peak
}

func (r arrivalResult) totals() arrivalMinute {
	var t arrivalMinute
	for _, m := range r.Minutes {
		t.Arrivals += m.Arrivals
		t.Complete += m.Complete
		t.Later += m.Later
		t.Degraded += m.Degraded
		t.StaleSections += m.StaleSections
		t.PendingSections += m.PendingSections
		t.Errors += m.Errors
		t.RateLimitErrors += m.RateLimitErrors
	}
	return t
}

// arrivalsReport is the scenario's output.
type arrivalsReport struct {
	Date    time.Time       `json:"date"`
	Command string          `json:"command"`
	Options arrivalOptions  `json:"options"`
	Machine machine         `json:"machine"`
	Setups  []arrivalResult `json:"setups"`
}

// runArrivals is the scenario, from flags to the printed report.
func runArrivals(ctx context.Context, args []string, getenv func(string) string, environ []string, stdout, stderr io.Writer) (err error) {
	o, err := parseArrivalOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	goCmd, err := goCommand(getenv)
	if err != nil {
		return err
	}
	dir, release, err := workDir("gatehouse-bench-arrivals-", stderr)
	if err != nil {
		return err
	}
	defer func() { release(err != nil || o.Keep) }()
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "gatehouse-bench: "+format+"\n", a...) }
	progress("building the emulator and gatehouse")
	emuBin, ghBin, err := buildBinaries(ctx, goCmd, dir, stderr)
	if err != nil {
		return err
	}
	seedPath := filepath.Join(dir, "seed.json")
	if err := writeArrivalsSeed(seedPath, o.People); err != nil {
		return err
	}
	rep := arrivalsReport{
		Date: time.Now().UTC(), Command: "gatehouse-bench " + strings.Join(args, " "), Options: o,
		Machine: machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, LoadAvg: loadAverage()},
	}
	for _, s := range arrivalSetups(o.Only) {
		res, err := runArrivalSetup(ctx, o, s, dir, emuBin, ghBin, seedPath, environ, progress)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted during configuration %s", s.Name)
			}
			return fmt.Errorf("configuration %s: %w", s.Name, err)
		}
		rep.Setups = append(rep.Setups, res)
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.writeTable(stdout)
	return nil
}

// writeArrivalsSeed writes the demo org with at least people generated people, so that every
// arrival is someone Gatehouse has never seen.
func writeArrivalsSeed(path string, people int) error {
	seed := oktatest.DemoOrg()
	seed.GeneratedUsers = max(seed.GeneratedUsers, people)
	b, err := json.Marshal(seed)
	if err != nil {
		return fmt.Errorf("encode seed: %w", err)
	}
	return os.WriteFile(path, b, 0o600)
}

// runArrivalSetup starts a fresh emulator (fresh rate-limit windows) and Gatehouse in
// configuration s, lets the people arrive and follows what they see.
func runArrivalSetup(ctx context.Context, o arrivalOptions, s arrivalSetup, dir, emuBin, ghBin, seedPath string, environ []string, progress func(string, ...any)) (arrivalResult, error) {
	out := arrivalResult{Setup: s, People: o.People}
	emuPort, err := freePort()
	if err != nil {
		return out, err
	}
	ghPort, err := freePort()
	if err != nil {
		return out, err
	}
	emuURL, gh := loopbackURL(emuPort), loopbackURL(ghPort)
	apiToken, clientID, clientSecret := randomHex(20), "gatehouse-bench", randomHex(24)
	emuArgs := []string{
		"-addr", "127.0.0.1:" + strconv.Itoa(emuPort), "-client-id", clientID,
		"-redirect-uri", gh + "/auth/callback", "-post-logout-redirect-uri", gh + "/",
		"-seed", seedPath, "-latency", o.OktaLatency.String(),
		// Okta's real limits: the tier's bucket map, the per-credential share and the
		// tier's concurrency limit.
		"-rate-tier", o.RateTier, "-token-share", strconv.Itoa(o.TokenShare),
		"-groups-claim-filter", ".*",
	}
	progress("[%s] starting the Okta emulator on %s (%s limits, %d%% per credential)", s.Name, emuURL, o.RateTier, o.TokenShare)
	emu, err := startProc("okta-emulator ("+s.Name+")", emuBin, emuArgs,
		childEnv(environ, map[string]string{"OKTA_EMULATOR_API_TOKEN": apiToken, "OKTA_EMULATOR_CLIENT_SECRET": clientSecret}),
		filepath.Join(dir, "okta-emulator-"+s.Name+".log"))
	if err != nil {
		return out, err
	}
	defer emu.stop(stopGrace)
	if err := waitReady(ctx, emu, emuURL+"/.well-known/openid-configuration", 60*time.Second); err != nil {
		return out, err
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	et := &target{emulator: emuURL, apiToken: apiToken, hc: hc, proc: emu}
	logins, err := demoLogins(ctx, et)
	if err != nil {
		return out, err
	}
	if len(logins) < o.People {
		return out, fmt.Errorf("the emulator has %d people, fewer than -people %d", len(logins), o.People)
	}

	ghEnv := map[string]string{
		"GATEHOUSE_OKTA_ORG_URL": emuURL, "GATEHOUSE_OKTA_CLIENT_ID": clientID,
		"GATEHOUSE_OKTA_CLIENT_SECRET": clientSecret, "GATEHOUSE_OKTA_API_TOKEN": apiToken,
		"GATEHOUSE_PUBLIC_URL": gh, "GATEHOUSE_SESSION_KEYS": randomHex(32),
		"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
		"GATEHOUSE_LEGACY_ARRIVALS": "0",
	}
	if s.Legacy {
		ghEnv["GATEHOUSE_LEGACY_ARRIVALS"] = "1"
	}
	if s.GroupsClaim {
		ghEnv["GATEHOUSE_GROUPS_CLAIM"] = "groups"
	}
	progress("[%s] starting gatehouse on %s (%s)", s.Name, gh, s.Label)
	p, err := startProc("gatehouse ("+s.Name+")", ghBin, []string{"-addr", "127.0.0.1:" + strconv.Itoa(ghPort)},
		childEnv(environ, ghEnv), filepath.Join(dir, "gatehouse-arrivals-"+s.Name+".log"))
	if err != nil {
		return out, err
	}
	defer p.stop(stopGrace)
	if err := waitReady(ctx, p, gh+"/readyz", 30*time.Second); err != nil {
		return out, err
	}
	// Okta's windows are whole minutes: start just after one begins, so that the run's
	// minutes are Okta's.
	if wait := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute + 200*time.Millisecond)); o.Over >= time.Minute {
		progress("[%s] waiting %s for Okta's next rate-limit minute", s.Name, wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	before, err := et.oktaStats(ctx)
	if err != nil {
		return out, err
	}
	progress("[%s] %d people arriving over %s (rising to %.0f a minute)", s.Name, o.People, o.Over, 2*float64(o.People)/o.Over.Minutes())
	start := time.Now()
	// The first minute's calls, read as Okta's second minute begins (its arrivals have long
	// finished signing in by then; their dashboards had nothing to poll below the limits).
	firstMinute := make(chan emuStats, 1)
	if o.Over > time.Minute {
		go func() {
			select {
			case <-time.After(time.Until(start.Add(time.Minute))):
				if st, err := et.oktaStats(ctx); err == nil {
					firstMinute <- st
				}
			case <-ctx.Done():
			}
			close(firstMinute)
		}()
	} else {
		close(firstMinute)
	}
	results := arrive(ctx, o, gh, logins[:o.People], start)
	out.Wall = time.Since(start)
	if st, ok := <-firstMinute; ok {
		out.FirstMinute = byBucket(st.sub(before))
	}
	after, err := et.oktaStats(ctx)
	if err != nil {
		return out, err
	}
	if p.exited() {
		return out, p.failure()
	}
	out.Okta = after.sub(before)
	out.ByBucket = byBucket(out.Okta)
	out.Minutes, out.FirstErrM, out.FirstErr = tally(results)
	return out, nil
}

// byBucket sums the Users API operations of s by Okta bucket.
func byBucket(s emuStats) map[string]int {
	out := map[string]int{}
	for op, n := range s.Requests {
		if b := usersAPIBucket(op); b != "" {
			out[b] += n
		}
	}
	return out
}

// arrival is what one person saw.
type arrival struct {
	at       time.Duration // arrival time since the start
	signIn   time.Duration
	complete bool // the first dashboard was complete
	later    bool // its pending sections all appeared within -poll-for
	stale    int  // sections served stale
	pending  int  // sections that would appear shortly
	err      string
	rateErr  bool // the error was about a rate limit
}

// arrivalTimes spreads n arrivals over d at a linearly rising rate: the rate at t is
// proportional to t, so the i-th person arrives at d·√(i/n).
func arrivalTimes(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(float64(d) * math.Sqrt(float64(i)/float64(n)))
	}
	return out
}

// arrive runs the arrivals: each at its time, a new browser signing in and landing on the
// dashboard, then following the polls of its pending sections.
func arrive(ctx context.Context, o arrivalOptions, gh string, logins []string, start time.Time) []arrival {
	times := arrivalTimes(len(logins), o.Over)
	out := make([]arrival, len(logins))
	sem := make(chan struct{}, o.MaxInFlight)
	var wg sync.WaitGroup
	for i, login := range logins {
		if d := time.Until(start.Add(times[i])); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				return out
			}
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = oneArrival(ctx, o, gh, i, login)
			out[i].at = times[i]
		})
	}
	wg.Wait()
	return out
}

// Markers of the dashboard's section states (views/sections.templ, views/home.templ).
var (
	markStale     = []byte(`data-testid="stale-note"`)
	markRateLimit = []byte("slow down")
	pollAttrs     = regexp.MustCompile(`hx-get="([^"]+)" hx-trigger="load delay:(\d+)ms"`)
)

func oneArrival(ctx context.Context, o arrivalOptions, gh string, i int, login string) arrival {
	var a arrival
	v := newVU(1<<18+i, login, false, true)
	defer v.close()
	t0 := time.Now()
	body, err := v.landOnDashboard(ctx, gh)
	a.signIn = time.Since(t0)
	if err != nil {
		a.err = err.Error()
		a.rateErr = bytes.Contains(body, markRateLimit) || strings.Contains(a.err, "unavailable")
		return a
	}
	if bytes.Contains(body, []byte(markFailed)) || bytes.Contains(body, []byte(markAlert)) {
		a.err = "the dashboard shows an error box"
		a.rateErr = bytes.Contains(body, markRateLimit)
		return a
	}
	a.stale = bytes.Count(body, markStale)
	polls := pollAttrs.FindAllSubmatch(body, -1)
	a.pending = len(polls)
	a.complete = a.pending == 0
	if a.pending == 0 || o.PollFor == 0 {
		return a
	}
	// Follow each pending section's polls as htmx would, until it appears, shows an error, or
	// -poll-for is over.
	deadline := time.Now().Add(o.PollFor)
	appeared := 0
	for _, m := range polls {
		next, delay := string(m[1]), atoiMS(m[2])
		for {
			if time.Now().Add(delay).After(deadline) {
				break
			}
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return a
			}
			res, b, err := v.get(ctx, v.client, gh+htmlUnescape(next), http.Header{"Hx-Request": {"true"}})
			if err != nil || res.StatusCode != http.StatusOK {
				a.err = fmt.Sprintf("poll %s: %v", next, errOrStatus(err, res))
				return a
			}
			if bytes.Contains(b, []byte(markFailed)) || bytes.Contains(b, []byte(markAlert)) {
				a.err = "a polled section shows an error box"
				a.rateErr = bytes.Contains(b, markRateLimit)
				return a
			}
			pm := pollAttrs.FindSubmatch(b)
			if pm == nil {
				appeared++
				break
			}
			next, delay = string(pm[1]), atoiMS(pm[2])
		}
	}
	a.later = appeared == a.pending
	return a
}

func atoiMS(b []byte) time.Duration {
	n, _ := strconv.Atoi(string(b))
	return time.Duration(n) * time.Millisecond
}

func htmlUnescape(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

func errOrStatus(err error, res *http.Response) string {
	if err != nil {
		return err.Error()
	}
	return res.Status
}

// landOnDashboard signs v in through Gatehouse's /login and the emulator's form, following the
// redirects to the dashboard, and returns its body. A sign-in that ends elsewhere (Gatehouse's
// /auth/error, say) is an error, with the body it ended on.
func (v *vu) landOnDashboard(ctx context.Context, gh string) ([]byte, error) {
	res, body, err := v.get(ctx, v.client, gh+"/login", nil)
	if err != nil {
		return nil, fmt.Errorf("open sign-in page: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return body, fmt.Errorf("sign-in page: %s", res.Status)
	}
	action, form, err := signInForm(res.Request.URL, body)
	if err != nil {
		return body, err
	}
	form.Set("username", v.login)
	form.Set("password", demoPassword)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", v.ip)
	res, err = v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	home, _ := url.Parse(gh + "/")
	if res.StatusCode != http.StatusOK || res.Request.URL.String() != home.String() {
		where := res.Request.URL.Path
		if r := res.Request.URL.Query().Get("reason"); r != "" {
			where += "?reason=" + r
		}
		return body, fmt.Errorf("sign-in ended on %s %s", res.Status, where)
	}
	if !bytes.Contains(body, []byte(`data-testid="profile-card"`)) {
		return body, errors.New("the dashboard lacks its profile card")
	}
	return body, nil
}

// tally sorts the arrivals into the minutes of the run they arrived in.
func tally(as []arrival) (mins []arrivalMinute, firstErrMinute int, firstErr string) {
	for _, a := range as {
		m := int(a.at / time.Minute)
		for len(mins) <= m {
			mins = append(mins, arrivalMinute{})
		}
		mm := &mins[m]
		mm.Arrivals++
		mm.signInDurations = append(mm.signInDurations, a.signIn)
		switch {
		case a.err != "":
			mm.Errors++
			if a.rateErr {
				mm.RateLimitErrors++
			}
			if firstErrMinute == 0 || m+1 < firstErrMinute {
				firstErrMinute, firstErr = m+1, a.err
			}
			continue
		case a.complete:
			mm.Complete++
		case a.later:
			mm.Later++
		}
		if a.stale > 0 || a.pending > 0 {
			mm.Degraded++
		}
		mm.StaleSections += a.stale
		mm.PendingSections += a.pending
	}
	for i := range mins {
		d := mins[i].signInDurations
		slices.Sort(d)
		if len(d) > 0 {
			mins[i].SignInSeconds = percentile(d, 0.5).Seconds()
		}
	}
	return mins, firstErrMinute, firstErr
}

// writeTable prints the configurations side by side, then each one's minutes.
func (r arrivalsReport) writeTable(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "gatehouse-bench -scenario arrivals — %s, %d CPUs, %s %s/%s, load average %s at start\n",
		r.Date.Format("2006-01-02 15:04 UTC"), r.Machine.CPUs, r.Machine.GoVersion, r.Machine.OS, r.Machine.Arch, r.Machine.LoadAvg)
	fmt.Fprintf(w, "%d people arriving over %s at a rising rate (to %.0f/min), Okta %s limits with a %d%% share per credential, latency %s, polls followed for %s\n\n",
		o.People, o.Over, 2*float64(o.People)/o.Over.Minutes(), o.RateTier, o.TokenShare, o.OktaLatency, o.PollFor)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, f func(arrivalResult) string) {
		fmt.Fprint(tw, "  "+label)
		for _, s := range r.Setups {
			fmt.Fprint(tw, "\t"+f(s))
		}
		fmt.Fprintln(tw, "\t")
	}
	fmt.Fprint(tw, "  ")
	for _, s := range r.Setups {
		fmt.Fprint(tw, "\t"+s.Setup.Label)
	}
	fmt.Fprintln(tw, "\t")
	fm := func(v float64) string {
		if v < 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f", v)
	}
	row("Users API calls per arrival, 1st minute (≤ 3)", func(s arrivalResult) string { return fm(s.firstMinutePerArrival("")) })
	row("  of which "+bucketShared+" (≤ 2; claim ≤ 1)", func(s arrivalResult) string { return fm(s.firstMinutePerArrival(bucketShared)) })
	row("  of which "+bucketUser, func(s arrivalResult) string { return fm(s.firstMinutePerArrival(bucketUser)) })
	row("Users API calls per arrival, whole run", func(s arrivalResult) string {
		return fmt.Sprintf("%.2f", s.usersAPIPerArrival(""))
	})
	row("  of which "+bucketShared, func(s arrivalResult) string { return fmt.Sprintf("%.2f", s.usersAPIPerArrival(bucketShared)) })
	row("  of which "+bucketUser, func(s arrivalResult) string { return fmt.Sprintf("%.2f", s.usersAPIPerArrival(bucketUser)) })
	row("Users API calls by operation", func(s arrivalResult) string {
		var parts []string
		for _, op := range []string{"getUser", "listUserGroups", "listAppLinks"} {
			parts = append(parts, fmt.Sprintf("%s %d", op, s.Okta.Requests[op]))
		}
		return strings.Join(parts, ", ")
	})
	today, haveToday := arrivalResult{}, false
	for _, s := range r.Setups {
		if s.Setup.Name == "today" {
			today, haveToday = s, true
		}
	}
	row("peak arrivals/min with a complete dashboard", func(s arrivalResult) string {
		p := strconv.Itoa(s.peakComplete())
		if haveToday && s.Setup.Name != "today" && today.peakComplete() > 0 {
			p += fmt.Sprintf(" (%.1f× today)", float64(s.peakComplete())/float64(today.peakComplete()))
		}
		return p
	})
	row("complete at once / after polling / never", func(s arrivalResult) string {
		t := s.totals()
		return fmt.Sprintf("%d / %d / %d", t.Complete, t.Later, t.Arrivals-t.Complete-t.Later)
	})
	row("degraded dashboards (stale or pending sections)", func(s arrivalResult) string {
		t := s.totals()
		return fmt.Sprintf("%d (%.1f%%): %d stale, %d pending sections", t.Degraded, 100*float64(t.Degraded)/float64(max(t.Arrivals, 1)), t.StaleSections, t.PendingSections)
	})
	row("errors (of which: Okta busy)", func(s arrivalResult) string {
		t := s.totals()
		return fmt.Sprintf("%d (%d)", t.Errors, t.RateLimitErrors)
	})
	row("first minute a page shows an error", func(s arrivalResult) string {
		if s.FirstErrM == 0 {
			return "none"
		}
		return strconv.Itoa(s.FirstErrM)
	})
	_ = tw.Flush()
	for _, s := range r.Setups {
		fmt.Fprintf(w, "\n[%s] by minute of arrival: arrivals, complete at once, after polling, degraded, errors, sign-in p50\n", s.Setup.Label)
		for i, m := range s.Minutes {
			fmt.Fprintf(w, "  minute %d: %4d arrived, %4d complete, %4d later, %4d degraded, %4d errors, sign-in %.2fs\n",
				i+1, m.Arrivals, m.Complete, m.Later, m.Degraded, m.Errors, m.SignInSeconds)
		}
		if s.FirstErr != "" {
			fmt.Fprintf(w, "  first error: %s\n", s.FirstErr)
		}
	}
}
