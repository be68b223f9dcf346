package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// entriesOf returns the audit entries about target with action, newest first.
func entriesOf(t *testing.T, env *webtest.Env, target, action string) []audit.Entry {
	t.Helper()
	p, err := env.App.Audit.Query(t.Context(), audit.Filter{Target: target, Action: action})
	require.NoError(t, err)
	return p.Entries
}

// followPage follows a redirect and returns the page it leads to.
func followPage(t *testing.T, env *webtest.Env, c *http.Client, res *http.Response) *goquery.Document {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, body := get(t, env, c, res.Header.Get("Location"), nil)
	return parseHTML(t, body)
}

// TestAdminEditProfile: an admin edits a person's profile through the user schema; only what
// changed goes to Okta, in a partial update, and the audit entry holds before and after; the
// helpdesk can neither see the editor nor post to it; bad input is explained on its field and
// kept; a directory person's mastered attributes are read-only with the reason, and Okta's
// refusal of one is explained.
func TestAdminEditProfile(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	bob := env.Okta.UserID("bob@example.com")
	judy := env.Okta.UserID("judy@example.com")
	editPath := personPath(bob) + "/edit"

	t.Run("the form is the schema's", func(t *testing.T) {
		res, body := get(t, env, ada, editPath, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		doc := parseHTML(t, body)
		for _, name := range []string{"title", "firstName", "badgeNumber", "officeLocation", "pronouns"} {
			assert.Equal(t, 1, doc.Find("[data-testid=field-"+name+"]").Length(), "%s is editable by an admin (read-only for SELF does not bind admins)", name)
		}
		assert.Equal(t, "30", doc.Find(`input[name="attr.pronouns"]`).AttrOr("maxlength", ""), "constraints reach the input")
		assert.Positive(t, doc.Find(`select[name="attr.officeLocation"] option`).Length(), "an enum is a select")
	})

	tests := []struct {
		name       string
		client     *http.Client
		form       url.Values
		wantStatus int
		wantTitle  any // the emulator's title afterwards
		check      func(t *testing.T, body string)
	}{
		{name: "helpdesk cannot", client: hal, form: url.Values{"attr.title": {"Hacker"}}, wantStatus: http.StatusForbidden, wantTitle: nil},
		{name: "a value breaking the schema is explained and kept", client: ada,
			form: url.Values{"attr.title": {"Staff Engineer"}, "attr.badgeNumber": {"12345"}}, wantStatus: http.StatusUnprocessableEntity,
			check: func(t *testing.T, body string) {
				doc := parseHTML(t, body)
				assert.NotEmpty(t, doc.Find("[data-testid=error-badgeNumber]").Text())
				assert.Equal(t, "12345", doc.Find(`input[name="attr.badgeNumber"]`).AttrOr("value", ""), "input kept")
				assert.Equal(t, "Staff Engineer", doc.Find(`input[name="attr.title"]`).AttrOr("value", ""), "input kept")
			}},
		{name: "admin edits bob's title", client: ada, form: url.Values{"attr.title": {"Staff Engineer"}}, wantStatus: http.StatusSeeOther, wantTitle: "Staff Engineer"},
	}
	before, _ := env.Okta.ProfileValue(bob, "title")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ResetRequests()
			res, body := post(t, env, tt.client, editPath, tt.form, nil)
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			got, _ := env.Okta.ProfileValue(bob, "title")
			if tt.wantTitle == nil {
				assert.Equal(t, before, got, "Okta's value is unchanged")
				assert.Zero(t, mutations(env, bob))
			} else {
				assert.Equal(t, tt.wantTitle, got, "the emulator holds the new title")
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}

	t.Run("the edit is audited with before and after, and the page says so", func(t *testing.T) {
		entries := entriesOf(t, env, bob, "edit-profile")
		require.NotEmpty(t, entries)
		e := entries[0]
		assert.Equal(t, audit.ResultSuccess, e.Result)
		assert.Equal(t, "ada@example.com", e.ActorLogin)
		assert.Equal(t, `title: "`+before.(string)+`" -> "Staff Engineer"`, e.Detail, "only the changed attribute, with both values")
		res, _ := post(t, env, ada, editPath, url.Values{"attr.title": {"Staff Engineer"}, "attr.firstName": {"Bob"}}, nil)
		doc := followPage(t, env, ada, res)
		assert.Contains(t, doc.Find("[data-testid=alert-info]").Text(), "Nothing to save", "an unchanged form sends nothing")
		assert.Len(t, entriesOf(t, env, bob, "edit-profile"), 1)
	})

	t.Run("helpdesk gets no editor and no link", func(t *testing.T) {
		res, _ := get(t, env, hal, editPath, nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		_, body := get(t, env, hal, personPath(bob), nil)
		assert.Zero(t, parseHTML(t, body).Find("[data-testid=edit-profile]").Length())
		_, body = get(t, env, ada, personPath(bob), nil)
		assert.Equal(t, editPath, parseHTML(t, body).Find("[data-testid=edit-profile]").AttrOr("href", ""))
	})

	t.Run("a directory person's mastered attributes are explained", func(t *testing.T) {
		_, body := get(t, env, ada, personPath(judy)+"/edit", nil)
		doc := parseHTML(t, body)
		assert.Contains(t, doc.Find("[data-testid=readonly-title]").Text(), "Comes from Active Directory ("+oktatest.DemoDirectory+")")
		assert.Equal(t, 1, doc.Find("[data-testid=field-mobilePhone]").Length(), "Okta-mastered attributes stay editable")
		res, body := post(t, env, ada, personPath(judy)+"/edit", url.Values{"attr.title": {"Boss"}}, nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		assert.Contains(t, parseHTML(t, body).Find("[data-testid=alert-error]").Text(), "managed in Active Directory")
		entries := entriesOf(t, env, judy, "edit-profile")
		require.NotEmpty(t, entries)
		assert.Equal(t, audit.ResultFailure, entries[0].Result)
		assert.Equal(t, "E0000023 · title", entries[0].Detail, "Okta's code, then what was asked")
	})
}

// TestAdminGroupMembership: ada adds alice to an Okta group found by the live search and
// removes her after a confirmation, both in Okta and in the audit trail; an app group is shown
// but not removable, and a forged removal is refused by Okta in words; the helpdesk may not
// change membership; a role group's change says when it takes effect.
func TestAdminGroupMembership(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	alice := env.Okta.UserID("alice@example.com")
	finance := env.Okta.GroupIDOfType(oktatest.GroupFinance, "OKTA_GROUP")
	require.NotEmpty(t, finance)
	require.False(t, slices.Contains(env.Okta.GroupMembers(finance), alice))

	t.Run("the live search offers Okta groups she is not in", func(t *testing.T) {
		res, body := get(t, env, ada, personPath(alice)+"/groups/search?q=Fin", webtest.HTMX(views.PersonGroupResultsID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		doc := parseHTML(t, body)
		assert.Contains(t, doc.Find("[data-testid=group-found]").Text(), oktatest.GroupFinance)
		assert.Equal(t, finance, doc.Find(`input[name=group_id]`).AttrOr("value", ""))
	})

	t.Run("ada adds alice", func(t *testing.T) {
		res, _ := post(t, env, ada, personPath(alice)+"/groups", url.Values{"group_id": {finance}}, nil)
		doc := followPage(t, env, ada, res)
		assert.Contains(t, env.Okta.GroupMembers(finance), alice, "Okta has her in the group")
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Added to the group")
		row := doc.Find("[data-testid=group-row]").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find("[data-testid=person-group]").Text() == oktatest.GroupFinance
		})
		require.Equal(t, 1, row.Length())
		assert.Contains(t, row.Text(), "Okta group")
		entries := entriesOf(t, env, alice, "add-to-group")
		require.Len(t, entries, 1)
		assert.Equal(t, audit.ResultSuccess, entries[0].Result)
		assert.Contains(t, entries[0].Detail, finance)
	})

	t.Run("ada removes alice after confirming", func(t *testing.T) {
		confirm := views.GroupRemoveURL(alice, finance)
		res, body := get(t, env, ada, confirm, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, parseHTML(t, body).Find("[data-testid=confirm-question]").Text(), "Remove Alice")
		res, _ = post(t, env, ada, confirm, url.Values{}, nil)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "not without the confirmation")
		assert.Contains(t, env.Okta.GroupMembers(finance), alice)
		res, _ = post(t, env, ada, confirm, url.Values{"confirm": {"yes"}}, nil)
		doc := followPage(t, env, ada, res)
		assert.NotContains(t, env.Okta.GroupMembers(finance), alice, "Okta no longer has her in the group")
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Removed from the group")
		entries := entriesOf(t, env, alice, "remove-from-group")
		require.Len(t, entries, 1)
		assert.Equal(t, audit.ResultSuccess, entries[0].Result)
	})

	t.Run("an app group is shown, not removable, and Okta's refusal is in words", func(t *testing.T) {
		nina := env.Okta.UserID(oktatest.DemoImported)
		appGroup := env.Okta.GroupIDOfType("Gatehouse Helpdesk", "APP_GROUP")
		require.NotEmpty(t, appGroup)
		_, body := get(t, env, ada, personPath(nina), nil)
		row := parseHTML(t, body).Find(`[data-testid=group-row][data-group-type=APP_GROUP]`)
		require.Equal(t, 1, row.Length())
		assert.Zero(t, row.Find("[data-testid=group-remove]").Length())
		assert.Contains(t, row.Find("[data-testid=group-fixed]").Text(), "come from the app or directory")

		res, body := post(t, env, ada, views.GroupRemoveURL(nina, appGroup), url.Values{"confirm": {"yes"}}, nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		text := parseHTML(t, body).Text()
		assert.Contains(t, text, "Okta does not let Gatehouse remove Nina")
		assert.Contains(t, text, "Its members come from the app or directory it was imported from")
		assert.NotContains(t, text, "E0000006", "never Okta's code")
		assert.Contains(t, env.Okta.GroupMembers(appGroup), nina, "still a member")
		entries := entriesOf(t, env, nina, "remove-from-group")
		require.Len(t, entries, 1)
		assert.Equal(t, audit.ResultFailure, entries[0].Result)
		assert.Equal(t, "E0000006 · "+`group "Gatehouse Helpdesk" (`+appGroup+`, APP_GROUP)`, entries[0].Detail)
	})

	t.Run("the helpdesk cannot change membership", func(t *testing.T) {
		env.Okta.ResetRequests()
		res, _ := post(t, env, hal, personPath(alice)+"/groups", url.Values{"group_id": {finance}}, nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		assert.Zero(t, env.Okta.CountRequests(func(r oktatest.Request) bool { return r.Method == http.MethodPut }))
		_, body := get(t, env, hal, personPath(alice), nil)
		doc := parseHTML(t, body)
		assert.Zero(t, doc.Find("[data-testid=group-add-form], [data-testid=group-remove]").Length())
		assert.Contains(t, doc.Find("[data-testid=groups-note]").Text(), "needs the admin role")
	})

	t.Run("a role group says when the role changes", func(t *testing.T) {
		bob := env.Okta.UserID("bob@example.com")
		helpdesk := env.Okta.GroupIDOfType("Gatehouse Helpdesk", "OKTA_GROUP")
		res, _ := post(t, env, ada, personPath(bob)+"/groups", url.Values{"group_id": {helpdesk}}, nil)
		doc := followPage(t, env, ada, res)
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "will get the Gatehouse helpdesk role at their next role check: within 5 minutes")
		res, _ = post(t, env, ada, views.GroupRemoveURL(bob, helpdesk), url.Values{"confirm": {"yes"}}, nil)
		doc = followPage(t, env, ada, res)
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "will lose the Gatehouse helpdesk role")
	})
}

// TestAdminFactors: a person's factors in words, and the reset of one of them by the helpdesk
// with a reason, in Okta and the audit trail; not on one's own account.
func TestAdminFactors(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	ada := env.SignInAs(t, "ada@example.com")
	alice := env.Okta.UserID("alice@example.com")
	factors := env.Okta.Factors(alice)
	require.Len(t, factors, 1)
	push := factors[0].ID

	_, body := get(t, env, hal, personPath(alice), nil)
	doc := parseHTML(t, body)
	row := doc.Find("[data-testid=factor-row]")
	require.Equal(t, 1, row.Length())
	assert.Equal(t, "Okta Verify", row.Find("[data-testid=factor-kind]").Text())
	assert.Contains(t, row.Text(), "Alice's iPhone")
	assert.Contains(t, row.Text(), "In use")
	reset := row.Find("[data-testid=factor-reset]").AttrOr("href", "")
	assert.Equal(t, views.FactorResetURL(alice, push), reset)

	tests := []struct {
		name       string
		client     *http.Client
		path       string
		form       url.Values
		wantStatus int
		wantLeft   int
	}{
		{name: "a reason is required", client: hal, path: reset, form: url.Values{"confirm": {"yes"}}, wantStatus: http.StatusUnprocessableEntity, wantLeft: 1},
		{name: "not on one's own account", client: ada, path: views.FactorResetURL(env.Okta.UserID("ada@example.com"), env.Okta.Factors(env.Okta.UserID("ada@example.com"))[0].ID),
			form: url.Values{"confirm": {"yes"}, "reason": {"T-1"}}, wantStatus: http.StatusBadRequest, wantLeft: 1},
		{name: "an unknown factor", client: hal, path: views.FactorResetURL(alice, "opfNOPE"), form: url.Values{"confirm": {"yes"}, "reason": {"T-1"}}, wantStatus: http.StatusNotFound, wantLeft: 1},
		{name: "the helpdesk resets alice's push", client: hal, path: reset, form: url.Values{"confirm": {"yes"}, "reason": {"TICKET-7"}}, wantStatus: http.StatusSeeOther, wantLeft: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := post(t, env, tt.client, tt.path, tt.form, nil)
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			assert.Len(t, env.Okta.Factors(alice), tt.wantLeft)
		})
	}
	entries := entriesOf(t, env, alice, "reset-factor")
	require.NotEmpty(t, entries)
	assert.Equal(t, audit.ResultSuccess, entries[0].Result)
	assert.Equal(t, "TICKET-7", entries[0].Reason)
	assert.Equal(t, "factor "+push+": Okta Verify on Alice's iPhone", entries[0].Detail)
	_, body = get(t, env, hal, personPath(alice), nil)
	assert.Equal(t, 1, parseHTML(t, body).Find("[data-testid=no-factors]").Length())
}

// TestResendActivation: grace's activation is pending (PROVISIONED); an admin resends it by
// email, or gets the link once; the people list can filter pending activations.
func TestResendActivation(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	grace := env.Okta.UserID("grace@example.com")

	t.Run("pending activations are a filter of the people list", func(t *testing.T) {
		_, body := get(t, env, hal, "/admin/users?status=PROVISIONED", nil)
		doc := parseHTML(t, body)
		assert.Contains(t, doc.Find(`#`+views.UserResultsID).Text(), "grace@example.com")
		assert.Equal(t, "Pending activation", strings.TrimSpace(doc.Find(`select[name=status] option[value=PROVISIONED]`).Text()))
	})

	t.Run("the page offers it to admins only", func(t *testing.T) {
		_, body := get(t, env, ada, personPath(grace), nil)
		assert.Equal(t, 1, parseHTML(t, body).Find("[data-testid=resend-activation]").Length())
		_, body = get(t, env, hal, personPath(grace), nil)
		assert.Zero(t, parseHTML(t, body).Find("[data-testid=resend-activation]").Length())
		_, body = get(t, env, ada, personPath(env.Okta.UserID("bob@example.com")), nil)
		assert.Zero(t, parseHTML(t, body).Find("[data-testid=resend-activation]").Length(), "only for pending activations")
	})

	tests := []struct {
		name       string
		client     *http.Client
		id         string
		delivery   string
		wantStatus int
		wantEmails int
	}{
		{name: "helpdesk cannot", client: hal, id: grace, delivery: "email", wantStatus: http.StatusForbidden},
		{name: "not for an active person", client: ada, id: env.Okta.UserID("bob@example.com"), delivery: "email", wantStatus: http.StatusConflict},
		{name: "grace's activation resent by email", client: ada, id: grace, delivery: "email", wantStatus: http.StatusSeeOther, wantEmails: 1},
		{name: "grace's activation link shown once", client: ada, id: grace, delivery: "link", wantStatus: http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emails := len(activationEmails(env, "grace@example.com"))
			res, body := post(t, env, tt.client, personPath(tt.id)+"/resend-activation", url.Values{"delivery": {tt.delivery}}, nil)
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			assert.Len(t, activationEmails(env, "grace@example.com"), emails+tt.wantEmails)
			if tt.delivery == "link" && tt.wantStatus == http.StatusSeeOther {
				// Post/redirect/get: the link rides to the person's page once, never in the URL.
				require.Equal(t, personPath(tt.id), res.Header.Get("Location"))
				assert.NotContains(t, body, env.Okta.URL())
				page, body := get(t, env, tt.client, personPath(tt.id), nil)
				assert.Equal(t, "no-store", page.Header.Get("Cache-Control"))
				link := parseHTML(t, body).Find("[data-testid=secret-value]").Text()
				assert.Contains(t, link, env.Okta.URL(), "the activation link is shown")
				_, again := get(t, env, tt.client, personPath(tt.id), nil)
				assert.NotContains(t, again, link, "and only once: a reload does not show it again")
				for _, e := range entriesOf(t, env, grace, "resend-activation") {
					assert.NotContains(t, e.Detail+e.Reason, link, "never in the audit trail")
				}
			}
		})
	}
	entries := entriesOf(t, env, grace, "resend-activation")
	require.Len(t, entries, 2)
	assert.Equal(t, "activation link shown", entries[0].Detail)
	assert.Equal(t, "activation email", entries[1].Detail)
	assert.Equal(t, "PROVISIONED", env.Okta.UserStatus(grace), "still pending until she opens the link")
}

func activationEmails(env *webtest.Env, to string) []oktatest.Email {
	var out []oktatest.Email
	for _, e := range env.Okta.Emails() {
		if e.To == to && e.Kind == "activation" {
			out = append(out, e)
		}
	}
	return out
}
