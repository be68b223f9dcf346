package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// movableClock is a real clock that tests can move forward, shared by Gatehouse and the
// emulator so that cache lifetimes and Okta's rate-limit resets agree.
type movableClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *movableClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// usersAPICalls counts the Users API calls in Okta's request log by rate-limit bucket, as
// Okta's tables name them: a GET of one user (/users/me included) has a bucket of its own;
// a person's groups and app links count against the shared "/api/v1" bucket.
func usersAPICalls(okta *oktatest.Server) map[string]int {
	one := regexp.MustCompile(`^/api/v1/users/[^/]+$`)
	out := map[string]int{}
	for _, r := range okta.Requests() {
		switch {
		case !strings.HasPrefix(r.Path, "/api/v1/users"):
		case r.Method == http.MethodGet && one.MatchString(r.Path):
			out["GET /api/v1/users/{idOrLogin}"]++
		default:
			out["/api/v1"]++
		}
	}
	return out
}

// cachedEnv is Gatehouse with the per-person cache on (webtest turns it off by default), the
// groups claim as given, on a clock the test can move.
func cachedEnv(t *testing.T, clock *movableClock, claim, filter string, legacy bool) *webtest.Env {
	return webtest.New(t, webtest.Options{
		Now:        clock.Now,
		OktaConfig: oktatest.Config{Now: clock.Now, GroupsClaimFilter: filter},
		Configure: func(c *web.Config) {
			// The client's budget guard and circuit breaker run on the real clock: a short
			// cooldown lets the tests see Okta come back.
			c.BreakerCooldown = 500 * time.Millisecond
			d := web.DefaultConfig()
			c.CacheTTL, c.CacheLongTTL, c.CacheStale = d.CacheTTL, d.CacheLongTTL, d.CacheStale
			c.GroupsClaim, c.LegacyArrivals = claim, legacy
		},
	})
}

// dashboardComplete reports whether every section of the dashboard shows its data.
func dashboardComplete(doc *goquery.Document) bool {
	return doc.Find("[data-testid=profile-name]").Length() == 1 &&
		doc.Find("[data-testid=apps-card] [data-testid=app-tile]").Length() > 0 &&
		doc.Find("[data-testid=group-list]").Length() == 1 &&
		doc.Find("[data-testid=alert-error], [data-testid=section-pending]").Length() == 0
}

// TestArrivalSpendsEachReadOnce: one person arriving (sign-in, then the first dashboard)
// costs each Users API read once: sign-in's /users/me and groups seed the cache, so the
// dashboard reads only the app links; with the groups claim, sign-in reads no groups at all
// unless a role is at stake or the claim may be truncated. LegacyArrivals is today's five.
func TestArrivalSpendsEachReadOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		login         string
		claim, filter string
		legacy        bool
		extraGroups   int // further groups the person joins (a long claim)
		want          map[string]int
		wantRoles     bool // the person is ada, an admin: the admin link shows
	}{
		{name: "today (legacy): five calls, three from /api/v1", login: "alice@example.com", legacy: true,
			want: map[string]int{"GET /api/v1/users/{idOrLogin}": 2, "/api/v1": 3}},
		{name: "without the claim: three calls, two from /api/v1", login: "alice@example.com",
			want: map[string]int{"GET /api/v1/users/{idOrLogin}": 1, "/api/v1": 2}},
		{name: "with the claim: /users/me and the app links", login: "alice@example.com", claim: "groups", filter: ".*",
			want: map[string]int{"GET /api/v1/users/{idOrLogin}": 1, "/api/v1": 1}},
		{name: "the claim is configured in Gatehouse but not in Okta: the Users API", login: "alice@example.com", claim: "groups",
			want: map[string]int{"GET /api/v1/users/{idOrLogin}": 1, "/api/v1": 2}},
		{name: "a claim of 100 groups may be truncated: the Users API", login: "alice@example.com", claim: "groups", filter: ".*", extraGroups: 100,
			want: map[string]int{"GET /api/v1/users/{idOrLogin}": 1, "/api/v1": 2}},
		{name: "a role group in the claim: the Users API says whether it grants the role", login: "ada@example.com", claim: "groups", filter: ".*",
			want: map[string]int{"GET /api/v1/users/{idOrLogin}": 1, "/api/v1": 2}, wantRoles: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cachedEnv(t, &movableClock{}, tt.claim, tt.filter, tt.legacy)
			id := env.Okta.UserID(tt.login)
			for i := range tt.extraGroups {
				name := fmt.Sprintf("Project %03d", i)
				env.Okta.AddGroup(oktatest.SeedGroup{Name: name})
				env.Okta.AddUserToGroup(id, name)
			}
			env.Okta.ResetRequests()
			c := env.SignInAs(t, tt.login)
			res, doc := env.Page(t, c, "/")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.True(t, dashboardComplete(doc), "the first dashboard is complete")
			assert.Equal(t, tt.want, usersAPICalls(env.Okta), "Users API calls of one arrival, by Okta bucket")
			if tt.wantRoles {
				assert.Equal(t, 1, doc.Find(`[data-testid=nav-links] a[href="/admin/users"]`).Length(), "the admin's role was confirmed at sign-in")
			}
			if tt.extraGroups > 0 {
				assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Project 099", "every group shows, not the claim's first 100")
			}

			// Reloading costs nothing: everything is cached.
			env.Okta.ResetRequests()
			_, doc = env.Page(t, c, "/")
			assert.True(t, dashboardComplete(doc))
			assert.Empty(t, usersAPICalls(env.Okta), "a reload is served from the cache")
		})
	}
}

