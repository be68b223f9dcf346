package web_test

// F1–F4 of SECURITY.md §3: Okta is slow, rate-limits, fails or is abandoned mid-call. The
// shared helpers and the rules for timing assertions are in fault_test.go.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestF1_OktaLatency is SECURITY.md §3 F1: Okta adds 3 s, then 10 s, to /users/me. With the
// default 8 s Okta timeout the 3 s case renders the dashboard with the profile, and the 10 s
// case answers by 8.5 s with the profile section's error while the other sections render;
// afterwards the goroutine count is back to its baseline (±10) within 5 s. In practice the
// 10 s case answers at about 5 s: the Okta transport's response-header timeout (SECURITY.md 38)
// fires before the 8 s call deadline. The test takes about 10 s; the defaults are its point.
func TestF1_OktaLatency(t *testing.T) {
	env := webtest.New(t, webtest.Options{}) // the default Okta timeout (8 s) and no cache
	browsers := []*http.Client{
		env.SignInAs(t, "alice@example.com"),
		env.SignInAs(t, "hal@example.com"),
	}
	// The table's 8.5 s: the default Okta timeout plus half a second to render the answer.
	const answerBy = 8*time.Second + 500*time.Millisecond
	const concurrent = 10

	tests := []struct {
		name        string
		latency     time.Duration
		wantProfile bool
	}{
		{name: "3 s: the page waits and shows the profile", latency: 3 * time.Second, wantProfile: true},
		{name: "10 s: the deadline answers first with the section's error", latency: 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseline := warmBaseline(t, env, browsers, concurrent)
			env.Okta.SetLatency("/api/v1/users/me", tt.latency)
			defer env.Okta.SetLatency("/api/v1/users/me", 0)

			pages := make([]page, concurrent)
			var wg sync.WaitGroup
			for i := range pages {
				wg.Go(func() {
					req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+"/", nil)
					pages[i] = fetch(browsers[i%len(browsers)], req)
				})
			}
			wg.Wait()
			env.Okta.SetLatency("/api/v1/users/me", 0)

			var slowest time.Duration
			for i, p := range pages {
				require.NoError(t, p.err, "dashboard %d", i)
				slowest = max(slowest, p.took)
				assert.Equal(t, http.StatusOK, p.status, "dashboard %d renders, whatever Okta does", i)
				assert.Less(t, p.took, answerBy, "dashboard %d answers within the Okta timeout", i)
				assert.NotEmpty(t, p.text("[data-testid=group-list]"), "dashboard %d: the groups section does not wait for the profile", i)
				noStackTrace(t, p.body, "the dashboard")
				if tt.wantProfile {
					assert.GreaterOrEqual(t, p.took, tt.latency, "dashboard %d: the latency applied", i)
					assert.NotEmpty(t, p.text("[data-testid=profile-name]"), "dashboard %d shows the profile", i)
					assert.Empty(t, p.text("[data-testid=profile-card] [data-testid=alert-error]"))
				} else {
					assert.Empty(t, p.text("[data-testid=profile-name]"), "dashboard %d: no profile came back", i)
					assert.NotEmpty(t, p.text("[data-testid=profile-card] [data-testid=alert-error]"), "dashboard %d says the profile could not be loaded", i)
				}
			}
			t.Logf("latency %v: slowest of %d dashboards answered in %v (target: by %v)", tt.latency, concurrent, slowest, answerBy)
			if !tt.wantProfile {
				t.Logf("the profile section said: %q", pages[0].text("[data-testid=profile-card] [data-testid=alert-error]"))
			}
			requireGoroutinesBack(t, baseline, 5*time.Second)
		})
	}
}

// inbound is one request a test sent to Gatehouse and what came back.
type inbound struct {
	requestID  string
	method     string
	path       string
	status     int
	retryAfter string
	busy       bool // the page says Okta asked Gatehouse to slow down
	err        error
}

