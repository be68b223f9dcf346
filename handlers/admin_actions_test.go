package handlers_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/views"
	"gatehouse/web"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// TestAdminConfirm is handler-level: Admin.Confirm called directly with a signed-in admin.
func TestAdminConfirm(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	alice, bob, adaID := h.Okta.UserID("alice@example.com"), h.Okta.UserID("bob@example.com"), h.Okta.UserID("ada@example.com")
	confirm := func(t *testing.T, id, action string, headers map[string]string) (*httptest.ResponseRecorder, error) {
		r := webtest.Request(http.MethodGet, personPath(id)+"/confirm/"+action, nil, headers, "id", id, "action", action)
		return webtest.Call(h.App.Admin.Confirm, h.As(t, r, "ada@example.com"))
	}

	t.Run("a page without JavaScript names the person and the consequence", func(t *testing.T) {
		w, err := confirm(t, alice, "suspend", nil)
		require.NoError(t, err)
		doc := parseHTML(t, w.Body.String())
		assert.Equal(t, 1, doc.Find("html").Length(), "a whole page")
		assert.Equal(t, "Suspend Alice Anderson (alice@example.com)?", doc.Find("[data-testid=confirm-question]").Text())
		assert.Contains(t, doc.Find("[data-testid=consequence]").Text(), "Alice will not be able to sign in")
		form := doc.Find("form[data-testid=confirm-form]")
		assert.Equal(t, personPath(alice)+"/suspend", form.AttrOr("action", ""))
		assert.Equal(t, "post", form.AttrOr("method", ""))
		assert.False(t, form.Is("[hx-post]"), "the page form is a plain POST")
		assert.Equal(t, "yes", form.Find("input[name=confirm]").AttrOr("value", ""))
		assert.Equal(t, 1, form.Find("input[name=reason][required]").Length(), "a destructive action asks for a reason")
		assert.Equal(t, "Reason or ticket number", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(form.Find("label[for=reason]").Contents().First().Text()), "*")))
		assert.True(t, form.Find("[data-testid=confirm-button]").HasClass("danger"))
		assert.Equal(t, 1, form.Find("[data-close-dialog][data-testid=cancel]").Length())
	})

	t.Run("htmx gets the dialog content that posts back with htmx", func(t *testing.T) {
		w, err := confirm(t, alice, "reset-password", webtest.HTMX(views.DialogID))
		require.NoError(t, err)
		assert.NotContains(t, w.Body.String(), "<html")
		form := parseHTML(t, w.Body.String()).Find("form[data-testid=confirm-form]")
		assert.Equal(t, personPath(alice)+"/reset-password", form.AttrOr("hx-post", ""))
		assert.Equal(t, "#"+views.UserPanelID, form.AttrOr("hx-target", ""))
		assert.Equal(t, "innerHTML", form.AttrOr("hx-swap", ""))
		assert.Equal(t, 2, form.Find("input[name=delivery]").Length(), "email or a one-time link")
	})

	t.Run("a non-destructive action asks no reason", func(t *testing.T) {
		w, err := confirm(t, bob, "unlock", nil)
		require.NoError(t, err)
		doc := parseHTML(t, w.Body.String())
		assert.Equal(t, 1, doc.Find("form[data-testid=confirm-form]").Length())
		assert.Zero(t, doc.Find("input[name=reason]").Length())
		assert.False(t, doc.Find("[data-testid=confirm-button]").HasClass("danger"))
	})

	t.Run("an action that does not apply says why and offers no form", func(t *testing.T) {
		w, err := confirm(t, alice, "unlock", nil)
		require.NoError(t, err)
		doc := parseHTML(t, w.Body.String())
		assert.Zero(t, doc.Find("form[data-testid=confirm-form]").Length())
		assert.Contains(t, doc.Find("[data-testid=confirm]").Text(), "Alice Anderson is not locked out, so there is nothing to unlock.")
	})

	t.Run("not on one's own account", func(t *testing.T) {
		w, err := confirm(t, adaID, "suspend", nil)
		require.NoError(t, err)
		doc := parseHTML(t, w.Body.String())
		assert.Zero(t, doc.Find("form[data-testid=confirm-form]").Length())
		assert.Contains(t, doc.Find("[data-testid=confirm]").Text(), "You cannot suspend your own account")
	})

	t.Run("unknown action", func(t *testing.T) {
		w, err := confirm(t, alice, "delete", nil)
		assert.Equal(t, http.StatusNotFound, statusOf(err))
		assert.Zero(t, w.Body.Len(), "a failing handler writes nothing")
	})
}

