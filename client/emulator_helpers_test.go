package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// The client × emulator tests run the real client against client/oktatest over
// loopback HTTP. The emulator runs on a fake clock shared with the client, and
// the client's retry sleep advances that clock instead of sleeping, so rate-limit
// windows pass instantly and nothing depends on the wall clock.

// emuPassword is the password every user made by addUser gets; it meets the
// emulator's default policy and contains no part of their names.
const emuPassword = "Tr1cky-Pa55-word"

// emuQuestion and emuAnswer are the recovery question and answer of addUser's users.
const (
	emuQuestion = "What was the name of your first pet?"
	emuAnswer   = "Biscuit the dog"
)

// emulator is one running emulator with a client pointed at it.
type emulator struct {
	srv   *oktatest.Server
	clock *fakeClock
	// c is an SSWS client with retries on the fake clock and no breaker, so one
	// test's failures cannot open the circuit for the next.
	c *client.Client
	// seq numbers the logins addUser makes.
	seq atomic.Int64
}

// emuConfig tunes newEmulator.
type emuConfig struct {
	seed           *oktatest.Seed // nil: the demo org without its 1,000 generated users
	identityEngine bool           // an Identity Engine org instead of a Classic one
}

// smallDemoOrg is the demo org without the generated users, for fast tests.
func smallDemoOrg() *oktatest.Seed {
	seed := oktatest.DemoOrg()
	seed.GeneratedUsers = 0
	return &seed
}

// newEmulator starts an emulator on a fake clock and a client for it.
func newEmulator(t *testing.T, ec emuConfig) *emulator {
	t.Helper()
	clock := newFakeClock()
	cfg := oktatest.Config{
		Now:  clock.Now,
		Seed: ec.seed,
		// Big tables make hundreds of calls within one minute of the fake clock.
		RateLimitPerMinute: 100_000,
		IdentityEngine:     ec.identityEngine,
	}
	if cfg.Seed == nil {
		cfg.Seed = smallDemoOrg()
	}
	srv := oktatest.NewServer(cfg)
	t.Cleanup(srv.Close)
	e := &emulator{srv: srv, clock: clock}
	e.c = e.newClient(t)
	return e
}

// newClient returns another SSWS client for the emulator, on its clock.
func (e *emulator) newClient(t *testing.T, opts ...client.Option) *client.Client {
	t.Helper()
	sleep := func(ctx context.Context, d time.Duration) error {
		e.clock.Advance(d)
		return ctx.Err()
	}
	all := append([]client.Option{client.WithClock(e.clock.Now, sleep), client.WithBreaker(0, 0)}, opts...)
	c, err := client.New(e.srv.URL(), e.srv.APIToken(), all...)
	require.NoError(t, err)
	return c
}

// addUser adds a fresh user in status with emuPassword and the recovery
// question (a PROVISIONED user gets no password, as Okta's never-activated
// users have none), and returns the id and login.
func (e *emulator) addUser(status string, groups ...string) (id, login string) {
	n := e.seq.Add(1)
	login = fmt.Sprintf("emu.person%d@example.org", n)
	su := oktatest.SeedUser{
		Status:  status,
		Profile: map[string]any{"login": login, "email": login, "firstName": "Emu", "lastName": fmt.Sprintf("Person%d", n)},
		Groups:  groups,
	}
	if status != oktatest.StatusProvisioned {
		su.Password = emuPassword
		su.RecoveryQuestion, su.RecoveryAnswer = emuQuestion, emuAnswer
	}
	return e.srv.AddUser(su), login
}

