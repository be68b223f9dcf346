package oktatest_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

const demoPassword = oktatest.DemoPassword

// fakeClock is an injectable clock for expiries.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 10, 12, 0, 30, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newServer starts an emulator with the demo org and a fake clock.
func newServer(t *testing.T, cfg oktatest.Config) (*oktatest.Server, *fakeClock) {
	t.Helper()
	clock := newClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	s := oktatest.NewServer(cfg)
	t.Cleanup(s.Close)
	return s, clock
}

// smallSeed is a demo org without the generated users, for fast tests.
func smallSeed() *oktatest.Seed {
	seed := oktatest.DemoOrg()
	seed.GeneratedUsers = 0
	return &seed
}

// resp is a decoded HTTP response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

func (r resp) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// oktaErr is Okta's error object, decoded independently of the emulator.
type oktaErr struct {
	ErrorCode    string `json:"errorCode"`
	ErrorSummary string `json:"errorSummary"`
	ErrorLink    string `json:"errorLink"`
	ErrorID      string `json:"errorId"`
	ErrorCauses  []struct {
		ErrorSummary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

func (r resp) oktaError(t *testing.T) oktaErr {
	t.Helper()
	var e oktaErr
	r.json(t, &e)
	return e
}

func (e oktaErr) causes() []string {
	var out []string
	for _, c := range e.ErrorCauses {
		out = append(out, c.ErrorSummary)
	}
	return out
}

// call sends one request; auth is a full Authorization header value or "".
func call(t *testing.T, s *oktatest.Server, method, path, auth string, body any) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func ssws(s *oktatest.Server) string { return "SSWS " + s.APIToken() }

func bearer(tok string) string { return "Bearer " + tok }

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	hc *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(t *testing.T, rawURL string) resp {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	return b.do(t, req)
}

func (b *browser) post(t *testing.T, rawURL string, form url.Values) resp {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

func (b *browser) do(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := b.hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func (r resp) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(r.body))
	require.NoError(t, err)
	return d
}

// submitForm fills the page's only form (hidden fields kept) and posts it.
func (b *browser) submitForm(t *testing.T, s *oktatest.Server, page resp, fields map[string]string) resp {
	t.Helper()
	d := page.doc(t)
	form := d.Find("form[method=post]")
	require.Equal(t, 1, form.Length(), "the page has one POST form: %s", page.body)
	action, ok := form.Attr("action")
	require.True(t, ok)
	vals := url.Values{}
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		if typ, _ := in.Attr("type"); typ == "hidden" {
			v, _ := in.Attr("value")
			vals.Set(name, v)
		}
	})
	for k, v := range fields {
		require.Equal(t, 1, form.Find(`input[name="`+k+`"]`).Length(), "form has an input named %q", k)
		vals.Set(k, v)
	}
	target := action
	if strings.HasPrefix(action, "/") {
		target = s.URL() + action
	}
	return b.post(t, target, vals)
}

// authRequest is one authorization request with its PKCE verifier.
type authRequest struct {
	verifier, state, nonce, redirectURI string
	params                              url.Values
}

const testRedirect = "http://127.0.0.1:8080/auth/callback"

func newAuthRequest(s *oktatest.Server, scope string) *authRequest {
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	a := &authRequest{verifier: verifier, state: rand.Text(), nonce: rand.Text(), redirectURI: testRedirect}
	a.params = url.Values{
		"client_id":             {s.ClientID()},
		"response_type":         {"code"},
		"scope":                 {scope},
		"redirect_uri":          {a.redirectURI},
		"state":                 {a.state},
		"nonce":                 {a.nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	return a
}

func (a *authRequest) url(s *oktatest.Server) string {
	return s.URL() + "/oauth2/v1/authorize?" + a.params.Encode()
}

const fullScope = "openid profile email offline_access okta.users.read.self okta.users.manage.self"

// callbackParams parses a redirect to the client's callback.
func callbackParams(t *testing.T, r resp) url.Values {
	t.Helper()
	require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, r.status, "expected a redirect, got %d: %s", r.status, r.body)
	loc, err := url.Parse(r.header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, testRedirect, loc.Scheme+"://"+loc.Host+loc.Path)
	return loc.Query()
}

// signIn drives authorize → sign-in form → callback and returns the code.
func signIn(t *testing.T, s *oktatest.Server, b *browser, a *authRequest, username, password string) string {
	t.Helper()
	page := b.get(t, a.url(s))
	require.Equal(t, http.StatusOK, page.status, "sign-in page: %s", page.body)
	cb := callbackParams(t, b.submitForm(t, s, page, map[string]string{"username": username, "password": password}))
	require.Equal(t, a.state, cb.Get("state"))
	require.NotEmpty(t, cb.Get("code"))
	return cb.Get("code")
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
}

// tokenCall posts to the token endpoint with client_secret_basic.
func tokenCall(t *testing.T, s *oktatest.Server, form url.Values) resp {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/oauth2/v1/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.ClientID()), url.QueryEscape(s.ClientSecret()))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func exchange(t *testing.T, s *oktatest.Server, a *authRequest, code string) tokens {
	t.Helper()
	r := tokenCall(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}})
	require.Equal(t, http.StatusOK, r.status, "token: %s", r.body)
	var tk tokens
	r.json(t, &tk)
	return tk
}

// login signs a user in and returns their tokens.
func login(t *testing.T, s *oktatest.Server, username, scope string) tokens {
	t.Helper()
	a := newAuthRequest(s, scope)
	b := newBrowser(t)
	return exchange(t, s, a, signIn(t, s, b, a, username, demoPassword))
}

// verifyJWT checks a token's RS256 signature against the server's JWKS and
// returns its claims.
func verifyJWT(t *testing.T, s *oktatest.Server, token string) (map[string]any, error) {
	t.Helper()
	r := call(t, s, http.MethodGet, "/oauth2/v1/keys", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	var set jose.JSONWebKeySet
	r.json(t, &set)
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) == 0 {
		return nil, errNoKey
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	return claims, nil
}

type testError string

func (e testError) Error() string { return string(e) }

const errNoKey = testError("no key with that kid")
