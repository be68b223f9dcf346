package webtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web"
	"gatehouse/web/session"
)

// Handlers is a Gatehouse assembled on the emulator without an HTTP server, for handler-level
// tests: they build a request, sign it in with As and call a handler method on App.Self,
// App.Admin, App.Auth or App.Forgot directly, then look at the recorder and at the error the
// handler returned. The route table's middleware does not run (access rules, step-up, rate
// limits and CSRF have their own tests through the server); everything below the handler is
// real: the Okta client against the emulator, the session store, the audit trail.
type Handlers struct {
	Okta *oktatest.Server
	App  *web.App
	now  func() time.Time

	mu       sync.Mutex
	sessions map[string]*http.Cookie // by login: As signs each person in once
}

// NewHandlers assembles Gatehouse as New does, without starting a server or discovery.
func NewHandlers(t testing.TB, o Options) *Handlers {
	t.Helper()
	g := assemble(t, o, "https://gatehouse.example")
	return &Handlers{Okta: g.okta, App: g.app, now: g.cfg.Now, sessions: map[string]*http.Cookie{}}
}

// As returns r signed in as the person with that login, as the session middleware leaves a
// signed-in request: a real session in the app's store — Okta tokens the emulator mints as
// if the person had just signed in, their profile and roles as Okta has them — its cookie on
// r, and the Viewer in r's context. A person keeps their session from one call to the next,
// until it ends (signed out, rotated away, ended by an admin): then As signs them in anew.
func (h *Handlers) As(t testing.TB, r *http.Request, login string) *http.Request {
	t.Helper()
	h.mu.Lock()
	c := h.sessions[login]
	h.mu.Unlock()
	if c != nil {
		signedIn, err := h.App.LoadSession(withCookie(r, c))
		require.NoError(t, err)
		if _, ok := handlers.ViewerFrom(signedIn.Context()); ok {
			return signedIn
		}
	}
	c = h.signIn(t, login)
	h.mu.Lock()
	h.sessions[login] = c
	h.mu.Unlock()
	signedIn, err := h.App.LoadSession(withCookie(r, c))
	require.NoError(t, err)
	_, ok := handlers.ViewerFrom(signedIn.Context())
	require.True(t, ok, "the session of %s loads", login)
	return signedIn
}

// withCookie returns r carrying c (and no other cookie of its name).
func withCookie(r *http.Request, c *http.Cookie) *http.Request {
	r = r.Clone(r.Context())
	var keep []string
	for _, old := range r.Cookies() {
		if old.Name != c.Name {
			keep = append(keep, old.String())
		}
	}
	r.Header.Del("Cookie")
	for _, k := range keep {
		r.Header.Add("Cookie", k)
	}
	r.AddCookie(c)
	return r
}

// signIn starts a session for login and returns its cookie.
func (h *Handlers) signIn(t testing.TB, login string) *http.Cookie {
	t.Helper()
	ctx := t.Context()
	id := h.Okta.UserID(login)
	require.NotEmpty(t, id, "no person %s in the emulator", login)
	// The scopes a real sign-in gets from the emulator, whose discovery lists the MyAccount
	// scope Gatehouse asks for when offered (AuthOptions.OptionalScopes).
	toks, err := h.Okta.MintTokens(login, "openid", "profile", "email", "offline_access", "okta.users.read.self", "okta.users.manage.self",
		"okta.myAccount.password.read")
	require.NoError(t, err)
	u, err := h.App.Okta.GetUser(ctx, id)
	require.NoError(t, err)
	roles, err := h.App.Auth.Roles(ctx, id)
	require.NoError(t, err)
	now := h.now()
	name := u.Profile.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.Profile.FirstName + " " + u.Profile.LastName)
	}
	rec := &session.Record{
		UserID: id, Issuer: h.Okta.Issuer(), Login: u.Profile.Login, Name: name, Email: u.Profile.Email,
		Roles: roles, RolesCheckedAt: now, AuthTime: now,
		PreferredLanguage: u.Profile.PreferredLanguage, Locale: u.Profile.Locale, Timezone: u.Profile.Timezone,
		Tokens: session.Tokens{Access: toks.AccessToken, Refresh: toks.RefreshToken, ID: toks.IDToken, Expiry: now.Add(time.Hour)},
	}
	w := httptest.NewRecorder()
	require.NoError(t, h.App.Sessions.Start(ctx, w, nil, rec))
	for _, c := range w.Result().Cookies() {
		if c.Name == h.App.Sessions.CookieName() {
			return c
		}
	}
	require.FailNow(t, "no session cookie")
	return nil
}

// Call runs the handler f on r and returns what it wrote and the error it returned (which the
// error adaptor would have turned into a page).
func Call(f handlers.Func, r *http.Request) (*httptest.ResponseRecorder, error) {
	w := httptest.NewRecorder()
	err := f(w, r)
	return w, err
}

// Request builds a request for a handler called directly: the route's path values set as the
// mux would set them (pathValues are name, value pairs), a form body for a POST, and headers
// (HTMX(…) for an htmx request).
func Request(method, target string, form url.Values, headers map[string]string, pathValues ...string) *http.Request {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	for i := 0; i+1 < len(pathValues); i += 2 {
		r.SetPathValue(pathValues[i], pathValues[i+1])
	}
	return r
}
