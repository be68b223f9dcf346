package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/webtest"
)

// groupNames lists the names of a person's groups at Okta.
func groupNames(t *testing.T, env *webtest.Env, id string) []string {
	t.Helper()
	groups, err := env.App.Okta.ListUserGroups(t.Context(), id)
	require.NoError(t, err)
	var names []string
	for _, g := range groups {
		names = append(names, g.Profile.Name)
	}
	return names
}

func createForm(login string, extra url.Values) url.Values {
	f := url.Values{"first_name": {"Nina"}, "last_name": {"Newcomer"}, "email": {login}, "op": {"create"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func TestAdminCreatePerson(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	eng, sales := env.Okta.GroupID(oktatest.GroupEngineering), env.Okta.GroupID(oktatest.GroupSales)

	tests := []struct {
		name       string
		extra      url.Values
		wantStatus string
		wantSecret bool
		wantWords  string
		wantGroups []string
	}{
		{name: "staged, in two groups", extra: url.Values{"activation": {"staged"}, "group": {eng + ":Engineering", sales}}, wantStatus: oktatest.StatusStaged, wantWords: "created and staged", wantGroups: []string{"Engineering", "Sales"}},
		{name: "active at once with an initial password", extra: url.Values{"activation": {"email"}, "password": {"Fresh-Start-2024"}}, wantStatus: oktatest.StatusActive, wantWords: "account is active"},
		{name: "emailed activation without a password", extra: url.Values{"activation": {"email"}}, wantStatus: oktatest.StatusProvisioned, wantWords: "waiting for activation: Okta has emailed them"},
		{name: "activation link shown once", extra: url.Values{"activation": {"link"}, "group": {sales + ":Sales"}}, wantStatus: oktatest.StatusProvisioned, wantSecret: true, wantWords: "waiting for activation: pass on the activation link", wantGroups: []string{"Sales"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			login := "nina." + uniq() + "@example.com"
			loc, res, body := postRedirected(t, env, ada, "/admin/users/new", createForm(login, tt.extra))
			id := env.Okta.UserID(login)
			require.NotEmpty(t, id, "the person exists at Okta: %s", body)
			assert.Equal(t, tt.wantStatus, env.Okta.UserStatus(id))
			assert.Equal(t, "/admin/users/"+id, loc)
			require.Equal(t, http.StatusOK, res.StatusCode)
			doc := parseHTML(t, body)
			assert.Equal(t, "Nina Newcomer", doc.Find("[data-testid=person-name]").Text(), "the person's page")
			assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), tt.wantWords, "words that match the status")
			if tt.wantStatus != oktatest.StatusActive {
				assert.NotContains(t, doc.Find("[data-testid=alert-success]").Text(), "activated", "never “activated” for an account that is not active")
			}
			if tt.wantSecret {
				assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
				assert.Contains(t, doc.Find("#"+views.SecretValueID).Text(), "/welcome/")
			}
			// A reload of the page after the redirect neither creates the person again nor
			// shows the link again.
			env.Okta.ResetRequests()
			_, again := get(t, env, ada, loc, nil)
			assert.Empty(t, parseHTML(t, again).Find("[data-testid=secret]").Nodes, "the activation link shows once")
			assert.Zero(t, mutations(env, ""), "a reload changes nothing")
			groups := groupNames(t, env, id)
			for _, g := range tt.wantGroups {
				assert.Contains(t, groups, g)
			}
			entries := auditFor(t, env, id)
			require.NotEmpty(t, entries)
			assert.Equal(t, "create", entries[len(entries)-1].Action)
		})
	}

	t.Run("the username defaults to the email", func(t *testing.T) {
		login := "nina." + uniq() + "@example.com"
		post(t, env, ada, "/admin/users/new", createForm(login, url.Values{"activation": {"staged"}, "login": {""}}), nil)
		assert.NotEmpty(t, env.Okta.UserID(login))
	})
}

func TestAdminCreatePersonProblems(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")

	tests := []struct {
		name      string
		form      url.Values
		wantField string
		wantText  string
		wantOkta  bool // Okta was asked (and refused)
	}{
		{name: "duplicate username, from Okta", form: createForm("alice@example.com", url.Values{"activation": {"staged"}, "password": {"Secret-Pass-99"}}), wantField: "login", wantText: "Someone already has this username.", wantOkta: true},
		{name: "missing names", form: url.Values{"email": {"x@example.com"}, "activation": {"staged"}}, wantField: "first_name", wantText: "Enter a first name."},
		{name: "bad email", form: createForm("not-an-email", url.Values{"activation": {"staged"}}), wantField: "email"},
		{name: "short username", form: createForm("nina@example.com", url.Values{"activation": {"staged"}, "login": {"n@x"}}), wantField: "login"},
		{name: "weak password", form: createForm("nina@example.com", url.Values{"activation": {"email"}, "password": {"short"}}), wantField: "password"},
		{name: "unknown activation", form: createForm("nina@example.com", url.Values{"activation": {"later"}}), wantField: "activation"},
		{name: "too many groups", form: createForm("nina@example.com", url.Values{"activation": {"staged"}, "group": manyGroups(21)}), wantField: "group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ResetRequests()
			res, body := post(t, env, ada, "/admin/users/new", tt.form, nil)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, body)
			doc := parseHTML(t, body)
			msg := doc.Find("[data-testid=error-" + tt.wantField + "]").Text()
			assert.NotEmpty(t, msg)
			if tt.wantText != "" {
				assert.Equal(t, tt.wantText, msg)
			}
			if tt.wantOkta {
				assert.Equal(t, 1, mutations(env, ""))
			} else {
				assert.Zero(t, mutations(env, ""), "refused before Okta")
			}
			assert.Equal(t, tt.form.Get("email"), doc.Find("input[name=email]").AttrOr("value", ""), "typed values are kept")
			assert.Empty(t, doc.Find("input[name=password]").AttrOr("value", ""), "never the password")
			if pw := tt.form.Get("password"); pw != "" {
				assert.NotContains(t, body, pw)
			}
		})
	}
}