// TestGroupsClaimShowsNamesAndGrantsNoRole: with the claim, the dashboard's groups card lists
// the claim's names; a person without a role group in it has no role, and the first privileged
// request asks Okta (roles were not checked at sign-in), so an org whose filter leaves a role
// group out still gets its admins.
func TestGroupsClaimShowsNamesAndGrantsNoRole(t *testing.T) {
	t.Parallel()
	env := cachedEnv(t, &movableClock{}, "groups", "Everyone|Eng.*", false)
	alice := env.SignInAs(t, "alice@example.com")
	_, doc := env.Page(t, alice, "/")
	groups := doc.Find("[data-testid=group-list]").Text()
	assert.Contains(t, groups, "Everyone")
	assert.Contains(t, groups, "Engineering")
	assert.Equal(t, 0, doc.Find(`a[href="/admin/users"]`).Length())

	// ada's filter leaves "Gatehouse Admins" out of her claim: no role at sign-in, and /admin
	// asks Okta, which says she is an admin.
	ada := env.SignInAs(t, "ada@example.com")
	env.Okta.ResetRequests()
	res, _ := env.Page(t, ada, "/admin/users")
	assert.Equal(t, http.StatusOK, res.StatusCode, "roles are checked with Okta on the first privileged request")
	assert.Equal(t, 1, env.Okta.CountRequests(func(r oktatest.Request) bool {
		return r.Path == "/api/v1/users/"+env.Okta.UserID("ada@example.com")+"/groups"
	}), "one groups lookup for the roles")
}

// TestStaleWhileOktaIsBusy: past its lifetime, cached data is served, marked as possibly a
// minute out of date, while Okta answers 429 or is unavailable; never an error box.
func TestStaleWhileOktaIsBusy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(env *webtest.Env)
	}{
		{name: "rate limited (429)", fault: func(env *webtest.Env) { env.Okta.ForceRateLimit("/api/v1/users", time.Second) }},
		{name: "unavailable (503)", fault: func(env *webtest.Env) {
			env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users", Status: http.StatusServiceUnavailable})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &movableClock{}
			env := cachedEnv(t, clock, "", "", false)
			alice := env.SignInAs(t, "alice@example.com")
			_, doc := env.Page(t, alice, "/")
			require.True(t, dashboardComplete(doc))
			assert.Equal(t, 0, doc.Find("[data-testid=stale-note]").Length(), "fresh data has no note")

			clock.Advance(web.DefaultConfig().CacheLongTTL + time.Second) // every entry expired
			tt.fault(env)
			start := time.Now()
			res, doc := env.Page(t, alice, "/")
			took := time.Since(start)
			env.Okta.ClearFaults()
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "Alice Anderson", strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text()))
			assert.Positive(t, doc.Find("[data-testid=apps-card] [data-testid=app-tile]").Length())
			assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Engineering")
			assert.Equal(t, 3, doc.Find("[data-testid=stale-note]").Length(), "each section says it may be a minute out of date")
			assert.Contains(t, doc.Find("[data-testid=stale-note]").First().Text(), "may be a minute out of date")
			assert.Equal(t, 0, doc.Find("[data-testid=alert-error], [data-testid=section-pending]").Length(), "no error box")
			assert.Less(t, took, time.Second, "the page did not wait for Okta's reset")

			// Okta is back (past the reset the client remembers, or the circuit breaker's
			// cooldown): the dashboard is fresh again.
			require.Eventually(t, func() bool {
				_, doc := env.Page(t, alice, "/")
				return dashboardComplete(doc) && doc.Find("[data-testid=stale-note]").Length() == 0
			}, 10*time.Second, 200*time.Millisecond)
		})
	}
}