// TestF2_RateLimitStorm is SECURITY.md §3 F2: Okta answers 429 (X-Rate-Limit-Reset 2 s ahead)
// to the signed-in people's reads and to the admin's lifecycle call while the test sends 20
// requests a second: dashboard pages and fragments, and an unlock every half second. Each GET
// is retried at most once, no mutation is retried, every error answer (429, 503) carries
// Retry-After (a dashboard answers 200 and says in each section that Okta is busy), and
// Gatehouse sends Okta no more calls than it receives requests. The storm lasts 5 s instead of
// the table's 30 s: the budget guard and the retry rule act per call, so a longer storm only
// repeats them.
func TestF2_RateLimitStorm(t *testing.T) {
	out := &outbound{}
	var tries attempts
	clock := &offsetClock{}
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}, Configure: func(c *web.Config) {
		c.HTTPClient = out.httpClient()
		c.OktaObserver = tries.observe
	}})
	people := []*http.Client{env.SignInAs(t, "alice@example.com"), env.SignInAs(t, "hal@example.com")}
	ada := webtest.NoRedirects(env.SignInAs(t, "ada@example.com"))
	bob := env.Okta.UserID("bob@example.com")
	storm := []string{
		"/api/v1/users/me",
		"/api/v1/users/" + env.Okta.UserID("alice@example.com") + "/",
		"/api/v1/users/" + env.Okta.UserID("hal@example.com") + "/",
		"/api/v1/users/" + bob, // the admin page's reads (which may wait for a retry) and the unlocks
	}
	const (
		stormFor  = 5 * time.Second
		getEvery  = 50 * time.Millisecond // 20 rps
		postEvery = 10                    // one unlock every 10 GETs: 2 a second
	)

	// Start half-way through a second of Okta's clock: Okta's reset is in whole seconds, so
	// 429s seen in the first half of a second leave a 2 s wait (retried) and the others 3 s
	// (not), and both paths run.
	clock.alignTo(500 * time.Millisecond)
	out.reset()
	start := time.Now()
	stop := make(chan struct{})
	stormDone := make(chan struct{})
	go func() {
		defer close(stormDone)
		for {
			for _, p := range storm {
				env.Okta.ForceRateLimit(p, 2*time.Second)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()

	var (
		mu  sync.Mutex
		ins []inbound
		wg  sync.WaitGroup
	)
	send := func(c *http.Client, method, path string, form url.Values, headers map[string]string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, env.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		p := fetch(c, req)
		in := inbound{method: method, path: path, status: p.status, err: p.err}
		if p.header != nil {
			in.requestID, in.retryAfter = p.header.Get("X-Request-Id"), p.header.Get("Retry-After")
		}
		// A person's own pages never wait on a 429: their sections say they will appear
		// shortly (and poll); an admin page says Okta asked Gatehouse to slow down.
		in.busy = strings.Contains(p.body, "asked Gatehouse to slow down") || strings.Contains(p.body, "section-pending")
		noStackTrace(t, p.body, method+" "+path)
		mu.Lock()
		ins = append(ins, in)
		mu.Unlock()
	}
	tick := time.NewTicker(getEvery)
	for i := 0; time.Since(start) < stormFor; i++ {
		<-tick.C
		c := people[i%len(people)]
		switch {
		case i%postEvery == postEvery-1:
			wg.Go(func() {
				send(ada, http.MethodPost, "/admin/users/"+bob+"/unlock", url.Values{"confirm": {"yes"}}, nil)
			})
		case i%4 == 3:
			wg.Go(func() { send(c, http.MethodGet, "/dashboard/apps", nil, webtest.HTMX(views.AppsCardID)) })
		case i%4 == 2:
			wg.Go(func() { send(ada, http.MethodGet, "/admin/users/"+bob, nil, nil) })
		default:
			wg.Go(func() { send(c, http.MethodGet, "/", nil, nil) })
		}
	}
	tick.Stop()
	sending := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-stormDone
	env.Okta.ClearFaults()

	calls := out.api()
	var gets, posts, errorAnswers, busyPages int
	for _, in := range ins {
		require.NoError(t, in.err, "%s %s", in.method, in.path)
		assert.Contains(t, []int{http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable}, in.status, "%s %s (request %s): a storm is never a 500", in.method, in.path, in.requestID)
		if in.status >= 400 {
			errorAnswers++
			secs, err := strconv.Atoi(in.retryAfter)
			assert.NoError(t, err, "%s %s (request %s) answered %d without a Retry-After (%q)", in.method, in.path, in.requestID, in.status, in.retryAfter)
			assert.Positive(t, secs, "%s %s (request %s): Retry-After", in.method, in.path, in.requestID)
		}
		if in.busy {
			busyPages++
		}
		if in.method == http.MethodGet {
			gets++
		} else {
			posts++
		}
	}
	require.NotZero(t, posts, "the test sent mutations")
	assert.NotZero(t, errorAnswers, "the unlocks failed with an error answer")
	assert.NotZero(t, busyPages, "the dashboards told people that Okta is busy")

	t.Run("at most one retry per GET, none for a mutation", func(t *testing.T) {
		type key struct{ requestID, method, path string }
		per := map[key][]outboundCall{}
		for _, c := range calls {
			k := key{c.requestID, c.method, c.path}
			per[k] = append(per[k], c)
		}
		for k, cs := range per {
			if k.method == http.MethodGet {
				assert.LessOrEqual(t, len(cs), 2, "request %s sent %s %s %d times", k.requestID, k.method, k.path, len(cs))
				assert.False(t, cs[0].retry && len(cs) > 1, "request %s: only the second call of %s may be the retry", k.requestID, k.path)
			} else {
				assert.Len(t, cs, 1, "request %s sent %s %s more than once", k.requestID, k.method, k.path)
				assert.False(t, cs[0].retry, "a mutation is never retried")
			}
		}
		// The client's own view, the budget guard's refusals (never sent) included.
		getAttempts, postAttempts := tries.byAttempt(http.MethodGet), tries.byAttempt(http.MethodPost)
		for n := range getAttempts {
			assert.LessOrEqual(t, n, 2, "a GET made attempt %d", n)
		}
		for n := range postAttempts {
			assert.Equal(t, 1, n, "a POST made attempt %d", n)
		}
		assert.Positive(t, getAttempts[2], "some GETs were retried after a 2 s wait (the retry path ran)")
		t.Logf("GET attempts by number: %v; POST: %v", getAttempts, postAttempts)
		unlocks := env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasSuffix(r.Path, "/lifecycle/unlock") })
		assert.LessOrEqual(t, unlocks, posts, "Okta saw at most one unlock per unlock request")
		assert.Equal(t, "LOCKED_OUT", env.Okta.UserStatus(bob), "no unlock got through the storm")
	})

	t.Run("Gatehouse sends Okta fewer calls than it receives requests", func(t *testing.T) {
		assert.LessOrEqual(t, len(calls), len(ins), "outbound calls during the storm")
		t.Logf("storm: %d requests in over %v (%d GET, %d POST; %.1f/s), %d Okta calls out until the last answer %v after the start (%.1f/s); %d error answers, %d pages said Okta is busy",
			len(ins), sending.Round(time.Millisecond), gets, posts, float64(len(ins))/sending.Seconds(),
			len(calls), elapsed.Round(time.Millisecond), float64(len(calls))/elapsed.Seconds(), errorAnswers, busyPages)
	})

	t.Run("the dashboard recovers when the storm ends", func(t *testing.T) {
		require.Eventually(t, func() bool {
			res, doc := env.Page(t, people[0], "/")
			return res.StatusCode == http.StatusOK && doc.Find("[data-testid=profile-name]").Length() == 1 &&
				doc.Find("[data-testid=alert-error]").Length() == 0
		}, 10*time.Second, 200*time.Millisecond, "once the buckets reset, the dashboard loads again")
	})
}