func TestAdminConfirmNeedsRecentSignIn(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock()
	env := webtest.New(t, webtest.Options{Now: clock.Now})
	ada := env.SignInAs(t, "ada@example.com")
	alice := env.Okta.UserID("alice@example.com")
	clock.Advance(16 * time.Minute)

	_, body := get(t, env, ada, personPath(alice)+"/confirm/suspend", nil)
	doc := parseHTML(t, body)
	assert.Zero(t, doc.Find("form[data-testid=confirm-form]").Length(), "no form that would be refused")
	assert.Equal(t, "/login?reauth=1&return=%2Fadmin%2Fusers%2F"+alice+"%2Fconfirm%2Fsuspend", doc.Find("a[data-testid=reauth]").AttrOr("href", ""))

	// A non-step-up action still gets its form.
	_, body = get(t, env, ada, personPath(env.Okta.UserID("bob@example.com"))+"/confirm/unlock", nil)
	assert.Equal(t, 1, parseHTML(t, body).Find("form[data-testid=confirm-form]").Length())

	// And the POST itself is refused by the step-up middleware.
	env.Okta.ResetRequests()
	res, _ := post(t, env, ada, personPath(alice)+"/suspend", actionForm(handlers.ActionSuspend), nil)
	assert.Equal(t, http.StatusFound, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login?reauth=1"), res.Header.Get("Location"))
	assert.Zero(t, mutations(env, ""))
	assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(alice))
}

func TestAdminActionGuards(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	adaID, alice, bob := env.Okta.UserID("ada@example.com"), env.Okta.UserID("alice@example.com"), env.Okta.UserID("bob@example.com")

	tests := []struct {
		name       string
		c          *http.Client
		path       string
		form       url.Values
		wantStatus int
		wantText   string
		// wantNoOkta: not a single Okta API call (the id or the form is refused first).
		wantNoOkta bool
	}{
		{name: "ada cannot suspend herself", c: ada, path: personPath(adaID) + "/suspend", form: actionForm("suspend"), wantStatus: http.StatusBadRequest, wantText: "You cannot suspend your own account"},
		{name: "ada cannot deactivate herself", c: ada, path: personPath(adaID) + "/deactivate", form: actionForm("deactivate"), wantStatus: http.StatusBadRequest, wantText: "You cannot deactivate your own account"},
		{name: "ada cannot reset her own password", c: ada, path: personPath(adaID) + "/reset-password", form: actionForm("reset-password"), wantStatus: http.StatusBadRequest, wantText: "You cannot reset or expire your own password"},
		{name: "ada cannot reset her own factors", c: ada, path: personPath(adaID) + "/reset-factors", form: actionForm("reset-factors"), wantStatus: http.StatusBadRequest, wantText: "MFA factors"},
		{name: "missing confirmation", c: ada, path: personPath(bob) + "/unlock", form: url.Values{"reason": {"x"}}, wantStatus: http.StatusBadRequest, wantText: "Please confirm", wantNoOkta: true},
		{name: "malformed id", c: ada, path: "/admin/users/00u123/unlock", form: actionForm("unlock"), wantStatus: http.StatusNotFound, wantNoOkta: true},
		{name: "overlong id", c: ada, path: "/admin/users/00uAAAAAAAAAAAAAAAAAAAAAAAAA/unlock", form: actionForm("unlock"), wantStatus: http.StatusNotFound, wantNoOkta: true},
		{name: "encoded slash in id", c: ada, path: "/admin/users/..%2f..%2fgroups/unlock", form: actionForm("unlock"), wantStatus: http.StatusNotFound, wantNoOkta: true},
		{name: "invalid id on the person page", c: ada, path: "/admin/users/00u-not-an-id", wantStatus: http.StatusNotFound, wantNoOkta: true},
		{name: "helpdesk cannot suspend", c: hal, path: personPath(alice) + "/suspend", form: actionForm("suspend"), wantStatus: http.StatusForbidden, wantNoOkta: true},
		{name: "helpdesk cannot deactivate", c: hal, path: personPath(alice) + "/deactivate", form: actionForm("deactivate"), wantStatus: http.StatusForbidden, wantNoOkta: true},
		{name: "helpdesk cannot open the suspend confirmation", c: hal, path: personPath(alice) + "/confirm/suspend", wantStatus: http.StatusForbidden, wantNoOkta: true},
		{name: "an overlong reason on an action without a reason field", c: ada, path: personPath(bob) + "/unlock", form: url.Values{"confirm": {"yes"}, "reason": {strings.Repeat("r", 201)}}, wantStatus: http.StatusBadRequest, wantNoOkta: true},
		{name: "unknown delivery choice", c: ada, path: personPath(alice) + "/reset-password", form: url.Values{"confirm": {"yes"}, "reason": {"x"}, "delivery": {"fax"}}, wantStatus: http.StatusBadRequest, wantNoOkta: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ResetRequests()
			var (
				res  *http.Response
				body string
			)
			if tt.form == nil {
				res, body = get(t, env, tt.c, tt.path, nil)
			} else {
				res, body = post(t, env, tt.c, tt.path, tt.form, nil)
			}
			assert.Equal(t, tt.wantStatus, res.StatusCode, body)
			if tt.wantText != "" {
				assert.Contains(t, parseHTML(t, body).Find("[data-testid=error-page]").Text(), tt.wantText)
			}
			assert.Zero(t, mutations(env, ""), "no Okta mutation")
			if tt.wantNoOkta {
				assert.Zero(t, oktaAPICalls(env), "no Okta call at all")
			}
		})
	}
	for _, e := range auditFor(t, env, adaID) {
		assert.Equal(t, audit.ResultDenied, e.Result, "refusals on one's own account are audited as denied")
	}
	assert.Len(t, auditFor(t, env, adaID), 4)
}

