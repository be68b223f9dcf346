package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// The client against an org that varies as real ones do (docs/OKTA.md).

// groupIDsOf returns the ids of a person's groups as Okta lists them.
func groupIDsOf(t *testing.T, e *emulator, id string) []string {
	t.Helper()
	groups, err := e.c.ListUserGroups(t.Context(), id)
	require.NoError(t, err)
	var ids []string
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	return ids
}

func TestListPasswordPolicies(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ps, err := e.c.ListPasswordPolicies(t.Context())
	require.NoError(t, err)
	require.Len(t, ps, 3)
	fin, ad, def := ps[0], ps[1], ps[2]
	assert.Equal(t, oktatest.FinancePolicyName, fin.Name)
	assert.Equal(t, 1, fin.Priority)
	assert.Equal(t, "ACTIVE", fin.Status)
	assert.Equal(t, []string{e.srv.GroupID(oktatest.GroupFinance)}, fin.GroupIDs)
	assert.Equal(t, client.PasswordComplexity{MinLength: 14, MinLowerCase: 1, MinUpperCase: 1, MinNumber: 1, MinSymbol: 1,
		ExcludeUsername: true, ExcludeAttributes: []string{"firstName", "lastName"}, ExcludeCommon: true}, fin.Complexity)
	assert.Equal(t, 10, fin.Age.HistoryCount)
	require.Len(t, fin.Rules, 1)
	assert.Equal(t, "ACTIVE", fin.Rules[0].Status)
	assert.Equal(t, "ALLOW", fin.Rules[0].PasswordChange)
	assert.Equal(t, "ACTIVE_DIRECTORY", ad.AuthProvider)
	assert.True(t, def.System)
	assert.Equal(t, oktatest.DefaultPolicyName, def.Name)
	assert.Equal(t, 8, def.Complexity.MinLength)
	assert.Equal(t, 5, def.Lockout.MaxAttempts)
	assert.Len(t, e.requests(http.MethodGet, "/api/v1/policies"), 1, "one list call")
	for _, p := range ps {
		assert.Len(t, e.requests(http.MethodGet, "/api/v1/policies/"+p.ID+"/rules"), 1, "then one call per policy for its rules")
	}
}

func TestPasswordPolicyForFollowsOkta(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	ps, err := e.c.ListPasswordPolicies(ctx)
	require.NoError(t, err)
	policyFor := func(login string) client.PasswordPolicy {
		t.Helper()
		u, err := e.c.GetUser(ctx, login)
		require.NoError(t, err)
		p, _, err := client.PasswordPolicyFor(ps, u, groupIDsOf(t, e, u.ID))
		require.NoError(t, err)
		return p
	}
	tests := []struct{ login, want string }{
		{"kate@example.com", oktatest.FinancePolicyName},
		{"alice@example.com", oktatest.DefaultPolicyName},
		{"judy@example.com", oktatest.DirectoryPolicyName},
		{"leo@example.com", oktatest.DirectoryPolicyName},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, policyFor(tt.login).Name, tt.login)
	}

	t.Run("what the client resolves is what Okta enforces", func(t *testing.T) {
		// Kate's Finance policy refuses 12 characters; Alice's default accepts them.
		_, err := e.c.ChangePassword(ctx, "kate@example.com", oktatest.DemoPassword, "Gr33n-Teapot", client.ChangePasswordOptions{})
		require.ErrorIs(t, err, client.ErrPasswordPolicy)
		var oe *client.Error
		require.True(t, errors.As(err, &oe))
		assert.Contains(t, oe.Causes[0], "at least 14 characters")
		_, err = e.c.ChangePassword(ctx, "alice@example.com", oktatest.DemoPassword, "Gr33n-Teapot", client.ChangePasswordOptions{})
		require.NoError(t, err)
	})
	t.Run("a rule that excludes the person, and an inactive policy", func(t *testing.T) {
		p, err := e.c.CreatePasswordPolicy(ctx, client.PasswordPolicy{Name: "Sales long", Priority: 1,
			GroupIDs: []string{e.srv.GroupID(oktatest.GroupSales)}, Complexity: client.PasswordComplexity{MinLength: 20}})
		require.NoError(t, err)
		ps, err := e.c.ListPasswordPolicies(ctx)
		require.NoError(t, err)
		mia, err := e.c.GetUser(ctx, "mia@example.com")
		require.NoError(t, err)
		got, _, err := client.PasswordPolicyFor(ps, mia, groupIDsOf(t, e, mia.ID))
		require.NoError(t, err)
		assert.Equal(t, oktatest.DefaultPolicyName, got.Name, "a policy without a rule is never applied")

		_, err = e.c.CreatePolicyRule(ctx, p.ID, client.PolicyRule{Name: "everyone but mia", ExcludeUserIDs: []string{mia.ID},
			PasswordChange: "ALLOW", SelfServicePasswordReset: "ALLOW", SelfServiceUnlock: "ALLOW"})
		require.NoError(t, err)
		ps, err = e.c.ListPasswordPolicies(ctx)
		require.NoError(t, err)
		got, _, err = client.PasswordPolicyFor(ps, mia, groupIDsOf(t, e, mia.ID))
		require.NoError(t, err)
		assert.Equal(t, oktatest.DefaultPolicyName, got.Name, "the only rule excludes mia")
		judyCarol, err := e.c.GetUser(ctx, "carol@example.com")
		require.NoError(t, err)
		got, rule, err := client.PasswordPolicyFor(ps, judyCarol, groupIDsOf(t, e, judyCarol.ID))
		require.NoError(t, err)
		assert.Equal(t, "Sales long", got.Name)
		assert.Equal(t, "everyone but mia", rule.Name)
		require.NoError(t, e.c.DeletePolicy(ctx, p.ID))
	})
	t.Run("no policies at all", func(t *testing.T) {
		_, _, err := client.PasswordPolicyFor(nil, client.User{ID: "00u1"}, nil)
		assert.ErrorIs(t, err, client.ErrNoPolicy)
	})
}