// TestPendingSectionPolls: with nothing cached and Okta rate limiting, a section says it will
// appear shortly and fetches itself again, backing off and never before Okta's reset; when the
// limit is over, the poll brings the section.
func TestPendingSectionPolls(t *testing.T) {
	t.Parallel()
	clock := &movableClock{}
	env := cachedEnv(t, clock, "", "", false)
	alice := env.SignInAs(t, "alice@example.com")
	id := env.Okta.UserID("alice@example.com")
	// Long enough later that nothing is kept for alice, not even stale.
	d := web.DefaultConfig()
	clock.Advance(d.CacheLongTTL + d.CacheStale + time.Second)
	// A person's appLinks and groups are both in Okta's "rest of /api/v1" bucket
	// (docs/OKTA.md): when it is spent, Okta refuses both, and whichever is refused first
	// tells the client the bucket is spent, so the limit is on both paths.
	env.Okta.ForceRateLimit("/api/v1/users/"+id+"/", 5*time.Second)
	limited := time.Now()
	start := time.Now()
	res, doc := env.Page(t, alice, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Less(t, time.Since(start), time.Second, "the page does not wait on the 429")
	assert.Equal(t, "Alice Anderson", strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text()), "the profile, in another bucket, shows")
	assert.Equal(t, 1, doc.Find("#groups-card [data-testid=section-pending]").Length(), "the groups share the apps' bucket")
	pending := doc.Find("#" + views.AppsCardID + " [data-testid=section-pending]")
	require.Equal(t, 1, pending.Length(), "the apps will appear shortly")
	assert.Equal(t, 0, doc.Find("[data-testid=alert-error]").Length(), "never an error box for a rate limit")
	assert.Equal(t, "/dashboard/apps?attempt=1", pending.AttrOr("hx-get", ""))
	assert.Equal(t, "#"+views.AppsCardID, pending.AttrOr("hx-target", ""))
	assert.Equal(t, "outerHTML", pending.AttrOr("hx-swap", ""))
	first := pollDelay(t, pending.AttrOr("hx-trigger", ""))
	assert.GreaterOrEqual(t, first, 5*time.Second, "not before Okta's reset (5 s, plus Okta's second), though the back-off says 2 s")
	assert.Less(t, first, 8*time.Second, "the reset plus at most a second of spread")

	// A poll while still limited: another placeholder, the next attempt, and Retry-After.
	res = env.Do(t, alice, http.MethodGet, "/dashboard/apps?attempt=1", nil, webtest.HTMX(views.AppsCardID))
	doc = webtest.Parse(t, res)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, retry, 4)
	pending = doc.Find("[data-testid=section-pending]")
	require.Equal(t, 1, pending.Length())
	assert.Equal(t, "/dashboard/apps?attempt=2", pending.AttrOr("hx-get", ""))

	// Once Okta's reset has passed, Okta answers again: the poll brings the apps. (The
	// back-off's doubling is TestPollBackOff's.)
	// Gatehouse waits as Okta's SDKs do, X-Rate-Limit-Reset − Date + 1 s, both whole seconds:
	// up to 7 s after a 5 s limit, so 8 s is past it whatever the sub-second phase.
	time.Sleep(time.Until(limited.Add(8 * time.Second)))
	res = env.Do(t, alice, http.MethodGet, "/dashboard/apps?attempt=3", nil, webtest.HTMX(views.AppsCardID))
	doc = webtest.Parse(t, res)
	assert.Empty(t, res.Header.Get("Retry-After"))
	assert.Equal(t, 0, doc.Find("[data-testid=section-pending]").Length())
	assert.Positive(t, doc.Find("[data-testid=app-tile]").Length(), "the section appeared")
}

var pollDelayPattern = regexp.MustCompile(`^load delay:(\d+)ms$`)

