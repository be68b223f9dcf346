package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

const newPassword = "Tr1cky-Pa55word"

// passwordForm fetches /password and returns its form id.
func passwordFormID(t *testing.T, env *webtest.Env, c *http.Client) string {
	t.Helper()
	_, doc := env.Page(t, c, "/password")
	id := doc.Find("input[name=form_id]").AttrOr("value", "")
	require.NotEmpty(t, id)
	return id
}

// TestChangePasswordValidation is handler-level: every rule Gatehouse can check is checked before
// any Okta call, on the right field, and no password is rendered back.
func TestChangePasswordValidation(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		name    string
		form    url.Values
		field   string
		message string
	}{
		{"no current password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}}, "current_password", "Enter your current password."},
		{"too short", url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Ab1"}, "confirm_password": {"Ab1"}}, "new_password", "at least 8 characters"},
		{"no uppercase", url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"lowercase123"}, "confirm_password": {"lowercase123"}}, "new_password", "uppercase"},
		{"contains the username", url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Alice-Secret-99"}, "confirm_password": {"Alice-Secret-99"}}, "new_password", "username"},
		{"confirmation differs", url.Values{"current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword + "x"}}, "confirm_password", "do not match"},
		{"same as current", url.Values{"current_password": {webtest.DemoPassword}, "new_password": {webtest.DemoPassword}, "confirm_password": {webtest.DemoPassword}}, "new_password", "different"},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{false, true} {
			name := tt.name
			if htmx {
				name += " (htmx)"
			}
			t.Run(name, func(t *testing.T) {
				var headers map[string]string
				if htmx {
					headers = webtest.HTMX(views.PasswordFormID)
				}
				r := h.As(t, webtest.Request(http.MethodPost, "/password", tt.form, headers), "alice@example.com")
				h.Okta.ResetRequests()
				w, err := webtest.Call(h.App.Self.ChangePassword, r)
				require.NoError(t, err)
				doc := parseHTML(t, w.Body.String())
				assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
				msg := doc.Find("[data-testid=error-" + tt.field + "]").Text()
				assert.Contains(t, msg, tt.message)
				in := doc.Find("input[name=" + tt.field + "]")
				assert.Equal(t, views.ErrorID(tt.field), strings.Fields(in.AttrOr("aria-describedby", "x"))[len(strings.Fields(in.AttrOr("aria-describedby", "x")))-1], "the message is tied to its field")
				assert.Equal(t, "true", in.AttrOr("aria-invalid", ""))
				html, _ := doc.Html()
				for _, pw := range tt.form {
					if pw[0] != "" {
						assert.NotContains(t, html, `value="`+pw[0]+`"`, "no password is re-rendered")
					}
				}
				assert.Equal(t, 0, h.Okta.CountRequests(func(r oktatest.Request) bool { return strings.Contains(r.Path, "change_password") }), "validation happens before any Okta call")
				if htmx {
					assert.Equal(t, 0, doc.Find("header.site-header").Length(), "htmx gets the panel only")
				}
			})
		}
	}
}

func TestPasswordChecklist(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	res := env.Do(t, alice, http.MethodPost, "/password/check", url.Values{"new_password": {"abcdefgh1"}, "confirm_password": {""}}, webtest.HTMX(views.PasswordRulesID))
	doc := webtest.Parse(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode)
	met := func(key string) string { return doc.Find("[data-testid=rule-"+key+"]").AttrOr("data-met", "") }
	assert.Equal(t, "true", met("length"))
	assert.Equal(t, "true", met("lower"))
	assert.Equal(t, "false", met("upper"))
	assert.Equal(t, "true", met("digit"))
	assert.Equal(t, "false", met("match"))
	assert.Equal(t, 0, env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.Contains(r.Path, "credentials") }))
}

