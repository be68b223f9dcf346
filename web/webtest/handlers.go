package webtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
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
}

// NewHandlers assembles Gatehouse as New does, without starting a server or discovery.
func NewHandlers(t testing.TB, o Options) *Handlers {
	t.Helper()
	g := assemble(t, o, "https://gatehouse.example")
	return &Handlers{Okta: g.okta, App: g.app, now: g.cfg.Now}
}

// As returns r signed in as the person with that login, as the session middleware leaves a
// signed-in request: a real session in the app's store — Okta tokens the emulator mints as
// if the person had just signed in, their profile and roles as Okta has them — its cookie on
// r, and the Viewer in r's context.
func (h *Handlers) As(t testing.TB, r *http.Request, login string) *http.Request {
	t.Helper()
	ctx := t.Context()
	id := h.Okta.UserID(login)
	require.NotEmpty(t, id, "no person %s in the emulator", login)
	toks, err := h.Okta.MintTokens(login, "openid", "profile", "email", "offline_access", "okta.users.read.self", "okta.users.manage.self")
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
		Tokens: session.Tokens{Access: toks.AccessToken, Refresh: toks.RefreshToken, ID: toks.IDToken, Expiry: now.Add(time.Hour)},
	}
	w := httptest.NewRecorder()
	require.NoError(t, h.App.Sessions.Start(ctx, w, nil, rec))
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	signedIn, err := h.App.LoadSession(r)
	require.NoError(t, err)
	_, ok := handlers.ViewerFrom(signedIn.Context())
	require.True(t, ok, "the session of %s loads", login)
	return signedIn
}

// Call runs the handler f on r and returns what it wrote and the error it returned (which the
// error adaptor would have turned into a page).
func Call(f handlers.Func, r *http.Request) (*httptest.ResponseRecorder, error) {
	w := httptest.NewRecorder()
	err := f(w, r)
	return w, err
}