// requests returns the logged requests for path with method.
func (e *emulator) requests(method, path string) []oktatest.Request {
	var out []oktatest.Request
	for _, r := range e.srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// emailsTo returns the outbox entries addressed to login.
func (e *emulator) emailsTo(login string) []oktatest.Email {
	var out []oktatest.Email
	for _, m := range e.srv.Emails() {
		if strings.EqualFold(m.To, login) {
			out = append(out, m)
		}
	}
	return out
}

// wantErr is the exact *client.Error a call must fail with.
type wantErr struct {
	status int
	code   string
	// is lists the sentinels the error must match; every other sentinel of
	// allSentinels (errors_test.go) must not match.
	is []error
}

// assertOktaError checks that err is exactly the *client.Error w describes.
func assertOktaError(t *testing.T, w wantErr, err error) {
	t.Helper()
	require.Error(t, err)
	var oe *client.Error
	require.True(t, errors.As(err, &oe), "want a *client.Error, got %T: %v", err, err)
	assert.Equal(t, w.status, oe.StatusCode, "HTTP status")
	assert.Equal(t, w.code, oe.Code, "errorCode")
	assert.Equal(t, w.code, oe.Link, "errorLink repeats errorCode")
	assert.NotEmpty(t, oe.Summary, "errorSummary")
	assert.True(t, strings.HasPrefix(oe.ID, "oae"), "errorId %q", oe.ID)
	assert.NotEmpty(t, oe.RequestID, "X-Okta-Request-Id")
	want := map[error]bool{}
	for _, s := range w.is {
		want[s] = true
	}
	for name, s := range allSentinels {
		assert.Equal(t, want[s], errors.Is(err, s), "errors.Is(err, %s) for %v", name, err)
	}
}

// is builds the sentinel list of a wantErr.
func is(sentinels ...error) []error { return sentinels }

// forbiddenStatus, badRequestStatus and notFound are the errors of
// USERS-API.md §5.2 and §6, with the sentinels each must match.
func forbiddenStatus(code string) wantErr {
	return wantErr{status: http.StatusForbidden, code: code, is: is(client.ErrForbidden, client.ErrInvalidStatus)}
}

func badRequestStatus() wantErr {
	return wantErr{status: http.StatusBadRequest, code: "E0000001", is: is(client.ErrInvalid, client.ErrInvalidStatus)}
}

func notFound() wantErr {
	return wantErr{status: http.StatusNotFound, code: "E0000007", is: is(client.ErrNotFound)}
}

// browser drives the emulator's pages (sign-in, expired password, reset) the
// way a person's browser would: cookies kept, redirects not followed.
type browser struct {
	e  *emulator
	hc *http.Client
}

// pageResult is one page or redirect the browser got.
type pageResult struct {
	status   int
	location string
	doc      *goquery.Document
}

func newBrowser(t *testing.T, e *emulator) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(t *testing.T, req *http.Request) pageResult {
	t.Helper()
	res, err := b.hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	require.NoError(t, err)
	return pageResult{status: res.StatusCode, location: res.Header.Get("Location"), doc: doc}
}

func (b *browser) get(t *testing.T, rawURL string) pageResult {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	return b.do(t, req)
}

// submit fills the page's only POST form (hidden fields kept) and posts it.
func (b *browser) submit(t *testing.T, p pageResult, fields map[string]string) pageResult {
	t.Helper()
	form := p.doc.Find("form[method=post]")
	require.Equal(t, 1, form.Length(), "the page has one form: %s", p.doc.Text())
	action, _ := form.Attr("action")
	vals := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		v, _ := in.Attr("value")
		vals.Set(name, v)
	})
	for k, v := range fields {
		require.Equal(t, 1, form.Find(`input[name="`+k+`"]`).Length(), "the form has an input %q", k)
		vals.Set(k, v)
	}
	if strings.HasPrefix(action, "/") {
		action = b.e.srv.URL() + action
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, action, strings.NewReader(vals.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

// authorize starts the OIDC code flow at the emulator's org authorization server.
func (b *browser) authorize(t *testing.T) pageResult {
	t.Helper()
	q := url.Values{
		"client_id": {b.e.srv.ClientID()}, "redirect_uri": {"http://127.0.0.1:8080/auth/callback"},
		"response_type": {"code"}, "scope": {"openid"}, "state": {"st-" + t.Name()},
		"code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"},
	}
	return b.get(t, b.e.srv.URL()+"/oauth2/v1/authorize?"+q.Encode())
}

// signIn submits the sign-in form and returns what came back: a redirect
// with a code on success, a page otherwise.
func (b *browser) signIn(t *testing.T, username, password string) pageResult {
	t.Helper()
	p := b.authorize(t)
	require.Equal(t, http.StatusOK, p.status, "the sign-in page")
	return b.submit(t, p, map[string]string{"username": username, "password": password})
}

// signedIn reports whether p is the redirect back to the app with a code.
func signedIn(p pageResult) bool {
	u, err := url.Parse(p.location)
	return err == nil && (p.status == http.StatusFound || p.status == http.StatusSeeOther) && u.Query().Get("code") != ""
}