// TestAdminActionNeedsReason is handler-level: the confirmation form comes back (422) with what
// is wrong, and nothing is sent to Okta.
func TestAdminActionNeedsReason(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	alice := h.Okta.UserID("alice@example.com")
	long := strings.Repeat("x", 201)
	handler := map[string]handlers.Func{
		handlers.ActionSuspend: h.App.Admin.Suspend, handlers.ActionResetPassword: h.App.Admin.ResetPassword,
		handlers.ActionRecoveryQuestion: h.App.Admin.SetRecoveryQuestion,
	}

	tests := []struct {
		name       string
		action     string
		form       url.Values
		htmx       bool
		wantField  string
		wantReason string
		wantLink   bool
	}{
		{name: "empty reason, page", action: "suspend", form: url.Values{"confirm": {"yes"}, "reason": {"  "}}, wantField: "reason"},
		{name: "overlong reason is kept", action: "suspend", form: url.Values{"confirm": {"yes"}, "reason": {long}}, wantField: "reason", wantReason: long},
		{name: "htmx goes back into the dialog and keeps the choice", action: "reset-password", form: url.Values{"confirm": {"yes"}, "delivery": {"link"}}, htmx: true, wantField: "reason", wantLink: true},
		{name: "recovery question keeps the question, never the answer", action: "recovery-question", form: url.Values{"confirm": {"yes"}, "question": {"Which city?"}, "answer": {"Which"}}, wantField: "answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers map[string]string
			if tt.htmx {
				headers = webtest.HTMX(views.UserPanelID)
			}
			r := webtest.Request(http.MethodPost, personPath(alice)+"/"+tt.action, tt.form, headers, "id", alice)
			r = h.As(t, r, "ada@example.com")
			h.Okta.ResetRequests()
			w, err := webtest.Call(handler[tt.action], r)
			require.NoError(t, err)
			require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
			assert.Zero(t, h.Okta.CountRequests(isMutation), "nothing sent to Okta")
			doc := parseHTML(t, w.Body.String())
			assert.NotEmpty(t, doc.Find("[data-testid=error-"+tt.wantField+"]").Text())
			if tt.wantReason != "" {
				assert.Equal(t, tt.wantReason, doc.Find("input[name=reason]").AttrOr("value", ""))
			}
			if tt.htmx {
				assert.Equal(t, "#"+views.DialogID, w.Header().Get("HX-Retarget"))
				assert.NotContains(t, w.Body.String(), "<html")
				assert.NotEmpty(t, doc.Find("form[hx-post]").Length())
			}
			if tt.wantLink {
				_, checked := doc.Find("#delivery-link").Attr("checked")
				assert.True(t, checked, "the chosen delivery is kept")
			}
			if tt.action == "recovery-question" {
				assert.Equal(t, "Which city?", doc.Find("input[name=question]").AttrOr("value", ""))
				assert.Empty(t, doc.Find("input[name=answer]").AttrOr("value", ""))
			}
		})
	}
	assert.Equal(t, oktatest.StatusActive, h.Okta.UserStatus(alice))
}

