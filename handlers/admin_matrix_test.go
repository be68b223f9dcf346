package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/handlers"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// statuses are Okta's eight user statuses.
var statuses = []string{
	oktatest.StatusStaged, oktatest.StatusProvisioned, oktatest.StatusActive, oktatest.StatusRecovery,
	oktatest.StatusLockedOut, oktatest.StatusPasswordExpired, oktatest.StatusSuspended, oktatest.StatusDeprovisioned,
}

// actionTransitions is USERS-API.md §5.2 written out independently of the action table: for
// each action, the statuses it is allowed from and the status it leaves (same = unchanged).
// Every test person has a password, a recovery question and an MFA factor (Okta offers
// resetFactors only to people with one).
var actionTransitions = map[string]struct {
	from []string
	to   string
}{
	handlers.ActionActivate:         {from: []string{"STAGED", "DEPROVISIONED"}, to: "ACTIVE"},
	handlers.ActionDeactivate:       {from: []string{"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED"}, to: "DEPROVISIONED"},
	handlers.ActionSuspend:          {from: []string{"ACTIVE"}, to: "SUSPENDED"},
	handlers.ActionUnsuspend:        {from: []string{"SUSPENDED"}, to: "ACTIVE"},
	handlers.ActionUnlock:           {from: []string{"LOCKED_OUT"}, to: "ACTIVE"},
	handlers.ActionResetPassword:    {from: []string{"ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY", "PROVISIONED"}, to: "RECOVERY"},
	handlers.ActionExpirePassword:   {from: []string{"ACTIVE", "PASSWORD_EXPIRED", "RECOVERY", "LOCKED_OUT"}, to: "PASSWORD_EXPIRED"},
	handlers.ActionResetFactors:     {from: []string{"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED"}, to: "same"},
	handlers.ActionClearSessions:    {from: []string{"ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED"}, to: "same"},
	handlers.ActionForgotPassword:   {from: []string{"ACTIVE"}, to: "same"},
	handlers.ActionRecoveryQuestion: {from: []string{"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED"}, to: "same"},
}

// actionForm is a complete, valid confirmation form for the action.
func actionForm(key string) url.Values {
	f := url.Values{"confirm": {"yes"}, "reason": {"TICKET-42"}}
	switch key {
	case handlers.ActionActivate, handlers.ActionResetPassword:
		f.Set("delivery", "email")
	case handlers.ActionRecoveryQuestion:
		f.Set("question", "Which city were you born in?")
		f.Set("answer", "Springfield")
	}
	return f
}

// TestAdminActionStatusMatrix runs every action on a person in every status through the UI
// handlers: allowed combinations move the status as USERS-API.md §5.2 says; the others answer
// 409 in plain words without any Okta call that could change something.
func TestAdminActionStatusMatrix(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	require.Len(t, handlers.Actions(), len(actionTransitions), "every action of the table is covered")
	for _, status := range statuses {
		// A fresh admin per status keeps each under the per-person limit of admin actions.
		c, _ := adminSignIn(t, env, oktatest.GroupAdmins)
		for _, act := range handlers.Actions() {
			want, ok := actionTransitions[act.Key]
			require.True(t, ok, "no expectation for %s", act.Key)
			allowed := slices.Contains(want.from, status)
			t.Run(act.Key+" from "+status, func(t *testing.T) {
				id := adminTestUser(t, env.Okta, status)
				env.Okta.EnrollFactor(id, oktatest.SeedFactor{Type: oktatest.FactorPush, DeviceName: "Test phone"})
				env.Okta.ResetRequests()
				res, body := post(t, env, c, personPath(id)+"/"+act.Key, actionForm(act.Key), nil)
				entries := auditFor(t, env, id)
				require.Len(t, entries, 1, "one audit entry per action")
				assert.Equal(t, act.Key, entries[0].Action)
				if !allowed {
					assert.Equal(t, http.StatusConflict, res.StatusCode, body)
					assert.Zero(t, mutations(env, ""), "a refused action makes no Okta mutation")
					assert.Equal(t, status, env.Okta.UserStatus(id), "the status is unchanged")
					assert.Equal(t, audit.ResultDenied, entries[0].Result)
					doc := parseHTML(t, body)
					assert.NotEmpty(t, doc.Find("[data-testid=error-page]").Text(), "a page explains the refusal")
					return
				}
				assert.Equal(t, http.StatusSeeOther, res.StatusCode, body)
				assert.Equal(t, personPath(id), res.Header.Get("Location"), "the banner travels in a server-side flash, not the URL")
				calls := 1
				if act.Key == handlers.ActionResetPassword || act.Key == handlers.ActionResetFactors {
					calls = 2 // the reset, then ending the person's Okta sessions and tokens
				}
				assert.Equal(t, calls, mutations(env, id), "Okta mutations")
				wantStatus := want.to
				if wantStatus == "same" {
					wantStatus = status
				}
				assert.Equal(t, wantStatus, env.Okta.UserStatus(id), "status after %s", act.Key)
				assert.Equal(t, audit.ResultSuccess, entries[0].Result)
				assert.Equal(t, "TICKET-42", entries[0].Reason, "the reason or ticket is recorded")
			})
		}
	}
}

// TestAdminActionRefusalWords is handler-level: the 409 explanations name the person and the
// problem.
func TestAdminActionRefusalWords(t *testing.T) {
	t.Parallel()
	h := webtest.NewHandlers(t, webtest.Options{})
	bob, alice := h.Okta.UserID("bob@example.com"), h.Okta.UserID("alice@example.com")
	tests := []struct {
		name, id, action, want string
		handler                handlers.Func
	}{
		{name: "unlock someone not locked out", id: alice, action: handlers.ActionUnlock, handler: h.App.Admin.Unlock, want: "Alice Anderson is not locked out, so there is nothing to unlock."},
		{name: "activate someone active", id: alice, action: handlers.ActionActivate, handler: h.App.Admin.Activate, want: "Alice Anderson is already active."},
		{name: "suspend someone locked out", id: bob, action: handlers.ActionSuspend, handler: h.App.Admin.Suspend, want: "Bob Brown's account is locked out. Suspend is only possible when the account is active."},
		{name: "forgot password without a question", id: bob, action: handlers.ActionForgotPassword, handler: h.App.Admin.ForgotPassword, want: "Bob Brown's account is locked out. Okta only sends forgot-password emails to active accounts."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := webtest.Request(http.MethodPost, personPath(tt.id)+"/"+tt.action, actionForm(tt.action), nil, "id", tt.id)
			_, err := webtest.Call(tt.handler, h.As(t, r, "ada@example.com"))
			he := handlers.Classify(err)
			assert.Equal(t, http.StatusConflict, he.Status)
			assert.Equal(t, tt.want, he.Msg)
		})
	}
}