// breakerLog sorts the Okta client's attempts into those sent (and failed) and those the
// circuit breaker refused without contacting Okta, through Config.OktaObserver.
type breakerLog struct {
	mu             sync.Mutex
	failed, refuse int
}

func (b *breakerLog) observe(ci client.CallInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case errors.Is(ci.Err, client.ErrCircuitOpen):
		b.refuse++
	case ci.Err != nil && !errors.Is(ci.Err, client.ErrBusy):
		b.failed++
	}
}

func (b *breakerLog) counts() (failed, refused int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed, b.refuse
}

// TestF3_OktaFailing is SECURITY.md §3 F3: Okta answers 503, 500 or drops the connection. The
// circuit breaker opens after 5 failed attempts; while open, pages answer fast with a friendly
// message and nothing reaches Okta; once Okta recovers the breaker closes after its cooldown;
// nothing is ever a 500 or shows Go internals. The cooldown is 4 s here instead of 30 s
// (Config.BreakerCooldown): the state machine is the same, and package client tests the 30 s
// default with a fake clock. TLS failures are not emulated (the emulator serves plain HTTP);
// the client treats them like any other transport error, as it does the dropped connection.
func TestF3_OktaFailing(t *testing.T) {
	const (
		cooldown = 4 * time.Second
		// The table's open-state target is p99 < 50 ms. CI runs every package's tests at once
		// on 2 cores under -race (and the three cases here run at once), where a rare stall of
		// a few hundred ms is the machine, not Gatehouse: so the median is held to twice the
		// target and p99 to a bound far below the 5 s a closed breaker would wait on a hung
		// Okta; the test logs both. What proves the breaker open is that nothing reaches Okta.
		openP50Bound = 100 * time.Millisecond
		openP99Bound = time.Second
		openLoad     = 100
		// The open phase stops sending this long before the cooldown can end, so that no
		// request of it can be the half-open probe.
		openMargin = 1500 * time.Millisecond
	)
	isAPI := func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1/") }
	tests := []struct {
		name  string
		fault oktatest.Fault
	}{
		{name: "503 Service Unavailable", fault: oktatest.Fault{Path: "/api/v1/", Status: http.StatusServiceUnavailable}},
		{name: "500 Internal Server Error", fault: oktatest.Fault{Path: "/api/v1/", Status: http.StatusInternalServerError}},
		{name: "connection reset", fault: oktatest.Fault{Path: "/api/v1/", Drop: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case waits out a cooldown; they share nothing
			var br breakerLog
			env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) {
				c.BreakerCooldown = cooldown
				c.OktaObserver = br.observe
			}})
			alice := env.SignInAs(t, "alice@example.com")
			var (
				mu    sync.Mutex
				pages []page
			)
			get := func(path string) page {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+path, nil)
				p := fetch(alice, req)
				mu.Lock()
				pages = append(pages, p)
				mu.Unlock()
				return p
			}
			defer func() {
				for _, p := range pages {
					assert.NotEqual(t, http.StatusInternalServerError, p.status, "a failing Okta is never a 500")
					noStackTrace(t, p.body, "a page")
				}
			}()

			env.Okta.Inject(tt.fault)
			defer env.Okta.ClearFaults()
			openedAt := time.Now() // the breaker opens after this: the cooldown cannot end earlier
			for range 6 {
				p := get("/groups")
				require.NoError(t, p.err)
				require.Equal(t, http.StatusOK, p.status, "the page renders with the section's error")
			}
			failed, refused := br.counts()
			assert.Equal(t, 5, failed, "the breaker opens after exactly 5 failed attempts")
			assert.Positive(t, refused, "and then refuses")

			t.Run("while open, answers are fast and nothing reaches Okta", func(t *testing.T) {
				paths := []string{"/", "/groups", "/apps", "/profile"}
				for _, p := range paths { // warm the connections and templates
					get(p)
				}
				before := env.Okta.CountRequests(isAPI)
				var took []time.Duration
				for i := 0; i < openLoad && time.Since(openedAt) < cooldown-openMargin; i++ {
					p := get(paths[i%len(paths)])
					took = append(took, p.took)
					if assert.NoError(t, p.err) {
						assert.Equal(t, http.StatusOK, p.status)
						assert.NotEmpty(t, p.text("[data-testid=alert-error]"), "%s says Okta cannot be reached", paths[i%len(paths)])
					}
				}
				require.Less(t, time.Since(openedAt), cooldown, "the open phase must end inside the cooldown for its checks to mean anything")
				require.GreaterOrEqual(t, len(took), 20, "too few requests fit in the open phase to measure it")
				assert.Equal(t, before, env.Okta.CountRequests(isAPI), "an open breaker sends nothing to Okta")
				p50, p99 := percentile(took, 0.50), percentile(took, 0.99)
				assert.Less(t, p50, openP50Bound, "open-state median")
				assert.Less(t, p99, openP99Bound, "open-state p99")
				t.Logf("open breaker, %d pages: p50 %v, p99 %v (target p99 < 50 ms; asserted p50 < %v, p99 < %v)", len(took), p50, p99, openP50Bound, openP99Bound)
				assert.Contains(t, get("/groups").text("[data-testid=alert-error]"), "cannot reach Okta")
			})

			t.Run("after Okta recovers, the breaker closes after its cooldown", func(t *testing.T) {
				env.Okta.ClearFaults()
				recovered := time.Now()
				var closed bool
				for time.Since(recovered) < cooldown+5*time.Second {
					p := get("/groups")
					if p.err == nil && p.doc.Find("[data-testid=group-row]").Length() > 0 && p.text("[data-testid=alert-error]") == "" {
						closed = true
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				require.True(t, closed, "the breaker did not close within the cooldown (%v) plus 5 s of Okta recovering", cooldown)
				t.Logf("closed %v after Okta recovered, %v after it opened (cooldown %v)", time.Since(recovered).Round(time.Millisecond), time.Since(openedAt).Round(time.Millisecond), cooldown)
				p := get("/")
				assert.NotEmpty(t, p.text("[data-testid=profile-name]"), "the whole dashboard works again")
				assert.Empty(t, p.text("[data-testid=alert-error]"))
			})
		})
	}
}