func manyGroups(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "00g" + strings.Repeat("A", 15) + string(rune('A'+i/26)) + string(rune('a'+i%26))
	}
	return out
}

func TestAdminGroupPicker(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	eng, sales := env.Okta.GroupID(oktatest.GroupEngineering), env.Okta.GroupID(oktatest.GroupSales)

	options := func(doc *goquery.Selection) map[string]bool {
		got := map[string]bool{}
		doc.Find("input[type=checkbox][name=group]").Each(func(_ int, s *goquery.Selection) {
			_, checked := s.Attr("checked")
			got[s.AttrOr("data-group-id", "")] = checked
		})
		return got
	}

	t.Run("htmx search keeps the chosen groups checked", func(t *testing.T) {
		q := url.Values{"group_q": {"Eng"}, "group": {sales + ":Sales"}}
		res, body := get(t, env, ada, "/admin/groups/search?"+q.Encode(), webtest.HTMX(views.GroupResultsID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.NotContains(t, body, "<html")
		doc := parseHTML(t, body)
		assert.Equal(t, map[string]bool{sales: true, eng: false}, options(doc.Selection))
		assert.Contains(t, doc.Find("label[for=group-"+eng+"]").Text(), "Engineering")
	})

	t.Run("the form's search input drives it", func(t *testing.T) {
		_, body := get(t, env, ada, "/admin/users/new", nil)
		in := parseHTML(t, body).Find("input[name=group_q]")
		assert.Equal(t, "/admin/groups/search", in.AttrOr("hx-get", ""))
		assert.Equal(t, "#"+views.GroupResultsID, in.AttrOr("hx-target", ""))
	})

	t.Run("app groups cannot take members and are not offered", func(t *testing.T) {
		res, body := get(t, env, ada, "/admin/groups/search?group_q=Slack", webtest.HTMX(views.GroupResultsID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Empty(t, options(parseHTML(t, body).Selection))
	})

	t.Run("without JavaScript Find groups keeps everything but the password", func(t *testing.T) {
		form := createForm("nina.nojs@example.com", url.Values{"op": {"find-groups"}, "group_q": {"Eng"}, "group": {sales + ":Sales"},
			"login": {"nina.custom@example.com"}, "activation": {"link"}, "password": {"Keep-Me-Secret-1"}})
		env.Okta.ResetRequests()
		res, body := post(t, env, ada, "/admin/users/new", form, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Zero(t, mutations(env, ""), "nothing is created")
		doc := parseHTML(t, body)
		assert.Equal(t, map[string]bool{sales: true, eng: false}, options(doc.Find("#"+views.GroupPickerID)))
		for name, want := range map[string]string{"first_name": "Nina", "last_name": "Newcomer", "email": "nina.nojs@example.com", "login": "nina.custom@example.com", "group_q": "Eng"} {
			assert.Equal(t, want, doc.Find("input[name="+name+"]").AttrOr("value", ""), name)
		}
		_, checked := doc.Find("#activation-link").Attr("checked")
		assert.True(t, checked)
		assert.NotContains(t, body, "Keep-Me-Secret-1")

		// Ticking Engineering and creating puts the person in both groups.
		form.Set("op", "create")
		form["group"] = []string{sales + ":Sales", eng + ":Engineering"}
		form.Del("password")
		_, res, body = postRedirected(t, env, ada, "/admin/users/new", form)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.NotEmpty(t, parseHTML(t, body).Find("[data-testid=secret]").Nodes, "the activation link is shown on the person's page")
		id := env.Okta.UserID("nina.custom@example.com")
		require.NotEmpty(t, id)
		assert.Subset(t, groupNames(t, env, id), []string{"Engineering", "Sales"})
	})

	t.Run("a forged group value is refused", func(t *testing.T) {
		res, _ := get(t, env, ada, "/admin/groups/search?group_q=x&group="+url.QueryEscape("../x:Evil"), webtest.HTMX(views.GroupResultsID))
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	})

	t.Run("helpdesk cannot add people", func(t *testing.T) {
		hal := env.SignInAs(t, "hal@example.com")
		res, _ := get(t, env, hal, "/admin/users/new", nil)
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
}

// TestAdminCreateKeepsOverlongText (issue 17, defect 10): no field cuts what is pasted into it
// (no maxlength); an overlong name comes back whole, with the bound in words.
func TestAdminCreateKeepsOverlongText(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	_, form := env.Page(t, ada, "/admin/users/new")
	assert.Empty(t, form.Find("input[maxlength]:not([type=search])").Nodes, "no field truncates text silently")
	assert.Equal(t, "50", form.Find("input[name=first_name]").AttrOr("data-maxlength", ""))

	long := strings.Repeat("Bartholomew", 10)[:100]
	res, body := post(t, env, ada, "/admin/users/new", createForm("long."+uniq()+"@example.com", url.Values{"activation": {"staged"}, "first_name": {long}}), nil)
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	doc := parseHTML(t, body)
	assert.Equal(t, long, doc.Find("input[name=first_name]").AttrOr("value", ""), "the whole text is kept")
	assert.Contains(t, doc.Find("[data-testid=error-first_name]").Text(), "at most 50 characters")
}
