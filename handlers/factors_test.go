package handlers_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"rsc.io/qr"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// totp computes the RFC 6238 code of a base32 key (spaces allowed, as the page shows it) at t:
// HMAC-SHA1 over the 30-second step, dynamic truncation (RFC 4226 §5.3), six digits. The test
// computes it itself, as an authenticator app would, from what the page shows.
func totp(t *testing.T, key string, at time.Time) string {
	t.Helper()
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.ReplaceAll(key, " ", "")))
	require.NoError(t, err, "the key on the page is base32")
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

func TestTOTPVectors(t *testing.T) {
	t.Parallel()
	// RFC 6238 Appendix B, SHA-1, key "12345678901234567890" (8 digits there; the last six here).
	key := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, tt := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		assert.Equal(t, tt.want, totp(t, key, time.Unix(tt.unix, 0)))
	}
}

// factorsOf returns the emulator's factors of a person by type.
func factorsOf(h *webtest.Handlers, login, typ string) []oktatest.FactorInfo {
	var out []oktatest.FactorInfo
	for _, f := range h.Okta.Factors(h.Okta.UserID(login)) {
		if f.Type == typ {
			out = append(out, f)
		}
	}
	return out
}

// TestAuthenticatorSetup is handler-level: alice sets up an authenticator app by reading the
// key from the page and answering with a code computed from it; a wrong code is refused in
// words and keeps the setup; the factor is then ACTIVE in the emulator; a second app is not
// enrolled; everything is audited.
func TestAuthenticatorSetup(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	self := h.App.Self
	call := func(t *testing.T, f func(http.ResponseWriter, *http.Request) error, method, path string, form url.Values) (int, string, string) {
		w, err := webtest.Call(f, h.As(t, webtest.Request(method, path, form, nil), "alice@example.com"))
		require.NoError(t, err)
		return w.Code, w.Header().Get("Location"), w.Body.String()
	}

	status, loc, _ := call(t, self.StartAuthenticator, http.MethodPost, "/security/authenticator", url.Values{})
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/security/authenticator", loc)
	pending := factorsOf(h, "alice@example.com", "token:software:totp")
	require.Len(t, pending, 1)
	assert.Equal(t, "PENDING_ACTIVATION", pending[0].Status)

	status, _, body := call(t, self.AuthenticatorSetup, http.MethodGet, "/security/authenticator", nil)
	require.Equal(t, http.StatusOK, status)
	doc := parseHTML(t, body)
	key := strings.TrimSpace(doc.Find("[data-testid=totp-secret]").Text())
	require.NotEmpty(t, key)
	assert.Regexp(t, `^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$`, key, "grouped in fours")
	assert.Equal(t, "/security/authenticator/qr.png", doc.Find("img[data-testid=totp-qr]").AttrOr("src", ""), "drawn by Gatehouse, the key in no URL")
	qrw, err := webtest.Call(self.AuthenticatorQR, h.As(t, webtest.Request(http.MethodGet, "/security/authenticator/qr.png", nil, nil), "alice@example.com"))
	require.NoError(t, err)
	assert.Equal(t, "image/png", qrw.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", qrw.Header().Get("Cache-Control"), "the QR code holds the key: never cached")
	_, err = png.Decode(bytes.NewReader(qrw.Body.Bytes()))
	require.NoError(t, err, "a real PNG")
	uri := client.TOTPActivation{SharedSecret: strings.ReplaceAll(key, " ", ""), TimeStep: 30 * time.Second}.KeyURI("Gatehouse", "alice@example.com")
	want, err := qr.Encode(uri, qr.M)
	require.NoError(t, err)
	want.Scale = 4
	assert.Equal(t, want.PNG(), qrw.Body.Bytes(), "the QR code is the otpauth:// URI of the key on the page")

	t.Run("resuming does not enrol a second one", func(t *testing.T) {
		status, loc, _ := call(t, self.StartAuthenticator, http.MethodPost, "/security/authenticator", url.Values{})
		assert.Equal(t, http.StatusSeeOther, status)
		assert.Equal(t, "/security/authenticator", loc)
		again := factorsOf(h, "alice@example.com", "token:software:totp")
		require.Len(t, again, 1)
		assert.Equal(t, pending[0].ID, again[0].ID)
	})

	t.Run("a malformed code never reaches Okta", func(t *testing.T) {
		h.Okta.ResetRequests()
		status, _, body := call(t, self.ActivateAuthenticator, http.MethodPost, "/security/authenticator/activate", url.Values{"code": {"12ab"}})
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.Contains(t, parseHTML(t, body).Find("[data-testid=error-code]").Text(), "six-digit code")
		assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return strings.Contains(r.Path, "/lifecycle/activate") }))
	})

	t.Run("a wrong code is refused and the setup stays", func(t *testing.T) {
		wrong := totp(t, key, time.Now().Add(-time.Hour))
		status, _, body := call(t, self.ActivateAuthenticator, http.MethodPost, "/security/authenticator/activate", url.Values{"code": {wrong}})
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		doc := parseHTML(t, body)
		assert.Contains(t, doc.Find("[data-testid=error-code]").Text(), "That code is not right")
		assert.Equal(t, key, strings.TrimSpace(doc.Find("[data-testid=totp-secret]").Text()), "the same key, still on the page")
		assert.Equal(t, "PENDING_ACTIVATION", factorsOf(h, "alice@example.com", "token:software:totp")[0].Status)
	})

	t.Run("the right code activates it", func(t *testing.T) {
		code := totp(t, key, time.Now())
		status, loc, _ := call(t, self.ActivateAuthenticator, http.MethodPost, "/security/authenticator/activate", url.Values{"code": {code[:3] + " " + code[3:]}})
		assert.Equal(t, http.StatusSeeOther, status)
		assert.Equal(t, "/security", loc)
		f := factorsOf(h, "alice@example.com", "token:software:totp")
		require.Len(t, f, 1)
		assert.Equal(t, "ACTIVE", f[0].Status)
	})

	t.Run("a second app is not enrolled", func(t *testing.T) {
		status, loc, _ := call(t, self.StartAuthenticator, http.MethodPost, "/security/authenticator", url.Values{})
		assert.Equal(t, http.StatusSeeOther, status)
		assert.Equal(t, "/security", loc)
		assert.Len(t, factorsOf(h, "alice@example.com", "token:software:totp"), 1)
	})

	t.Run("the list shows it in words", func(t *testing.T) {
		status, _, body := call(t, self.Security, http.MethodGet, "/security", nil)
		require.Equal(t, http.StatusOK, status)
		list := parseHTML(t, body).Find("[data-testid=factor-list]").Text()
		assert.Contains(t, list, "Authenticator app")
		assert.Contains(t, list, "Okta Verify")
		assert.Contains(t, list, "Alice's iPhone")
		assert.Contains(t, list, "Active")
		assert.NotContains(t, body, strings.ReplaceAll(key, " ", ""), "the key is never shown again")
	})

	entries, err := h.App.Audit.Recent(t.Context(), audit.Filter{Target: h.Okta.UserID("alice@example.com")})
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+"/"+e.Result)
		assert.NotContains(t, e.Detail, strings.ReplaceAll(key, " ", ""), "the key is never audited")
	}
	assert.Contains(t, actions, "self.enroll-factor/success")
	assert.Contains(t, actions, "self.activate-factor/failure")
	assert.Contains(t, actions, "self.activate-factor/success")
}