func TestChangePasswordOktaAnswers(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{OktaConfig: oktatest.Config{PasswordMinAge: time.Hour}})
	tests := []struct {
		name    string
		login   string
		current string
		next    string
		status  int
		field   string
		message string
	}{
		{"wrong current password", "hal@example.com", "Not-My-Passw0rd", newPassword, http.StatusUnprocessableEntity, "current_password", "not your current password"},
		{"changed too recently (minimum age)", "ada@example.com", webtest.DemoPassword, newPassword, http.StatusUnprocessableEntity, "", "changed your password very recently"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.SignInAs(t, tt.login)
			if strings.Contains(tt.name, "minimum age") {
				env.Okta.SetPassword(env.Okta.UserID(tt.login), webtest.DemoPassword) // just changed
			}
			res := env.Do(t, c, http.MethodPost, "/password", url.Values{"form_id": {passwordFormID(t, env, c)}, "current_password": {tt.current}, "new_password": {tt.next}, "confirm_password": {tt.next}}, nil)
			doc := webtest.Parse(t, res)
			assert.Equal(t, tt.status, res.StatusCode)
			if tt.field != "" {
				assert.Contains(t, doc.Find("[data-testid=error-"+tt.field+"]").Text(), tt.message)
			} else {
				assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), tt.message)
			}
			html, _ := doc.Html()
			assert.NotContains(t, html, tt.next)
			assert.NotContains(t, html, tt.current)
		})
	}
	t.Run("okta busy keeps the form", func(t *testing.T) {
		c := env.SignInAs(t, "alice@example.com")
		env.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + env.Okta.UserID("alice@example.com") + "/credentials/change_password", Status: http.StatusTooManyRequests, Times: 1})
		res := env.Do(t, c, http.MethodPost, "/password", url.Values{"form_id": {passwordFormID(t, env, c)}, "current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}, nil)
		doc := webtest.Parse(t, res)
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
		assert.Contains(t, doc.Find("[data-testid=alert-error]").Text(), "not changed")
		assert.Equal(t, 1, doc.Find("[data-testid=password-form]").Length(), "the form is still there to try again")
	})
}

// passwordJourney is the self-service story of the password issue: alice changes her password,
// the new one signs in and the old one no longer does; the session id changed; then the
// recovery question. It runs in TestJourneysByCredential, in every credential mode.
func passwordJourney(t *testing.T, env *webtest.Env, delegated bool) {
	alice := env.SignInAs(t, "alice@example.com")
	id := env.Okta.UserID("alice@example.com")
	base, _ := url.Parse(env.URL)
	before := sessionCookie(alice, base)
	env.Okta.ResetRequests()

	formID := passwordFormID(t, env, alice)
	form := url.Values{"form_id": {formID}, "current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	res := env.Do(t, alice, http.MethodPost, "/password", form, nil)
	doc := webtest.Parse(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Your password has been changed")
	assert.Equal(t, 1, doc.Find("[data-testid=offer-signout-others]").Length(), "the person is offered to sign out other sessions")
	assert.NotEqual(t, before, sessionCookie(alice, base), "a password change issues a new session id")

	// A double submit does not act twice.
	res = env.Do(t, alice, http.MethodPost, "/password", form, nil)
	res.Body.Close()
	calls := env.Okta.CountRequests(func(r oktatest.Request) bool { return strings.HasSuffix(r.Path, "change_password") })
	assert.Equal(t, 1, calls, "one change_password call for two submits")

	wantPath := "/api/v1/users/" + id + "/credentials/change_password"
	if delegated {
		wantPath = "/api/v1/users/me/credentials/change_password"
	}
	assert.Equal(t, 1, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Path == wantPath }), "called %s", wantPath)

	env.SignIn(t, "alice@example.com", newPassword)
	c := env.Client()
	page := env.StartSignIn(t, c, "/login")
	res = webtest.SubmitSignIn(t, c, page, "alice@example.com", webtest.DemoPassword)
	assert.True(t, strings.HasPrefix(res.Request.URL.String(), env.Okta.URL()), "the old password no longer signs in")
	res.Body.Close()

	// Recovery question.
	_, doc = env.Page(t, alice, "/recovery-question")
	rform := url.Values{"form_id": {doc.Find("input[name=form_id]").AttrOr("value", "")}, "question": {"What was the first concert you attended?"}, "answer": {"Nina Simone"}, "current_password": {newPassword}}
	res = env.Do(t, alice, http.MethodPost, "/recovery-question", rform, webtest.HTMX(views.RecoveryFormID))
	doc = webtest.Parse(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "recovery question has been changed")
	_, doc = env.Page(t, alice, "/recovery-question")
	assert.Contains(t, doc.Find("[data-testid=current-question]").Text(), "first concert", "the new question shows (the cache was dropped)")
}