// TestF4_ClientDisconnect is SECURITY.md §3 F4: 100 requests wait on an Okta that never
// answers; when their clients go away, every Okta call they started ends (the emulator sees
// its requests cancelled) within about 100 ms, and no goroutine is left behind.
func TestF4_ClientDisconnect(t *testing.T) {
	const (
		n = 100
		// The table's target is 100 ms; the assertion allows ten times that for a loaded 2-core
		// machine under -race (100 connections close at once), and the test logs the value.
		cancelBound = time.Second
	)
	// Neither Gatehouse's in-flight cap (20 by default) nor Okta's own concurrency limit (75
	// in flight, answered with 429) is what this test is about: both are raised above n.
	env := webtest.New(t, webtest.Options{OktaConfig: oktatest.Config{ConcurrencyLimit: -1},
		Configure: func(c *web.Config) { c.OktaMaxInFlight = 2 * n }})
	browsers := []*http.Client{env.SignInAs(t, "alice@example.com"), env.SignInAs(t, "hal@example.com")}
	for _, c := range browsers {
		c.CloseIdleConnections()
	}
	baseline := runtime.NumGoroutine()

	env.Okta.ResetRequests()
	env.Okta.Inject(oktatest.Fault{Path: "/api/v1/", Hang: true})
	defer env.Okta.ClearFaults()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	paths := []string{"/profile", "/groups", "/apps"} // one Okta call each
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+paths[i%len(paths)], nil)
			res, err := browsers[i%len(browsers)].Do(req)
			if err == nil {
				res.Body.Close()
			}
			errs[i] = err
		})
	}
	require.Eventually(t, func() bool { return env.Okta.InFlight() == n }, 20*time.Second, 5*time.Millisecond,
		"all %d requests should be waiting on Okta (in flight: %d)", n, env.Okta.InFlight())

	cancelled := time.Now()
	cancel()
	for env.Okta.InFlight() > 0 && time.Since(cancelled) < 5*time.Second {
		time.Sleep(time.Millisecond)
	}
	took := time.Since(cancelled)
	require.Zero(t, env.Okta.InFlight(), "Okta calls still running 5 s after their clients left")
	assert.Less(t, took, cancelBound, "every Okta call ends soon after its client leaves")
	t.Logf("%d Okta calls ended %v after their clients went away (target 100 ms; asserted < %v)", n, took, cancelBound)
	wg.Wait()
	for i, err := range errs {
		assert.ErrorIs(t, err, context.Canceled, "request %d ended by its own cancellation", i)
	}
	abandoned := env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasPrefix(r.Path, "/api/v1/") && r.Status == 0 })
	assert.Equal(t, n, abandoned, "Okta saw each call abandoned, never answered")

	env.Okta.ClearFaults()
	for _, c := range browsers {
		c.CloseIdleConnections()
	}
	requireGoroutinesBack(t, baseline, 5*time.Second)
	res, doc := env.Page(t, browsers[0], "/profile")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, strings.TrimSpace(doc.Find("[data-testid=alert-error]").Text()), "Gatehouse serves normally afterwards")
}