// TestPolicyResolutionAgreesWithMyAccount checks, on an Identity Engine org,
// that for every named demo person with a password the rules the client
// resolves from the Policies API are the ones Okta's MyAccount API reports for
// that person, before and after a policy changes through the API.
func TestPolicyResolutionAgreesWithMyAccount(t *testing.T) {
	e := newEmulator(t, emuConfig{identityEngine: true})
	ctx := t.Context()
	check := func(t *testing.T) {
		ps, err := e.c.ListPasswordPolicies(ctx)
		require.NoError(t, err)
		for _, su := range oktatest.DemoOrg().Users {
			login := su.Profile["login"].(string)
			tok, err := e.srv.MintTokens(login, "openid", "okta.myAccount.password.read")
			if err != nil {
				continue // people who cannot sign in have no token
			}
			mine, err := e.c.WithBearer(tok.AccessToken).GetMyPasswordComplexity(ctx)
			require.NoError(t, err, login)
			u, err := e.c.GetUser(ctx, login)
			require.NoError(t, err)
			p, _, err := client.PasswordPolicyFor(ps, u, groupIDsOf(t, e, u.ID))
			require.NoError(t, err)
			want := p.Complexity
			want.ExcludeCommon = false // MyAccount does not report the dictionary
			assert.Equal(t, want, mine.Complexity, login)
			assert.True(t, strings.HasPrefix(mine.Description, "Password requirements: at least "+fmt.Sprint(p.Complexity.MinLength)+" characters"), mine.Description)
		}
	}
	t.Run("the demo org", check)
	ps, err := e.c.ListPasswordPolicies(ctx)
	require.NoError(t, err)
	fin := ps[0]
	fin.Complexity.MinLength = 18
	_, err = e.c.ReplacePasswordPolicy(ctx, fin)
	require.NoError(t, err)
	t.Run("after the Finance policy changed", check)
	tok, err := e.srv.MintTokens("kate@example.com", "openid", "okta.myAccount.password.read")
	require.NoError(t, err)
	mine, err := e.c.WithBearer(tok.AccessToken).GetMyPasswordComplexity(ctx)
	require.NoError(t, err)
	assert.Equal(t, 18, mine.Complexity.MinLength)
}