func TestAdminActionResponses(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")

	t.Run("htmx gets the refreshed panel and the dialog closed", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		res, body := post(t, env, ada, personPath(bob)+"/unlock", actionForm("unlock"), webtest.HTMX(views.UserPanelID))
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.Empty(t, res.Header.Get("HX-Trigger"))
		doc := parseHTML(t, body)
		assert.Zero(t, doc.Find("#"+views.UserPanelID).Length(), "the panel's content, swapped into it")
		panel := doc.Find("body")
		assert.Equal(t, "ACTIVE", panel.Find("[data-testid=status-badge]").AttrOr("data-status", ""), "re-read from Okta")
		_, autofocus := panel.Find("[data-testid=alert-result]").Attr("data-autofocus")
		assert.True(t, autofocus, "the result takes the focus")
		assert.Contains(t, panel.Find("[data-testid=alert-success]").Text(), "Bob Brown is unlocked")
		assert.Zero(t, panel.Find("[data-testid=action-unlock]").Length(), "unlock no longer applies")
		assert.Equal(t, 1, panel.Find("[data-testid=action-suspend]").Length(), "suspend now does")
		dialog := doc.Find("dialog#" + views.DialogID)
		assert.Equal(t, "true", dialog.AttrOr("hx-swap-oob", ""))
		assert.Empty(t, strings.TrimSpace(dialog.Text()))
	})

	t.Run("without JavaScript the browser is redirected to a success message", func(t *testing.T) {
		carol := env.Okta.UserID("carol@example.com")
		res, _ := post(t, env, ada, personPath(carol)+"/unsuspend", actionForm("unsuspend"), nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		_, body := get(t, env, ada, res.Header.Get("Location"), nil)
		doc := parseHTML(t, body)
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Carol Chen is unsuspended")
		assert.Equal(t, "ACTIVE", doc.Find("#"+views.UserPanelID+" [data-testid=status-badge]").AttrOr("data-status", ""))
	})

	t.Run("a one-time link without JavaScript survives the redirect once, never in the URL", func(t *testing.T) {
		id := adminTestUser(t, env.Okta, oktatest.StatusActive)
		form := actionForm("reset-password")
		form.Set("delivery", "link")
		loc, res, body := postRedirected(t, env, ada, personPath(id)+"/reset-password", form)
		assert.Equal(t, personPath(id), loc, "the URL carries nothing of the secret")
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		doc := parseHTML(t, body)
		defer func() {
			// A reload shows the person's page without the link, and repeats nothing.
			env.Okta.ResetRequests()
			res, again := get(t, env, ada, loc, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Empty(t, parseHTML(t, again).Find("[data-testid=secret]").Nodes, "a one-time secret never shows twice")
			assert.Zero(t, mutations(env, ""), "a reload changes nothing")
			assert.Len(t, auditFor(t, env, id), 1, "one audit entry")
		}()
		secret := doc.Find("[data-testid=secret-value]")
		assert.Contains(t, secret.Text(), "/reset_password/")
		assert.Equal(t, views.SecretValueID, secret.AttrOr("id", ""))
		copyBtn := doc.Find("button[data-copy]")
		assert.Equal(t, views.SecretValueID, copyBtn.AttrOr("data-copy", ""))
		assert.Equal(t, "button", copyBtn.AttrOr("type", ""))
		assert.Contains(t, doc.Find("[data-testid=secret]").Text(), "This is shown only once")
	})

	t.Run("ending sessions where the table says", func(t *testing.T) {
		id, login := adminTestPerson(t, env.Okta, oktatest.StatusActive)
		victim := env.SignIn(t, login, webtest.DemoPassword)
		res, _ := get(t, env, victim, "/profile", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		res, _ = post(t, env, ada, personPath(id)+"/clear-sessions", actionForm("clear-sessions"), nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		res, _ = get(t, env, victim, "/profile", nil)
		assert.Equal(t, http.StatusFound, res.StatusCode, "their Gatehouse session has ended")
		assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"))
	})
}

// TestAdminHelpdeskSeesItsActionsOnly is handler-level: the person page offers the helpdesk the
// actions its role allows, and says why the others are missing.
func TestAdminHelpdeskSeesItsActionsOnly(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	alice := h.Okta.UserID("alice@example.com")
	r := h.As(t, webtest.Request(http.MethodGet, personPath(alice), nil, nil, "id", alice), "hal@example.com")
	w, err := webtest.Call(h.App.Admin.ShowUser, r)
	require.NoError(t, err)
	doc := parseHTML(t, w.Body.String())
	var got []string
	doc.Find("[data-testid=actions] a").Each(func(_ int, s *goquery.Selection) {
		got = append(got, strings.TrimPrefix(s.AttrOr("data-testid", ""), "action-"))
	})
	assert.ElementsMatch(t, []string{"reset-password", "expire-password", "forgot-password", "reset-factors", "clear-sessions"}, got)
	assert.NotEmpty(t, doc.Find("[data-testid=role-note]").Text())
	assert.Zero(t, doc.Find("[data-testid=subnav-create]").Length(), "no Add person for the helpdesk")
}

// TestAdminPersonPageSectionsFailAlone is handler-level: groups and apps that cannot be loaded
// are reported in place; the status and actions still show.
func TestAdminPersonPageSectionsFailAlone(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	bob := h.Okta.UserID("bob@example.com")
	r := h.As(t, webtest.Request(http.MethodGet, personPath(bob), nil, nil, "id", bob), "ada@example.com")
	h.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + bob + "/groups", Status: http.StatusInternalServerError})
	h.Okta.Inject(oktatest.Fault{Path: "/api/v1/users/" + bob + "/appLinks", Status: http.StatusInternalServerError})
	t.Cleanup(h.Okta.ClearFaults)
	w, err := webtest.Call(h.App.Admin.ShowUser, r)
	require.NoError(t, err)
	doc := parseHTML(t, w.Body.String())
	assert.Contains(t, doc.Find("[data-testid=person-groups] [data-testid=alert-error]").Text(), "could not be loaded")
	assert.Contains(t, doc.Find("[data-testid=person-apps] [data-testid=alert-error]").Text(), "could not be loaded")
	assert.Equal(t, "LOCKED_OUT", doc.Find("#"+views.UserPanelID+" [data-testid=status-badge]").AttrOr("data-status", ""))
	assert.Equal(t, 1, doc.Find("[data-testid=action-unlock]").Length())
}

// TestAdminAuditNamesTheOktaCall: an action's audit entry names the Okta request of the action
// itself (the client returns it with the call), not a read made before or after it.
func TestAdminAuditNamesTheOktaCall(t *testing.T) {
	t.Parallel()
	var answers oktaAnswers
	h := webtest.NewHandlers(t, webtest.Options{Configure: func(c *web.Config) {
		c.HTTPClient = client.NewHTTPClient()
		c.HTTPClient.Transport = answers.record(c.HTTPClient.Transport)
	}})
	bob := h.Okta.UserID("bob@example.com")
	r := webtest.Request(http.MethodPost, personPath(bob)+"/unlock", actionForm(handlers.ActionUnlock), nil, "id", bob)
	r = h.As(t, r, "ada@example.com")
	answers.reset()
	w, err := webtest.Call(h.App.Admin.Unlock, r)
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, w.Code)

	ids := answers.ids()
	unlock := ids["POST /api/v1/users/"+bob+"/lifecycle/unlock"]
	require.Len(t, unlock, 1)
	require.Len(t, ids["GET /api/v1/users/"+bob], 2, "the person is read before and after the action")
	entries, err := h.App.Audit.Recent(t.Context(), audit.Filter{Target: bob, Limit: 10})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, audit.ResultSuccess, entries[0].Result)
	assert.Equal(t, unlock[0], entries[0].OktaRequestID, "the entry names the unlock call")
}