func pollDelay(t *testing.T, trigger string) time.Duration {
	t.Helper()
	m := pollDelayPattern.FindStringSubmatch(trigger)
	require.NotNil(t, m, "hx-trigger %q", trigger)
	ms, _ := strconv.Atoi(m[1])
	return time.Duration(ms) * time.Millisecond
}

// TestOwnChangeDropsCachedData: a person's own change drops everything cached for them at
// once, stale data included: while Okta is busy after it, the sections wait for Okta rather
// than show what was read before the change.
func TestOwnChangeDropsCachedData(t *testing.T) {
	t.Parallel()
	clock := &movableClock{}
	env := cachedEnv(t, clock, "", "", false)
	alice := env.SignInAs(t, "alice@example.com")
	_, doc := env.Page(t, alice, "/")
	require.True(t, dashboardComplete(doc))
	before := passwordChanged(doc)
	require.NotEmpty(t, before)

	form := url.Values{"form_id": {passwordFormID(t, env, alice)}, "current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	res := env.Do(t, alice, http.MethodPost, "/password", form, nil)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	env.Okta.ForceRateLimit("/api/v1/users", time.Second)
	_, doc = env.Page(t, alice, "/")
	assert.Equal(t, 3, doc.Find("[data-testid=section-pending]").Length(), "nothing from before the change is shown")
	assert.Equal(t, 0, doc.Find("[data-testid=stale-note]").Length())
	env.Okta.ClearFaults()

	require.Eventually(t, func() bool {
		_, doc = env.Page(t, alice, "/")
		return dashboardComplete(doc)
	}, 10*time.Second, 200*time.Millisecond, "past Okta's reset the dashboard loads")
	assert.NotEqual(t, before, passwordChanged(doc), "the password's date is the new one")
}

// passwordChanged is the profile card's "Password changed" fact.
func passwordChanged(doc *goquery.Document) string {
	return strings.TrimSpace(doc.Find("[data-testid=profile-card] dt").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Text()) == "Password changed"
	}).Next().Text())
}

// TestSignInThroughARateLimit: at a morning peak the sign-in app's share of
// GET /api/v1/users/{idOrLogin} runs out first, and /users/me is in it. Sign-in then goes on from
// the verified ID token: the person lands on the dashboard, named, the profile card says it will
// appear shortly and fetches itself when Okta allows — never an error page for a rate limit. Before
// issue 15 (LegacyArrivals) the same sign-in failed.
func TestSignInThroughARateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limited string // the path prefix Okta rate limits
		legacy  bool
		apps    bool // the apps card shows on the first dashboard
	}{
		{name: "only /users/me is limited: the apps show, the profile follows", limited: "/api/v1/users/me", apps: true},
		{name: "every Users API read is limited: every section follows", limited: "/api/v1/users"},
		{name: "before issue 15 the sign-in failed", limited: "/api/v1/users/me", legacy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cachedEnv(t, &movableClock{}, "", "", tt.legacy)
			env.Okta.ForceRateLimit(tt.limited, time.Minute)
			c := env.Client()
			res := webtest.SubmitSignIn(t, c, env.StartSignIn(t, c, "/login"), "alice@example.com", webtest.DemoPassword)
			res.Body.Close()
			if tt.legacy {
				assert.Equal(t, "/auth/error", res.Request.URL.Path, "the sign-in failed")
				return
			}
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, env.URL+"/", res.Request.URL.String(), "signed in, on the dashboard")

			res, doc := env.Page(t, c, "/")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, 0, doc.Find("[data-testid=alert-error]").Length(), "no error box for a rate limit")
			assert.Contains(t, doc.Find("[data-testid=user-menu], header").Text(), "Alice Anderson", "the ID token's name is the session's")
			assert.Equal(t, 1, doc.Find("#"+views.ProfileCardID+" [data-testid=section-pending]").Length(), "the profile will appear shortly")
			assert.Equal(t, tt.apps, doc.Find("[data-testid=apps-card] [data-testid=app-tile]").Length() > 0)

			// The card fetches itself again after Okta's reset (TestPendingSectionPolls follows
			// such a poll to its end).
			assert.Equal(t, "/dashboard/profile?attempt=1", doc.Find("#"+views.ProfileCardID+" [data-testid=section-pending]").AttrOr("hx-get", ""))
		})
	}
}