// TestAuthenticatorRestart: erin's unfinished setup is resumed, and "start again" replaces it
// (never two pending).
func TestAuthenticatorRestart(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	before := factorsOf(h, "erin@example.com", "token:software:totp")
	require.Len(t, before, 1)
	require.Equal(t, "PENDING_ACTIVATION", before[0].Status)

	w, err := webtest.Call(h.App.Self.StartAuthenticator, h.As(t, webtest.Request(http.MethodPost, "/security/authenticator", url.Values{"restart": {"1"}}, nil), "erin@example.com"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusSeeOther, w.Code)
	after := factorsOf(h, "erin@example.com", "token:software:totp")
	require.Len(t, after, 1, "never two pending")
	assert.NotEqual(t, before[0].ID, after[0].ID)
	assert.NotEqual(t, before[0].Secret, after[0].Secret, "a new key")
}

// TestRemoveFactor is handler-level: a method is removed; the last active one is refused in
// words and stays; another person's factor id is not found.
func TestRemoveFactor(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	ada := h.Okta.UserID("ada@example.com")
	remove := func(t *testing.T, login, id string) (int, error) {
		r := h.As(t, webtest.Request(http.MethodPost, "/security/factors/"+id+"/remove", url.Values{}, nil, "id", id), login)
		w, err := webtest.Call(h.App.Self.RemoveFactor, r)
		return w.Code, err
	}
	app := factorsOf(h, "ada@example.com", "token:software:totp")
	push := factorsOf(h, "ada@example.com", "push")
	require.Len(t, app, 1)
	require.Len(t, push, 1)

	_, err := remove(t, "alice@example.com", app[0].ID)
	assert.Equal(t, http.StatusNotFound, statusOf(err), "only the person's own factors")
	_, err = remove(t, "ada@example.com", "../../users")
	assert.Equal(t, http.StatusNotFound, statusOf(err))

	status, err := remove(t, "ada@example.com", app[0].ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Empty(t, factorsOf(h, "ada@example.com", "token:software:totp"))

	_, err = remove(t, "ada@example.com", push[0].ID)
	assert.Equal(t, http.StatusConflict, statusOf(err), "never the last active method")
	assert.Contains(t, handlers.Classify(err).Msg, "Your only method")
	assert.Len(t, h.Okta.Factors(ada), 1)
}

// TestSecurityJourney is over real HTTP: alice, signed in on two browsers, sets up an
// authenticator app on one; after a quarter of an hour, removing it sends her to sign in
// again first, and then works; neither change ends her other session; the key appears in no
// log, and every page that shows it is not cached.
func TestSecurityJourney(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	var logs webtest.LogBuffer
	env := webtest.New(t, webtest.Options{Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now}, Logger: logs.Logger()})
	alice := env.SignInAs(t, "alice@example.com")
	other := env.SignInAs(t, "alice@example.com")
	noRedirect := webtest.NoRedirects(alice)
	id := env.Okta.UserID("alice@example.com")

	_, doc := env.Page(t, alice, "/security")
	base, _ := url.Parse(env.URL + "/security")
	res := webtest.SubmitForm(t, alice, base, doc.Find("form[action='/security/authenticator']"), nil)
	doc = webtest.Parse(t, res)
	require.Equal(t, "/security/authenticator", res.Request.URL.Path)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	key := strings.TrimSpace(doc.Find("[data-testid=totp-secret]").Text())
	require.NotEmpty(t, key)
	res = webtest.SubmitForm(t, alice, res.Request.URL, doc.Find("[data-testid=activate-form]"), map[string]string{"code": totp(t, key, clock.Now())})
	doc = webtest.Parse(t, res)
	require.Equal(t, "/security", res.Request.URL.Path)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Your authenticator app is set up")
	var app string
	for _, f := range env.Okta.Factors(id) {
		if f.Type == "token:software:totp" {
			assert.Equal(t, "ACTIVE", f.Status)
			app = f.ID
		}
	}
	require.NotEmpty(t, app)

	clock.Advance(16 * time.Minute)
	res, doc = env.Page(t, alice, "/security/factors/"+app+"/remove")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Zero(t, doc.Find("[data-testid=remove-form]").Length(), "no form that would be refused")
	reauth := doc.Find("[data-testid=reauth]").AttrOr("href", "")
	assert.True(t, strings.HasPrefix(reauth, "/login?reauth=1"), reauth)
	res = env.Do(t, noRedirect, http.MethodPost, "/security/factors/"+app+"/remove", url.Values{}, nil)
	res.Body.Close()
	assert.Equal(t, http.StatusFound, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login?reauth=1"), res.Header.Get("Location"))
	assert.Len(t, env.Okta.Factors(id), 2, "nothing removed before the step-up")

	// Sign in again, then remove.
	page := env.StartSignIn(t, alice, reauth)
	res = webtest.SubmitSignIn(t, alice, page, "alice@example.com", webtest.DemoPassword)
	doc = webtest.Parse(t, res)
	require.Equal(t, "/security/factors/"+app+"/remove", res.Request.URL.Path)
	res = webtest.SubmitForm(t, alice, res.Request.URL, doc.Find("[data-testid=remove-form]"), nil)
	doc = webtest.Parse(t, res)
	require.Equal(t, "/security", res.Request.URL.Path)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "removed")
	assert.Len(t, env.Okta.Factors(id), 1)

	res, _ = env.Page(t, webtest.NoRedirects(other), "/security")
	assert.Equal(t, http.StatusOK, res.StatusCode, "the other session still works")
	assert.NotContains(t, logs.String(), strings.ReplaceAll(key, " ", ""), "the key is never logged")
	assert.NotContains(t, logs.String(), key)
}