func TestGetMyPasswordComplexity(t *testing.T) {
	t.Run("a Classic org has no MyAccount API", func(t *testing.T) {
		e := newEmulator(t, emuConfig{})
		tok, err := e.srv.MintTokens("alice@example.com", "openid", "okta.myAccount.password.read")
		require.NoError(t, err)
		_, err = e.c.WithBearer(tok.AccessToken).GetMyPasswordComplexity(t.Context())
		assert.ErrorIs(t, err, client.ErrFeatureDisabled)
		assert.ErrorIs(t, err, client.ErrUnauthorized)
	})
	t.Run("the versioned Accept header", func(t *testing.T) {
		e := newEmulator(t, emuConfig{identityEngine: true})
		rec := &recorder{base: http.DefaultTransport}
		c := e.newClient(t, client.WithHTTPClient(&http.Client{Transport: rec}))
		tok, err := e.srv.MintTokens("kate@example.com", "openid", "okta.myAccount.password.read")
		require.NoError(t, err)
		got, err := c.WithBearer(tok.AccessToken).GetMyPasswordComplexity(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 14, got.Complexity.MinLength)
		assert.Contains(t, got.Description, "any of your last 10 passwords")
		exs := rec.exchanges()
		require.Len(t, exs, 1)
		assert.Equal(t, "application/json; okta-version=1.0.0", exs[0].reqHdr.Get("Accept"))
	})
}

func TestProvidersThroughTheClient(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	ivan, err := e.c.GetUser(ctx, "ivan@example.com")
	require.NoError(t, err)
	assert.Equal(t, client.Provider{Type: client.ProviderFederation, Name: "FEDERATION"}, ivan.Credentials.Provider)
	assert.True(t, ivan.Credentials.Provider.Passwordless())
	assert.False(t, ivan.Credentials.HasPassword)
	judy, err := e.c.GetUser(ctx, "judy@example.com")
	require.NoError(t, err)
	assert.True(t, judy.Credentials.Provider.Directory())
	assert.Equal(t, oktatest.DemoDirectory, judy.Credentials.Provider.Name)

	created, err := e.c.CreateUser(ctx, client.NewUser{Profile: client.Profile{Login: "fed.client@example.org", Email: "fed.client@example.org",
		FirstName: "Fed", LastName: "Client"}, Provider: &client.Provider{Type: client.ProviderSocial, Name: "Google"}}, true)
	require.NoError(t, err)
	assert.Equal(t, client.StatusActive, created.Status)
	assert.Equal(t, client.Provider{Type: client.ProviderSocial, Name: "Google"}, created.Credentials.Provider)

	// Okta silently converts a federated person on reset: the caller must ask first.
	_, err = e.c.ResetPassword(ctx, ivan.ID, false)
	require.NoError(t, err)
	after, err := e.c.GetUser(ctx, ivan.ID)
	require.NoError(t, err)
	assert.Equal(t, client.ProviderOkta, after.Credentials.Provider.Type)
	assert.Equal(t, client.StatusRecovery, after.Status)
}

func TestTransitioningThroughTheClient(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	mia := e.srv.UserID("mia@example.com")
	require.NoError(t, ok(e.c.Deactivate(ctx, mia)))
	u, err := e.c.GetUser(ctx, mia)
	require.NoError(t, err)
	assert.True(t, u.Transitioning())
	assert.Equal(t, client.StatusDeprovisioned, u.TransitioningToStatus)
	assert.Equal(t, client.StatusActive, u.Status)
	assert.Empty(t, u.Links["deactivate"], "nothing is offered while the transition runs")

	err = ok(e.c.Deactivate(ctx, mia))
	assert.ErrorIs(t, err, client.ErrTransitioning)
	assert.NotErrorIs(t, err, client.ErrInvalidStatus)
	e.clock.Advance(5 * time.Second)
	u, err = e.c.GetUser(ctx, mia)
	require.NoError(t, err)
	assert.False(t, u.Transitioning())
	assert.Equal(t, client.StatusDeprovisioned, u.Status)
}

