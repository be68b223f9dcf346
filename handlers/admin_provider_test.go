package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/webtest"
)

// personPanel renders the person page for ada and returns the offered actions and the notes.
func personPanel(t *testing.T, h *webtest.Handlers, id string) (offered []string, notes string) {
	t.Helper()
	r := h.As(t, webtest.Request(http.MethodGet, personPath(id), nil, nil, "id", id), "ada@example.com")
	w, err := webtest.Call(h.App.Admin.ShowUser, r)
	require.NoError(t, err)
	doc := parseHTML(t, w.Body.String())
	doc.Find("[data-testid=actions] [data-testid^=action-]").Each(func(_ int, s *goquery.Selection) {
		offered = append(offered, strings.TrimPrefix(s.AttrOr("data-testid", ""), "action-"))
	})
	var ns []string
	doc.Find("[data-testid=action-note]").Each(func(_ int, s *goquery.Selection) { ns = append(ns, s.Text()) })
	return offered, strings.Join(ns, " | ")
}

// TestAdminActionsOfferedByStatusAndProvider is handler-level: the person page offers each
// action by status, by where the person's credentials are mastered (credentials.provider) and
// by Okta's _links, and says in words what must be done elsewhere: a federated person's
// password at their identity provider (a reset here would silently convert them to an Okta
// password), a directory person's unlock in the directory; reset of MFA factors only with
// factors enrolled.
func TestAdminActionsOfferedByStatusAndProvider(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	const (
		okta = "OKTA"
		ad   = "ACTIVE_DIRECTORY"
		fed  = "FEDERATION"
	)
	tests := []struct {
		name       string
		provider   string
		status     string
		factor     bool
		offered    []string
		notOffered []string
		note       string // "" when nothing must be done elsewhere
	}{
		{name: "okta, active", provider: okta, status: oktatest.StatusActive, factor: true,
			offered:    []string{"reset-password", "expire-password", "forgot-password", "reset-factors", "recovery-question", "suspend", "deactivate", "clear-sessions"},
			notOffered: []string{"unlock", "activate", "unsuspend"}},
		{name: "okta, active, no factors", provider: okta, status: oktatest.StatusActive,
			offered: []string{"reset-password", "suspend"}, notOffered: []string{"reset-factors"}},
		{name: "okta, locked out", provider: okta, status: oktatest.StatusLockedOut, factor: true,
			offered: []string{"unlock", "reset-password", "expire-password", "reset-factors"}, notOffered: []string{"suspend", "forgot-password"}},
		{name: "directory, active", provider: ad, status: oktatest.StatusActive, factor: true,
			offered: []string{"reset-password", "expire-password", "suspend", "deactivate"}, notOffered: []string{"unlock"}},
		{name: "directory, locked out", provider: ad, status: oktatest.StatusLockedOut,
			offered: []string{"reset-password", "deactivate"}, notOffered: []string{"unlock"},
			note: "unlock it in the directory (corp.example.com)"},
		{name: "federated, active", provider: fed, status: oktatest.StatusActive, factor: true,
			offered:    []string{"suspend", "deactivate", "clear-sessions", "reset-factors"},
			notOffered: []string{"reset-password", "expire-password", "forgot-password", "recovery-question"},
			note:       "would convert them to an Okta password"},
		{name: "federated, suspended", provider: fed, status: oktatest.StatusSuspended,
			offered: []string{"unsuspend", "deactivate"}, notOffered: []string{"reset-password", "recovery-question"},
			note: "Okta keeps no recovery question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tag := uniq()
			login := "prov." + tag + "@example.com"
			su := oktatest.SeedUser{Status: tt.status, Profile: map[string]any{"login": login, "email": login, "firstName": "Pat", "lastName": "Prov" + tag[:4]}}
			switch tt.provider {
			case fed:
				su.Provider = oktatest.SeedProvider{Type: oktatest.ProviderFederation, Name: oktatest.ProviderFederation}
			case ad:
				su.Provider = oktatest.SeedProvider{Type: oktatest.ProviderActiveDirectory, Name: oktatest.DemoDirectory}
				fallthrough
			default:
				su.Password, su.RecoveryQuestion, su.RecoveryAnswer = webtest.DemoPassword, "What was the name of your first pet?", "Biscuit"
			}
			id := h.Okta.AddUser(su)
			if tt.factor {
				h.Okta.EnrollFactor(id, oktatest.SeedFactor{Type: oktatest.FactorPush, DeviceName: "Test phone"})
			}
			offered, notes := personPanel(t, h, id)
			for _, k := range tt.offered {
				assert.Contains(t, offered, k)
			}
			for _, k := range tt.notOffered {
				assert.NotContains(t, offered, k)
			}
			if tt.note == "" {
				assert.Empty(t, notes)
			} else {
				assert.Contains(t, notes, tt.note)
			}
		})
	}
}

