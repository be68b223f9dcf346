// Package webtest runs Gatehouse in-process on the Okta emulator, for tests, in two sizes.
// New starts a whole Gatehouse behind an HTTP server, like net/http/httptest but with sign-in
// through the emulator's form: tests of journeys drive it over real HTTP with cookie-keeping
// clients. NewHandlers assembles the same Gatehouse without a server: handler-level tests call
// a handler directly, with a request As signs in (a real session, no browser, no OIDC). Both
// let tests inspect the emulator's request log to see which Okta calls were made.
package webtest

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/static"
	"gatehouse/web"
	"gatehouse/web/audit"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "Demo-Passw0rd-1"

// Options adjust the environment. The zero value runs the demo org with web.DefaultConfig,
// except: the real clock, no per-person cache (tests see Okta's answer on every page), a 20 ms
// floor on forgot-password answers, memory sessions and a discarded log.
type Options struct {
	// Okta is an emulator to share (two instances on one org); nil starts a new one.
	Okta       *oktatest.Server
	OktaConfig oktatest.Config // used when Okta is nil
	// Now is the clock of the portal (pass the same to OktaConfig.Now to move both).
	Now    func() time.Time
	Logger *slog.Logger
	// Configure may change the assembled configuration before the app is built.
	Configure func(*web.Config)
	// TLS serves Gatehouse over HTTPS (a test certificate), so cookies get the __Host- prefix
	// and the Secure flag as in production.
	TLS bool
	// Credential is how Gatehouse authenticates to Okta; the zero value takes
	// GATEHOUSE_TEST_OKTA_CREDENTIAL (api-token, service-app or service-app-dpop), else the
	// API token, so that the whole suite can be run in another mode.
	Credential Credential
	// ServiceScopes are the scopes the emulated Okta grants the service app; nil grants every
	// scope. Gatehouse still asks for its defaults.
	ServiceScopes []string
	// AuditStore is a trail to share (two instances on one database); nil opens a new SQLite
	// database in the test's temporary directory, as production opens one under
	// GATEHOUSE_DATA_DIR.
	AuditStore audit.Store
}

// AuditDB opens a fresh SQLite audit database in t's temporary directory and closes it when
// the test ends (after the apps that use it: cleanups run last-registered first).
func AuditDB(t testing.TB) *audit.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := audit.Open(ctx, t.TempDir(), "", audit.Options{})
	require.NoError(t, err, "open the audit database")
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// sharedAssets are the static files of every Gatehouse a test process starts: each instance
// would otherwise compress them again (brotli at its best quality: about a second of CPU each
// under the race detector), and they are the same embedded files for all.
var sharedAssets = sync.OnceValues(static.New)

// Env is one running Gatehouse and its Okta.
type Env struct {
	Okta   *oktatest.Server
	App    *web.App
	Server *httptest.Server
	URL    string
	tls    bool

	// Credential is the credential Gatehouse uses; ServiceClientID names its service app at
	// the emulator ("" with the API token).
	Credential      Credential
	ServiceClientID string
	assertions      *assertionLog
}

// New starts the environment and registers its cleanup.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	if o.TLS {
		publicURL = "https://" + srv.Listener.Addr().String()
	}
	g := assemble(t, o, publicURL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, g.app.Auth.Discover(ctx), "oidc discovery against the emulator")
	srv.Config.Handler = g.app.Server
	if o.TLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &Env{Okta: g.okta, App: g.app, Server: srv, URL: publicURL, tls: o.TLS, Credential: g.cred,
		ServiceClientID: g.cfg.ServiceClientID, assertions: g.assertions}
}

// gatehouse is an assembled instance and what assembling it decided.
type gatehouse struct {
	okta       *oktatest.Server
	app        *web.App
	cfg        web.Config
	cred       Credential
	assertions *assertionLog
}

// assemble builds a Gatehouse on the emulator (o.Okta, or a new one) from web.DefaultConfig and
// registers its cleanup.
func assemble(t testing.TB, o Options, publicURL string) gatehouse {
	t.Helper()
	okta := o.Okta
	if okta == nil {
		okta = oktatest.NewServer(o.OktaConfig)
		t.Cleanup(okta.Close)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg := web.DefaultConfig()
	cfg.OktaOrgURL, cfg.ClientID, cfg.ClientSecret = okta.URL(), okta.ClientID(), okta.ClientSecret()
	cfg.APIToken, cfg.PublicURL, cfg.SessionKeys = okta.APIToken(), publicURL, [][]byte{key}
	cfg.CacheTTL, cfg.ForgotMinDuration = 0, 20*time.Millisecond
	cfg.AuditStore = o.AuditStore
	if cfg.AuditStore == nil {
		cfg.AuditStore = AuditDB(t)
	}
	if o.Logger != nil {
		cfg.Logger = o.Logger
	}
	if o.Now != nil {
		cfg.Now = o.Now
	}
	cred := o.Credential.resolve(t)
	var assertions *assertionLog
	if cred.OAuth() {
		cfg.APIToken = ""
		cfg.ServiceClientID, cfg.PrivateKey = addServiceApp(t, okta, cred, o.ServiceScopes)
		assertions = &assertionLog{}
		// The service app dates its JWTs by Okta's clock, which is the emulator's.
		cfg.OktaNow = time.Now
		switch {
		case o.Okta == nil && o.OktaConfig.Now != nil:
			cfg.OktaNow = o.OktaConfig.Now
		case o.Okta != nil && o.Now != nil:
			cfg.OktaNow = o.Now // a shared emulator: assume it shares the portal's clock
		}
		hc := client.NewHTTPClient()
		hc.Transport = &assertionRecorder{next: hc.Transport, log: assertions}
		cfg.HTTPClient = hc
	}
	assets, err := sharedAssets()
	require.NoError(t, err, "static assets")
	cfg.Assets = assets
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	app, err := web.NewApp(cfg)
	require.NoError(t, err, "assemble gatehouse")
	t.Cleanup(func() { _ = app.Close() })
	return gatehouse{okta: okta, app: app, cfg: cfg, cred: cred, assertions: assertions}
}

// Client returns an HTTP client with its own cookie jar (one browser). It follows redirects
// between Gatehouse and the emulator like a browser does.
func (e *Env) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if e.tls {
		c.Transport = e.Server.Client().Transport
	}
	return c
}