// TestOktaConcurrencyLimitIsAFriendlyPage: when every slot of the org's concurrency limit is
// taken (by another integration, here a hung call), Gatehouse's read is resent after short
// backoffs and, if Okta is still full, answers a page that asks for seconds, not a minute
// (Okta's reset is only a suggestion), with a matching Retry-After; no bucket is considered
// spent, so the same page works as soon as the slot frees.
func TestOktaConcurrencyLimitIsAFriendlyPage(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{OktaConfig: oktatest.Config{ConcurrencyLimit: 1}})
	ada := env.SignInAs(t, "ada@example.com")
	bob := env.Okta.UserID("bob@example.com")

	env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/hal@example.com", Hang: true, Times: 1})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	other, err := client.New(env.Okta.URL(), env.Okta.APIToken())
	require.NoError(t, err)
	wg.Go(func() { _, _ = other.GetUser(ctx, "hal@example.com") }) // another integration holds the slot
	require.Eventually(t, func() bool { return env.Okta.InFlight() == 1 }, 5*time.Second, time.Millisecond)

	env.Okta.ResetRequests()
	res, doc := env.Page(t, ada, "/admin/users/"+bob)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "5", res.Header.Get("Retry-After"))
	assert.Contains(t, doc.Text(), "Okta is handling too many requests at once")
	assert.Contains(t, doc.Text(), "try again in a few seconds")
	limited := env.Okta.CountRequests(func(r oktatest.Request) bool {
		return r.Status == http.StatusTooManyRequests && r.Path == "/api/v1/users/"+bob
	})
	assert.Equal(t, 3, limited, "the read of the person was sent three times: once and two short retries")

	cancel()
	wg.Wait()
	require.Eventually(t, func() bool { return env.Okta.InFlight() == 0 }, 5*time.Second, time.Millisecond)
	res, _ = env.Page(t, ada, "/admin/users/"+bob)
	assert.Equal(t, http.StatusOK, res.StatusCode, "no bucket was marked spent")
}
