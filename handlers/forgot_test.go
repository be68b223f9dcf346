package handlers_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// forgotEnv is a Gatehouse whose forgot-password requests can come from many client addresses
// (through a trusted proxy), so the per-client limit does not get in the way of measuring.
func forgotEnv(t *testing.T, o webtest.Options) *webtest.Env {
	t.Helper()
	configure := o.Configure
	o.Configure = func(c *web.Config) {
		c.ForgotMinDuration = 0
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		if configure != nil {
			configure(c)
		}
	}
	return webtest.New(t, o)
}

// askForgot posts the form as client number n (a distinct X-Forwarded-For) and reports the
// status and how long the answer took.
func askForgot(t *testing.T, env *webtest.Env, n int, identifier string) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	res := env.Do(t, env.Client(), http.MethodPost, "/forgot-password", url.Values{"identifier": {identifier}},
		map[string]string{"X-Forwarded-For": "198.51.100." + strconv.Itoa(n)})
	took := time.Since(start)
	res.Body.Close()
	return res.StatusCode, took
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestSec51_Finding3_ForgotPasswordTiming is finding 3 of issue 12: with 500 ms per Okta call,
// existing accounts answered in ~1 s and missing ones in ~0.8 s. Now the answer does not wait
// for Okta at all: existing, missing and suspended accounts answer within 50 ms of each other
// (medians of several runs, robust on a loaded machine) and well under one Okta call, and the
// email still goes out, afterwards.
func TestSec51_Finding3_ForgotPasswordTiming(t *testing.T) {
	env := forgotEnv(t, webtest.Options{})
	const runs = 5
	kinds := map[string][]string{}
	for i := range runs {
		_, login := adminTestPerson(t, env.Okta, oktatest.StatusActive) // with a recovery question: may reset
		kinds["existing"] = append(kinds["existing"], login)
		_, login = adminTestPerson(t, env.Okta, oktatest.StatusSuspended)
		kinds["suspended"] = append(kinds["suspended"], login)
		kinds["missing"] = append(kinds["missing"], "nobody"+strconv.Itoa(i)+"."+uniq()+"@example.com")
	}
	env.Okta.SetLatency("", 500*time.Millisecond)

	took := map[string][]time.Duration{}
	n := 0
	for i := range runs {
		for _, kind := range []string{"existing", "missing", "suspended"} { // interleaved: same load for each
			n++
			status, d := askForgot(t, env, n, kinds[kind][i])
			require.Equal(t, http.StatusOK, status)
			took[kind] = append(took[kind], d)
		}
	}
	m := map[string]time.Duration{}
	for kind, ds := range took {
		m[kind] = median(ds)
		t.Logf("%s: median %v of %v", kind, m[kind], ds)
		assert.Less(t, m[kind], 250*time.Millisecond, "%s: the answer does not wait for a 500 ms Okta call", kind)
	}
	for _, pair := range [][2]string{{"existing", "missing"}, {"existing", "suspended"}, {"missing", "suspended"}} {
		diff := (m[pair[0]] - m[pair[1]]).Abs()
		assert.Less(t, diff, 50*time.Millisecond, "%s vs %s", pair[0], pair[1])
	}

	// The work happens after the answer: each existing account gets its email, nobody else.
	require.Eventually(t, func() bool { return len(resetEmails(env)) == runs }, 20*time.Second, 20*time.Millisecond)
	env.App.Forgot.Close()
	var to []string
	for _, e := range resetEmails(env) {
		to = append(to, e.To)
	}
	assert.ElementsMatch(t, kinds["existing"], to)
}

// TestSec47_Finding7_ForgotLimitShortWindow is finding 7 of issue 12: three anonymous requests
// for a person's identifier blocked their own reset for an hour. The per-person limit still
// throttles the emails, but over 15 minutes.
func TestSec47_Finding7_ForgotLimitShortWindow(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := forgotEnv(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}})
	for i := range 3 { // a stranger, from three addresses
		status, _ := askForgot(t, env, i+1, "alice@example.com")
		require.Equal(t, http.StatusOK, status)
	}
	res := env.Do(t, env.Client(), http.MethodPost, "/forgot-password", url.Values{"identifier": {"Alice@Example.com"}},
		map[string]string{"X-Forwarded-For": "203.0.113.9"})
	res.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "the emails to alice are throttled")
	retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.LessOrEqual(t, retry, 15*60, "for at most 15 minutes")

	clock.Advance(15 * time.Minute)
	status, _ := askForgot(t, env, 10, "alice@example.com")
	assert.Equal(t, http.StatusOK, status, "alice can ask for her own reset again")
}

// TestForgotPasswordFollowsOktasRecoveryRules: Gatehouse finds the person whatever the case of
// what they typed (search=, not the case-sensitive filter=) and leaves it to Okta to decide who
// may recover: on a Classic org a person without a recovery question gets no email, on an
// Identity Engine org the same person recovers by email.
func TestForgotPasswordFollowsOktasRecoveryRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ie         bool
		identifier string
		wantEmail  string // "" when Okta refuses to send one
	}{
		{name: "a login typed in another case is found", identifier: "Alice@Example.COM", wantEmail: "alice@example.com"},
		{name: "classic org: no recovery question, Okta sends nothing", identifier: "nina@example.com"},
		{name: "identity engine org: no recovery question, the email is sent", ie: true, identifier: "Nina@example.com", wantEmail: "nina@example.com"},
		{name: "identity engine org: a federated person, Okta refuses", ie: true, identifier: "ivan@example.com"},
	}
	// One org of each kind, shared by its cases (a demo org is a thousand people to build).
	envs := map[bool]*webtest.Env{}
	for _, ie := range []bool{false, true} {
		envs[ie] = forgotEnv(t, webtest.Options{OktaConfig: oktatest.Config{IdentityEngine: ie}})
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := envs[tt.ie]
			before := len(resetEmails(env))
			asked := func() int {
				return env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasSuffix(r.Path, "/forgot_password") })
			}
			askedBefore := asked()
			status, _ := askForgot(t, env, i+1, tt.identifier)
			require.Equal(t, http.StatusOK, status)
			var to []string
			// The queue works after the answer: wait for the request to be processed (Okta's
			// answer, email or refusal, is in its request log), then look at the emails.
			require.Eventually(t, func() bool { return asked() > askedBefore }, 10*time.Second, 10*time.Millisecond)
			for _, e := range resetEmails(env)[before:] {
				to = append(to, e.To)
			}
			if tt.wantEmail == "" {
				assert.Empty(t, to)
				return
			}
			assert.Equal(t, []string{tt.wantEmail}, to)
		})
	}
}