// SignIn signs login in through the emulator's form in a fresh browser and returns it. The
// response must end on the dashboard.
func (e *Env) SignIn(t testing.TB, login, password string) *http.Client {
	t.Helper()
	c := e.Client()
	res := e.StartSignIn(t, c, "/login")
	res = SubmitSignIn(t, c, res, login, password)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "sign-in of %s should end on a page", login)
	require.Equal(t, e.URL+"/", res.Request.URL.String(), "sign-in of %s should land on the dashboard", login)
	return c
}

// SignInAs signs in a demo account with the demo password.
func (e *Env) SignInAs(t testing.TB, login string) *http.Client {
	t.Helper()
	return e.SignIn(t, login, DemoPassword)
}

// StartSignIn GETs path (usually /login) and returns the emulator's sign-in page it led to.
func (e *Env) StartSignIn(t testing.TB, c *http.Client, path string) *http.Response {
	t.Helper()
	res, err := c.Get(e.URL + path)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "the sign-in page should load")
	require.True(t, strings.HasPrefix(res.Request.URL.String(), e.Okta.URL()), "GET %s should lead to the emulator, got %s", path, res.Request.URL)
	return res
}

// SubmitSignIn fills the emulator's sign-in form in page (username, password and its hidden
// fields) and submits it, following redirects.
func SubmitSignIn(t testing.TB, c *http.Client, page *http.Response, login, password string) *http.Response {
	t.Helper()
	defer page.Body.Close()
	doc, err := goquery.NewDocumentFromReader(page.Body)
	require.NoError(t, err)
	form := doc.Find("form").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Find("input[name=username]").Length() > 0
	}).First()
	require.Equal(t, 1, form.Length(), "the emulator page should have a sign-in form")
	return SubmitForm(t, c, page.Request.URL, form, map[string]string{"username": login, "password": password})
}

// SubmitForm posts an HTML form: its hidden and pre-filled fields plus values.
func SubmitForm(t testing.TB, c *http.Client, base *url.URL, form *goquery.Selection, values map[string]string) *http.Response {
	t.Helper()
	action, _ := form.Attr("action")
	target, err := base.Parse(action)
	require.NoError(t, err)
	data := url.Values{}
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, ok := in.Attr("name")
		if !ok {
			return
		}
		if typ, _ := in.Attr("type"); typ == "checkbox" || typ == "radio" {
			if _, checked := in.Attr("checked"); !checked {
				return
			}
		}
		v, _ := in.Attr("value")
		data.Set(name, v)
	})
	for k, v := range values {
		data.Set(k, v)
	}
	method, _ := form.Attr("method")
	var res *http.Response
	if strings.EqualFold(method, "get") {
		target.RawQuery = data.Encode()
		res, err = c.Get(target.String())
	} else {
		res, err = c.PostForm(target.String(), data)
	}
	require.NoError(t, err)
	return res
}

// Page fetches path with c and parses the HTML.
func (e *Env) Page(t testing.TB, c *http.Client, path string) (*http.Response, *goquery.Document) {
	t.Helper()
	res, err := c.Get(e.URL + path)
	require.NoError(t, err)
	return res, Parse(t, res)
}

// Parse reads and parses a response body as HTML.
func Parse(t testing.TB, res *http.Response) *goquery.Document {
	t.Helper()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	require.NoError(t, err)
	return doc
}

// Do sends a request with c, optionally as htmx (HX-Request) with extra headers.
func (e *Env) Do(t testing.TB, c *http.Client, method, path string, form url.Values, headers map[string]string) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	return res
}

// NoRedirects returns a copy of c that stops at the first redirect (to inspect it).
func NoRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// HTMX are the headers htmx sends for a non-boosted request targeting target.
func HTMX(target string) map[string]string {
	h := map[string]string{"HX-Request": "true"}
	if target != "" {
		h["HX-Target"] = target
	}
	return h
}

// Clock is a settable clock for tests that move time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at the current time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