func TestSearchUsers(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	logins := func(p client.ListUsersParams) []string {
		t.Helper()
		page, err := e.c.ListUsers(ctx, p)
		require.NoError(t, err)
		var out []string
		for _, u := range page.Users {
			out = append(out, u.Profile.Login)
		}
		return out
	}
	assert.Equal(t, []string{"judy@example.com"}, logins(client.ListUsersParams{Search: "profile.login sw " + client.QuoteSearchValue("JU")}),
		"search finds a person by login prefix, whatever the case")
	assert.Empty(t, logins(client.ListUsersParams{Filter: "profile.login eq " + client.QuoteSearchValue("Judy@example.com")}),
		"filter values are case sensitive at Okta")
	assert.Equal(t, []string{"judy@example.com"}, logins(client.ListUsersParams{Filter: "profile.login eq " + client.QuoteSearchValue("judy@example.com")}))

	odd := `Mc"Quote\Back`
	_, err := e.c.CreateUser(ctx, client.NewUser{Profile: client.Profile{Login: "odd.name@example.org", Email: "odd.name@example.org",
		FirstName: "Odd", LastName: odd}}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"odd.name@example.org"}, logins(client.ListUsersParams{Search: "profile.lastName eq " + client.QuoteSearchValue(odd)}),
		"quotes and backslashes are escaped, not interpreted")

	sorted := logins(client.ListUsersParams{Search: `profile.department eq "Sales"`, SortBy: "profile.lastName"})
	desc := logins(client.ListUsersParams{Search: `profile.department eq "Sales"`, SortBy: "profile.lastName", SortDescending: true})
	require.NotEmpty(t, sorted)
	assert.Equal(t, sorted[0], desc[len(desc)-1], "descending reverses the order")
}

func TestQuoteSearchValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", `"alice"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"new\nline", `"newline"`},
		{"", `""`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, client.QuoteSearchValue(tt.in), tt.in)
	}
}

func TestLargeGroupListIsReadWhole(t *testing.T) {
	const groups = 1200 // about 1.5 MiB of Okta's group objects
	seed := &oktatest.Seed{Users: []oktatest.SeedUser{{Profile: map[string]any{"login": "many@example.org", "email": "many@example.org",
		"firstName": "Many", "lastName": "Groups"}, Password: emuPassword}}}
	for i := range groups {
		name := fmt.Sprintf("SG Directory Group %04d", i)
		seed.Groups = append(seed.Groups, oktatest.SeedGroup{Name: name, Type: oktatest.GroupApp,
			Description: "Imported from " + oktatest.DemoDirectory,
			Profile:     map[string]any{"dn": "CN=" + name + ",OU=Groups,DC=corp,DC=example,DC=com", "samAccountName": name}})
		seed.Users[0].Groups = append(seed.Users[0].Groups, name)
	}
	e := newEmulator(t, emuConfig{seed: seed})
	rec := &recorder{base: http.DefaultTransport}
	c := e.newClient(t, client.WithHTTPClient(&http.Client{Transport: rec}))
	got, err := c.ListUserGroups(t.Context(), e.srv.UserID("many@example.org"))
	require.NoError(t, err)
	assert.Len(t, got, groups+1, "every group and Everyone")
	exs := rec.exchanges()
	require.Len(t, exs, 1)
	assert.Greater(t, len(exs[0].body), 1<<20, "the answer is larger than the 1 MiB cap of other calls")
	_, err = c.GetUser(t.Context(), "many@example.org")
	require.NoError(t, err, "other calls keep working")
}

func TestConcurrencyLimitedThroughTheClient(t *testing.T) {
	clock := newFakeClock()
	srv := oktatest.NewServer(oktatest.Config{Now: clock.Now, Seed: smallDemoOrg(), ConcurrencyLimit: 1})
	t.Cleanup(srv.Close)
	e := &emulator{srv: srv, clock: clock}
	c := e.newClient(t)
	srv.Inject(oktatest.Fault{Path: "/api/v1/users/hal@example.com", Hang: true, Times: 1})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.GetUser(ctx, "hal@example.com") })
	require.Eventually(t, func() bool { return srv.InFlight() == 1 }, 5*time.Second, time.Millisecond)

	_, err := c.GetUser(t.Context(), "alice@example.com")
	assert.ErrorIs(t, err, client.ErrConcurrencyLimited)
	assert.ErrorIs(t, err, client.ErrRateLimited)
	var oe *client.Error
	require.True(t, errors.As(err, &oe))
	assert.Equal(t, 0, oe.RateLimit.Limit)
	assert.True(t, oe.RateLimit.Concurrency())

	cancel()
	wg.Wait()
	require.Eventually(t, func() bool { return srv.InFlight() == 0 }, 5*time.Second, time.Millisecond)
	_, err = c.GetUser(t.Context(), "alice@example.com")
	assert.NoError(t, err)
}