// TestRecoveryQuestionValidation is handler-level: Okta's rules for questions and answers are
// checked first, Okta's refusal of the password lands on its field, and the question typed is
// kept but never the answer.
func TestRecoveryQuestionValidation(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	tests := []struct {
		name, question, answer, password, field, message string
		status                                           int
	}{
		{"answer too short", "What was the make of your first car?", "VW", webtest.DemoPassword, "answer", "between 4 and 100", http.StatusUnprocessableEntity},
		{"answer part of the question", "What was the make of your first car?", "first car", webtest.DemoPassword, "answer", "must not be part of the question", http.StatusUnprocessableEntity},
		{"question missing", "", "Volvo", webtest.DemoPassword, "question", "Enter a question", http.StatusUnprocessableEntity},
		{"no password", "What was the make of your first car?", "Volvo", "", "current_password", "current password", http.StatusUnprocessableEntity},
		{"wrong password (from Okta)", "What was the make of your first car?", "Volvo", "Wrong-Passw0rd", "current_password", "not your current password", http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"question": {tt.question}, "answer": {tt.answer}, "current_password": {tt.password}}
			r := h.As(t, webtest.Request(http.MethodPost, "/recovery-question", form, nil), "alice@example.com")
			w, err := webtest.Call(h.App.Self.ChangeRecovery, r)
			require.NoError(t, err)
			doc := parseHTML(t, w.Body.String())
			assert.Equal(t, tt.status, w.Code)
			assert.Contains(t, doc.Find("[data-testid=error-"+tt.field+"]").Text(), tt.message)
			assert.Equal(t, tt.question, doc.Find("input[name=question]").AttrOr("value", ""), "the question typed is kept")
			html, _ := doc.Html()
			if tt.answer != "" {
				assert.NotContains(t, html, `value="`+tt.answer+`"`, "the answer is not re-rendered")
			}
		})
	}
}

// TestCredentialChangeRotatesTheSession is handler-level: a successful password change moves the
// session to a new id through the session layer (gorilla's Save of a session whose id was
// cleared), keeps it signed in under the new id, and ends the old one (SECURITY.md 16).
func TestCredentialChangeRotatesTheSession(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	_, login := adminTestPerson(t, h.Okta, oktatest.StatusActive)
	form := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	r := h.As(t, webtest.Request(http.MethodPost, "/password", form, nil), login)
	old, err := r.Cookie(h.App.Sessions.CookieName())
	require.NoError(t, err)
	before, _ := handlers.ViewerFrom(r.Context())

	w, err := webtest.Call(h.App.Self.ChangePassword, r)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var fresh *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == old.Name {
			fresh = c
		}
	}
	require.NotNil(t, fresh, "the response sets the new session cookie")
	assert.NotEqual(t, old.Value, fresh.Value)

	again := httptest.NewRequest(http.MethodGet, "/", nil)
	again.AddCookie(fresh)
	loaded, err := h.App.LoadSession(again)
	require.NoError(t, err)
	after, ok := handlers.ViewerFrom(loaded.Context())
	require.True(t, ok, "still signed in, under the new id")
	assert.Equal(t, before.UserID, after.UserID)
	assert.NotEqual(t, before.Session, after.Session, "another session")

	stale := httptest.NewRequest(http.MethodGet, "/", nil)
	stale.AddCookie(old)
	loaded, err = h.App.LoadSession(stale)
	require.NoError(t, err)
	_, ok = handlers.ViewerFrom(loaded.Context())
	assert.False(t, ok, "the old id no longer signs anyone in")
}