// oktaAnswers records the X-Okta-Request-Id of every answer, by method and path.
type oktaAnswers struct {
	mu  sync.Mutex
	got map[string][]string
}

func (a *oktaAnswers) record(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(req)
		if err == nil {
			a.mu.Lock()
			if a.got == nil {
				a.got = map[string][]string{}
			}
			k := req.Method + " " + req.URL.Path
			a.got[k] = append(a.got[k], res.Header.Get("X-Okta-Request-Id"))
			a.mu.Unlock()
		}
		return res, err
	})
}

func (a *oktaAnswers) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = nil
}

func (a *oktaAnswers) ids() map[string][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.got)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAdminActionDropsCachedData: with the per-person cache on, the person sees an admin's
// change at once.
func TestAdminActionDropsCachedData(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.CacheTTL = time.Hour }})
	ada := env.SignInAs(t, "ada@example.com")
	alice := env.SignInAs(t, "alice@example.com")
	aliceID := env.Okta.UserID("alice@example.com")
	current := func() string {
		_, body := get(t, env, alice, "/recovery-question", nil)
		return parseHTML(t, body).Find("[data-testid=current-question]").Text()
	}
	require.Contains(t, current(), "first pet", "cached now")
	form := url.Values{"confirm": {"yes"}, "reason": {"TICKET-3"}, "question": {"Which city were you born in?"}, "answer": {"Springfield"}}
	res, _ := post(t, env, ada, personPath(aliceID)+"/recovery-question", form, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Contains(t, current(), "Which city were you born in?")
}