func TestExpireWithTempPasswordMeetsThePolicy(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	res, err := e.c.ExpirePasswordWithTempPassword(t.Context(), "kate@example.com")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(res.TempPassword), 14, "Finance's 14 characters")
	reqs := e.requests(http.MethodPost, "/api/v1/users/kate@example.com/lifecycle/expire_password_with_temp_password")
	require.Len(t, reqs, 1, "the current operation, not the legacy ?tempPassword=true")
}

func TestListPasswordPoliciesSkipsAPolicyDeletedMeanwhile(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	p, err := e.c.CreatePasswordPolicy(ctx, client.PasswordPolicy{Name: "Short-lived", GroupIDs: []string{e.srv.GroupID(oktatest.GroupSales)},
		Complexity: client.PasswordComplexity{MinLength: 10}})
	require.NoError(t, err)
	// The policy disappears after the list and before its rules are read.
	e.srv.Inject(oktatest.Fault{Path: "/api/v1/policies/" + p.ID + "/rules", Status: http.StatusNotFound, Times: 1})
	ps, err := e.c.ListPasswordPolicies(ctx)
	require.NoError(t, err)
	for _, got := range ps {
		assert.NotEqual(t, p.ID, got.ID)
	}
	assert.Len(t, ps, 3)
}

// TestConcurrencyLimitedGETIsRetriedAfterAShortBackoff: a concurrency 429's reset is only
// Okta's suggestion, so a GET is resent after a fraction of a second (the slot frees when
// another request ends), not after the reset; the bucket is not treated as spent; a mutation
// is never resent.
func TestConcurrencyLimitedGETIsRetriedAfterAShortBackoff(t *testing.T) {
	clock := newFakeClock()
	srv := oktatest.NewServer(oktatest.Config{Now: clock.Now, Seed: smallDemoOrg(), ConcurrencyLimit: 1})
	t.Cleanup(srv.Close)
	e := &emulator{srv: srv, clock: clock}
	hang := func() (release func()) {
		srv.Inject(oktatest.Fault{Path: "/api/v1/users/hal@example.com", Hang: true, Times: 1})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		hung := e.newClient(t)
		wg.Go(func() { _, _ = hung.GetUser(ctx, "hal@example.com") })
		require.Eventually(t, func() bool { return srv.InFlight() == 1 }, 5*time.Second, time.Millisecond)
		return func() {
			cancel()
			wg.Wait()
			require.Eventually(t, func() bool { return srv.InFlight() == 0 }, 5*time.Second, time.Millisecond)
		}
	}

	var waits []time.Duration
	var release func()
	sleep := func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		release() // the other request ends meanwhile, as it would at Okta
		return ctx.Err()
	}
	c, err := client.New(srv.URL(), srv.APIToken(), client.WithClock(clock.Now, sleep), client.WithBreaker(0, 0), client.WithBudgetGuard())
	require.NoError(t, err)

	release = hang()
	u, err := c.GetUser(t.Context(), "alice@example.com")
	require.NoError(t, err, "the GET was resent once a slot was free")
	assert.Equal(t, "alice@example.com", u.Profile.Login)
	require.Len(t, waits, 1)
	assert.LessOrEqual(t, waits[0], 300*time.Millisecond, "a short backoff, not the suggested reset")
	_, err = c.GetUser(t.Context(), "alice@example.com")
	require.NoError(t, err)
	assert.Len(t, waits, 1, "the budget guard did not take the 429 for a spent bucket")

	release = hang()
	_, err = c.Suspend(t.Context(), "alice@example.com")
	assert.ErrorIs(t, err, client.ErrConcurrencyLimited, "a mutation is not resent")
	assert.Len(t, waits, 1)
	release()
}