// TestSignOutEverywhere ends alice's two parallel sessions and her Okta sessions.
func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	one := env.SignInAs(t, "alice@example.com")
	two := env.SignInAs(t, "alice@example.com")
	id := env.Okta.UserID("alice@example.com")
	require.Positive(t, env.Okta.SignInSessions(id))

	res := env.Do(t, one, http.MethodPost, "/signout-everywhere", url.Values{"scope": {"all"}}, nil)
	doc := webtest.Parse(t, res)
	assert.Equal(t, 1, doc.Find("[data-testid=landing]").Length())
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "signed out everywhere")
	assert.Zero(t, env.Okta.SignInSessions(id), "Okta sessions ended")
	assert.Zero(t, env.Okta.ActiveTokens(id), "and the OAuth tokens Okta issued her")
	for i, c := range []*http.Client{one, two} {
		res := env.Do(t, webtest.NoRedirects(c), http.MethodGet, "/profile", nil, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusFound, res.StatusCode, "session %d ended", i+1)
	}
}

func TestSignOutOtherSessions(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	here := env.SignInAs(t, "alice@example.com")
	elsewhere := env.SignInAs(t, "alice@example.com")
	res := env.Do(t, here, http.MethodPost, "/signout-everywhere", url.Values{"scope": {"others"}}, webtest.HTMX(""))
	doc := webtest.Parse(t, res)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "other sessions have ended")
	res = env.Do(t, webtest.NoRedirects(here), http.MethodGet, "/profile", nil, nil)
	doc = webtest.Parse(t, res)
	assert.Equal(t, http.StatusOK, res.StatusCode, "this session stays")
	assert.Zero(t, doc.Find("[data-testid=alert-error]").Length(), "and its Okta tokens still work: %s", doc.Find("[data-testid=alert-error]").Text())
	assert.Zero(t, env.Okta.SignInSessions(env.Okta.UserID("alice@example.com")), "the Okta sessions ended")
	res = env.Do(t, webtest.NoRedirects(elsewhere), http.MethodGet, "/profile", nil, nil)
	res.Body.Close()
	assert.Equal(t, http.StatusFound, res.StatusCode, "the other one ended")
}

// TestSec28_SelfServiceIgnoresOtherIDs: ids smuggled in forms, queries or headers never change whose
// account is read or changed; the emulator sees only alice's id (or me).
func TestSec28_SelfServiceIgnoresOtherIDs(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	aliceID, bobID := env.Okta.UserID("alice@example.com"), env.Okta.UserID("bob@example.com")
	env.Okta.ResetRequests()
	smuggle := map[string]string{"X-User-Id": bobID, "X-Okta-User": bobID}
	for _, p := range []string{"/?userId=" + bobID, "/apps?id=" + bobID, "/groups?userId=" + bobID, "/profile?user=" + bobID, "/recovery-question?id=" + bobID} {
		res := env.Do(t, alice, http.MethodGet, p, nil, smuggle)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, p)
	}
	form := url.Values{"userId": {bobID}, "id": {bobID}, "current_password": {webtest.DemoPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	res := env.Do(t, alice, http.MethodPost, "/password", form, smuggle)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	for _, r := range env.Okta.Requests() {
		if !strings.HasPrefix(r.Path, "/api/v1/users") {
			continue
		}
		assert.NotContains(t, r.Path, bobID, "no call about bob: %s %s", r.Method, r.Path)
		assert.True(t, r.Path == "/api/v1/users/me" || strings.HasPrefix(r.Path, "/api/v1/users/"+aliceID), "only alice's own account: %s", r.Path)
	}
}

func TestForgotPassword(t *testing.T) {
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.ForgotMinDuration = 300 * time.Millisecond }})
	type answer struct {
		status int
		text   string
		took   time.Duration
	}
	ask := func(c *http.Client, id string) answer {
		start := time.Now()
		res := env.Do(t, c, http.MethodPost, "/forgot-password", url.Values{"identifier": {id}}, nil)
		took := time.Since(start)
		doc := webtest.Parse(t, res)
		return answer{res.StatusCode, strings.TrimSpace(doc.Find("main").Text()), took}
	}
	existing := ask(env.Client(), "alice@example.com")
	missing := ask(env.Client(), "nobody@example.com")
	suspended := ask(env.Client(), "carol@example.com")
	for name, a := range map[string]answer{"non-existent": missing, "suspended": suspended} {
		assert.Equal(t, existing.status, a.status, name)
		assert.Equal(t, existing.text, a.text, "%s: the same words", name)
		assert.InDelta(t, existing.took.Seconds(), a.took.Seconds(), 0.05+0.25, "%s: about the same time", name)
	}
	assert.Equal(t, http.StatusOK, existing.status)
	assert.Contains(t, existing.text, "Check your email")

	// The email goes out after the answer, from the background queue.
	require.Eventually(t, func() bool { return len(resetEmails(env)) > 0 }, 10*time.Second, 10*time.Millisecond)
	env.App.Forgot.Close() // drains the queue: every request has been processed
	sent := resetEmails(env)
	require.Len(t, sent, 1, "Okta emails only the account that may reset")
	assert.Equal(t, "alice@example.com", sent[0].To)

	t.Run("per identifier limit answers 429 before Okta", func(t *testing.T) {
		c := env.Client()
		for range 2 {
			a := ask(c, "hal@example.com")
			require.Equal(t, http.StatusOK, a.status)
		}
		ask(c, "hal@example.com") // third of three allowed per 15 minutes
		env.Okta.ResetRequests()
		res := env.Do(t, c, http.MethodPost, "/forgot-password", url.Values{"identifier": {"HAL@example.com"}}, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
		assert.NotEmpty(t, res.Header.Get("Retry-After"))
		assert.Zero(t, len(env.Okta.Requests()), "no Okta call once limited")
	})
	t.Run("validation", func(t *testing.T) {
		res := env.Do(t, env.Client(), http.MethodPost, "/forgot-password", url.Values{"identifier": {`x" or status eq "ACTIVE`}}, nil)
		doc := webtest.Parse(t, res)
		assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		assert.NotEmpty(t, doc.Find("[data-testid=error-identifier]").Text())
	})
}

