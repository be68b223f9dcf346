package web_test

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestSec36_NoSecretsInLogs runs sign-in, a token refresh, a password change, a
// recovery-question change and admin actions with one-time secrets, then searches every log
// record for every secret involved.
func TestSec36_NoSecretsInLogs(t *testing.T) {
	t.Parallel()
	var logs webtest.LogBuffer
	clock := webtest.NewClock()
	var keys [][]byte
	env := webtest.New(t, webtest.Options{Logger: logs.Logger(), Now: clock.Now, OktaConfig: oktatest.Config{Now: clock.Now},
		Configure: func(c *web.Config) { keys = c.SessionKeys; c.SessionIdle = 3 * time.Hour }})
	secrets := map[string]string{
		"client secret": env.Okta.ClientSecret(),
		"api token":     env.Okta.APIToken(),
		"demo password": webtest.DemoPassword,
	}
	for i, k := range keys {
		secrets["session key hex "+string(rune('0'+i))] = hex.EncodeToString(k)
		secrets["session key base64 "+string(rune('0'+i))] = base64.StdEncoding.EncodeToString(k)
	}

	// Sign-in, step by step, to learn the state, nonce and code.
	c := env.Client()
	res, err := webtest.NoRedirects(c).Get(env.URL + "/login")
	require.NoError(t, err)
	res.Body.Close()
	authz, _ := url.Parse(res.Header.Get("Location"))
	secrets["state"] = authz.Query().Get("state")
	secrets["nonce"] = authz.Query().Get("nonce")
	secrets["code challenge"] = authz.Query().Get("code_challenge")
	page, err := c.Get(authz.String())
	require.NoError(t, err)
	res = webtest.SubmitSignIn(t, webtest.NoRedirects(c), page, "alice@example.com", webtest.DemoPassword)
	res.Body.Close()
	cb, _ := url.Parse(res.Header.Get("Location"))
	secrets["authorization code"] = cb.Query().Get("code")
	res, err = c.Get(cb.String())
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, env.URL+"/", res.Request.URL.String())
	secrets["session cookie"] = cookieValue(c, env.URL, "gatehouse")
	addTokens := func(label string) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/", nil)
		for _, ck := range c.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		rec, err := env.App.Sessions.Load(req)
		require.NoError(t, err)
		require.NotNil(t, rec)
		secrets[label+" access token"] = rec.Tokens.Access
		secrets[label+" refresh token"] = rec.Tokens.Refresh
		secrets[label+" id token"] = rec.Tokens.ID
	}
	addTokens("first")

	// Password and recovery question.
	const newPW = "Tr1cky-Pa55word"
	secrets["new password"] = newPW
	_, doc := env.Page(t, c, "/password")
	res = env.Do(t, webtest.NoRedirects(c), http.MethodPost, "/password", url.Values{"form_id": {doc.Find("input[name=form_id]").AttrOr("value", "")}, "current_password": {webtest.DemoPassword}, "new_password": {newPW}, "confirm_password": {newPW}}, nil)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	secrets["rotated session cookie"] = cookieValue(c, env.URL, "gatehouse")
	const answer = "Nina Simone Live 1969"
	secrets["recovery answer"] = answer
	res = env.Do(t, c, http.MethodPost, "/recovery-question", url.Values{"question": {"What was the first concert you attended?"}, "answer": {answer}, "current_password": {newPW}}, nil)
	doc = webtest.Parse(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode, doc.Find("main").Text())

	// Refresh (after the credential changes: an hour later the step-up age has passed).
	clock.Advance(61 * time.Minute)
	_, _ = env.Page(t, c, "/profile")
	addTokens("refreshed")

	// Admin actions with one-time secrets.
	ada := env.SignInAs(t, "ada@example.com")
	secrets["admin session cookie"] = cookieValue(ada, env.URL, "gatehouse")
	for _, act := range []struct {
		login, action string
		form          url.Values
	}{
		{"hal@example.com", "expire-password", url.Values{"confirm": {"yes"}, "reason": {"TICKET-7"}, "temp_password": {"yes"}}},
		{"erin@example.com", "reset-password", url.Values{"confirm": {"yes"}, "reason": {"TICKET-8"}, "delivery": {"link"}}},
		// Someone without a password: only they need an activation link (issue 17).
		{"sec36.staged@example.com", "activate", url.Values{"confirm": {"yes"}, "delivery": {"link"}}},
	} {
		if act.action == "activate" {
			env.Okta.AddUser(oktatest.SeedUser{Status: oktatest.StatusStaged, Profile: map[string]any{"login": act.login, "email": act.login, "firstName": "Sec", "lastName": "Staged"}})
		}
		res := env.Do(t, ada, http.MethodPost, "/admin/users/"+env.Okta.UserID(act.login)+"/"+act.action, act.form, nil)
		doc := webtest.Parse(t, res)
		require.Equal(t, http.StatusOK, res.StatusCode, act.action)
		secret := strings.TrimSpace(doc.Find("[data-testid=secret-value]").Text())
		require.NotEmpty(t, secret, "%s shows its one-time secret", act.action)
		secrets[act.action+" secret"] = secret
	}

	out := logs.String()
	require.Contains(t, out, `"msg":"request"`, "the capture saw the access log")
	require.Contains(t, out, `"msg":"audit"`, "and the audit records")
	for name, s := range secrets {
		require.NotEmpty(t, s, name)
		assert.NotContains(t, out, s, "%s appears in the logs", name)
	}
	assert.NotContains(t, strings.ToLower(out), "authorization: ", "no Authorization header values")
	assert.NotContains(t, out, "code=", "callback lines omit the query string")
}

// TestSec37_LogLinesCannotBeForged: a path with CR/LF stays inside one JSON record.
func TestSec37_LogLinesCannotBeForged(t *testing.T) {
	t.Parallel()
	var logs webtest.LogBuffer
	env := webtest.New(t, webtest.Options{Logger: logs.Logger()})
	res, err := env.Client().Get(env.URL + "/nope%0d%0a%7B%22msg%22%3A%22forged%22%7D")
	require.NoError(t, err)
	res.Body.Close()
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		assert.True(t, strings.HasPrefix(line, "{"), "every line is one JSON record: %q", line)
		assert.NotContains(t, line, `{"msg":"forged"}`)
	}
	// Redacting String/LogValue of tokens, records and configuration are unit-tested where the
	// types live: web/session (Record, Tokens, LoginTx, Options), client (one-time results,
	// NewUser, Client) and cmd/gatehouse (config).
}