// TestAdminProviderRefusalsAreExplainedAndNothingIsConverted is handler-level: a reset of
// ivan (federated) posted anyway is refused in words before Okta is asked, so he is never
// silently converted to an Okta password; judy (Active Directory), once locked out, is to be
// unlocked in the directory.
func TestAdminProviderRefusalsAreExplainedAndNothingIsConverted(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	ivan, judy := h.Okta.UserID("ivan@example.com"), h.Okta.UserID("judy@example.com")
	h.Okta.SetStatus(judy, oktatest.StatusLockedOut)
	tests := []struct {
		name, id, action string
		handler          handlers.Func
		want             []string
	}{
		{name: "reset ivan's password", id: ivan, action: handlers.ActionResetPassword, handler: h.App.Admin.ResetPassword,
			want: []string{"Ivan Ivanova signs in through their identity provider", "convert them to an Okta password"}},
		{name: "set ivan's recovery question", id: ivan, action: handlers.ActionRecoveryQuestion, handler: h.App.Admin.SetRecoveryQuestion,
			want: []string{"Okta keeps no recovery question"}},
		{name: "unlock judy", id: judy, action: handlers.ActionUnlock, handler: h.App.Admin.Unlock,
			want: []string{"unlock it in the directory (corp.example.com)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.As(t, webtest.Request(http.MethodPost, personPath(tt.id)+"/"+tt.action, actionForm(tt.action), nil, "id", tt.id), "ada@example.com")
			h.Okta.ResetRequests()
			_, err := webtest.Call(tt.handler, r)
			he := handlers.Classify(err)
			assert.Equal(t, http.StatusConflict, he.Status)
			for _, w := range tt.want {
				assert.Contains(t, he.Msg, w)
			}
			assert.Zero(t, h.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method != http.MethodGet }), "Okta was not asked")
		})
	}
	u, err := h.App.Okta.GetUser(t.Context(), ivan)
	require.NoError(t, err)
	assert.Equal(t, "FEDERATION", string(u.Credentials.Provider.Type), "ivan still signs in through his identity provider")
	assert.False(t, u.Credentials.HasPassword)
}

// TestAdminTransitionInWords is handler-level: mia's deactivation is asynchronous at Okta.
// After the action the person page says Okta is still deactivating her and offers nothing;
// an action posted meanwhile is refused in words; and Okta's own 409 E0000112, when Gatehouse
// reads her before the transition shows, is explained in the same words.
func TestAdminTransitionInWords(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	mia := h.Okta.UserID("mia@example.com")

	r := h.As(t, webtest.Request(http.MethodPost, personPath(mia)+"/deactivate", actionForm(handlers.ActionDeactivate), nil, "id", mia), "ada@example.com")
	w, err := webtest.Call(h.App.Admin.Deactivate, r)
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())

	offered, notes := personPanel(t, h, mia)
	assert.Empty(t, offered, "nothing can be changed during the transition")
	assert.Contains(t, notes, "Okta is still deactivating Mia Moreau's account")

	r = h.As(t, webtest.Request(http.MethodPost, personPath(mia)+"/clear-sessions", actionForm(handlers.ActionClearSessions), nil, "id", mia), "ada@example.com")
	_, err = webtest.Call(h.App.Admin.ClearSessions, r)
	he := handlers.Classify(err)
	assert.Equal(t, http.StatusConflict, he.Status)
	assert.Contains(t, he.Msg, "try again in a moment")

	// Okta's 409 itself: another person, whose read does not show a transition yet.
	alice := h.Okta.UserID("alice@example.com")
	h.Okta.Inject(oktatest.Fault{Method: http.MethodPost, Path: "/api/v1/users/" + alice + "/lifecycle/suspend", Status: http.StatusConflict})
	t.Cleanup(h.Okta.ClearFaults)
	r = h.As(t, webtest.Request(http.MethodPost, personPath(alice)+"/suspend", actionForm(handlers.ActionSuspend), nil, "id", alice), "ada@example.com")
	_, err = webtest.Call(h.App.Admin.Suspend, r)
	he = handlers.Classify(err)
	assert.Equal(t, http.StatusConflict, he.Status)
	assert.Equal(t, "The account is still changing", he.Title)
	assert.Contains(t, he.Msg, "Nothing was changed")
}