// resetEmails returns the forgot- and reset-password emails Okta has sent.
func resetEmails(env *webtest.Env) []oktatest.Email {
	var sent []oktatest.Email
	for _, e := range env.Okta.Emails() {
		if e.Kind == "forgot_password" || e.Kind == "reset_password" {
			sent = append(sent, e)
		}
	}
	return sent
}

func sessionCookie(c *http.Client, base *url.URL) string {
	for _, ck := range c.Jar.Cookies(base) {
		if ck.Name == "gatehouse" || ck.Name == "__Host-gatehouse" {
			return ck.Value
		}
	}
	return ""
}

var _ = goquery.NewDocumentFromReader

// TestPasswordDoubleSubmit: a resubmitted form acts once; a failed attempt is not remembered
// (the corrected resubmission runs); and a first submission the browser abandons still
// completes, its result given to the second.
func TestPasswordDoubleSubmit(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := env.SignInAs(t, "alice@example.com")
	id := passwordFormID(t, env, alice)
	form := func(current string) url.Values {
		return url.Values{"form_id": {id}, "current_password": {current}, "new_password": {newPassword}, "confirm_password": {newPassword}}
	}
	res := env.Do(t, alice, http.MethodPost, "/password", form("Wrong-Passw0rd"), nil)
	res.Body.Close()
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)

	// Corrected and resubmitted with the same form id: it runs. Abandon it mid-flight.
	env.Okta.SetLatency("/api/v1/users/"+env.Okta.UserID("alice@example.com")+"/credentials/change_password", 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.URL+"/password", strings.NewReader(form(webtest.DemoPassword).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r, err := alice.Do(req); err == nil {
		r.Body.Close()
	}
	// The browser sends it again: it gets the first submission's outcome, success.
	res = env.Do(t, alice, http.MethodPost, "/password", form(webtest.DemoPassword), nil)
	doc := webtest.Parse(t, res)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Your password has been changed")
	assert.Equal(t, 1, env.Okta.CountRequests(func(r oktatest.Request) bool {
		return strings.HasSuffix(r.Path, "change_password") && r.Status == http.StatusOK
	}), "one successful change at Okta")
	res = env.Do(t, webtest.NoRedirects(alice), http.MethodGet, "/profile", nil, nil)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "the browser holds the rotated session cookie")
}
