package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/webtest"
)

// addPerson adds someone to the emulated org for one journey and returns their id.
func addPerson(env *webtest.Env, first, last, status string, extra func(*oktatest.SeedUser)) string {
	login := strings.ToLower(first+"."+last) + "@example.com"
	u := oktatest.SeedUser{
		Status:   status,
		Password: webtest.DemoPassword,
		Profile:  map[string]any{"login": login, "email": login, "firstName": first, "lastName": last},
	}
	if extra != nil {
		extra(&u)
	}
	return env.Okta.AddUser(u)
}

// selectOption picks an option of a <select> as a person does, which fires its change event.
func (b *browser) selectOption(sel, value string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function () { var s = document.querySelector(%s); s.focus(); s.value = %s;
	  s.dispatchEvent(new Event("input", {bubbles: true})); s.dispatchEvent(new Event("change", {bubbles: true})); })()`, jsString(sel), jsString(value))))
}

// TestBrowserAdminSearch finds people as ada: live search by name, the status filter, and
// paging through everyone with Next and Previous (the URL follows, for the back button).
func TestBrowserAdminSearch(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	b.click(`nav a[href="/admin/users"]`)
	b.waitFor(`[data-testid="user-search-form"]`)
	b.check()

	b.typeInto(`[data-testid="user-search"]`, "alice")
	b.waitJS(`Array.from(document.querySelectorAll('[data-testid="user-login"]')).some(function (e) { return e.textContent.trim() === "alice@example.com"; })`)
	b.check()
	b.waitPath("?q=alice in the URL", func(p string) bool { return strings.Contains(p, "q=alice") })

	b.clearField(`[data-testid="user-search"]`)
	b.waitCount(`[data-testid="user-row"]`, 25) // everyone again, before the next request
	b.selectOption(`[data-testid="status-filter"]`, "LOCKED_OUT")
	b.waitJS(`document.querySelectorAll('[data-testid="user-row"]').length > 0 && Array.from(document.querySelectorAll('[data-testid="user-row"] [data-testid="status-badge"]')).every(function (e) { return e.dataset.status === "LOCKED_OUT"; })`)
	b.check()
	assert.Contains(t, b.texts(`[data-testid="user-login"]`), "bob@example.com")
	assert.Equal(t, "Locked out", b.text(`[data-testid="user-row"] [data-testid="status-badge"]`), "statuses are words, not only colours")

	b.selectOption(`[data-testid="status-filter"]`, "")
	b.waitCount(`[data-testid="user-row"]`, 25)
	b.check()
	first := b.texts(`[data-testid="user-login"]`)

	b.click(`[data-testid="page-next"]`)
	b.waitJS(`document.querySelector('[data-testid="user-login"]').textContent.trim() !== ` + jsString(first[0]))
	b.check()
	second := b.texts(`[data-testid="user-login"]`)
	assert.Len(t, second, 25)
	assert.NotContains(t, second, first[0], "page two shows other people")
	b.waitPath("after= in the URL", func(p string) bool { return strings.Contains(p, "after=") })

	b.click(`[data-testid="page-prev"]`)
	b.waitJS(`document.querySelector('[data-testid="user-login"]').textContent.trim() === ` + jsString(first[0]))
	b.check()
	assert.Equal(t, first, b.texts(`[data-testid="user-login"]`), "Previous goes back to the same first page")
}

// lifecycleCase is one action on the person page, taken through its confirmation dialog.
type lifecycleCase struct {
	name       string
	action     string
	status     string                   // the person's status before
	seed       func(*oktatest.SeedUser) // extra seed data the action needs
	fill       func(b *browser)         // what the dialog asks for, beyond the reason
	wantStatus string                   // in Okta afterwards
	wantSecret bool                     // a one-time secret is shown
	wantEmail  string                   // the kind of email Okta sent, if any
}

// TestBrowserAdminLifecycle runs every lifecycle action as ada on someone in a status where it
// applies: the person page offers it, the dialog names the consequence and asks for a reason
// when the action is destructive, and afterwards the panel shows the new status.
func TestBrowserAdminLifecycle(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	withQuestion := func(u *oktatest.SeedUser) {
		u.RecoveryQuestion, u.RecoveryAnswer = "What was my first car?", "A green Beetle"
	}
	cases := []lifecycleCase{
		{name: "unlock", action: "unlock", status: "LOCKED_OUT", wantStatus: "ACTIVE"},
		{name: "reset password by email", action: "reset-password", status: "ACTIVE", wantStatus: "RECOVERY", wantEmail: "reset_password"},
		{name: "reset password with a one-time link", action: "reset-password", status: "ACTIVE", wantStatus: "RECOVERY", wantSecret: true,
			fill: func(b *browser) { b.click(`#delivery-link`) }},
		{name: "expire password with a temporary one", action: "expire-password", status: "ACTIVE", wantStatus: "PASSWORD_EXPIRED", wantSecret: true,
			fill: func(b *browser) { b.click(`[data-testid="temp-password"]`) }},
		{name: "send a forgot-password email", action: "forgot-password", status: "ACTIVE", seed: withQuestion, wantStatus: "ACTIVE", wantEmail: "forgot_password"},
		{name: "reset MFA factors", action: "reset-factors", status: "ACTIVE", seed: func(u *oktatest.SeedUser) { u.Factors = true }, wantStatus: "ACTIVE"},
		{name: "clear sessions", action: "clear-sessions", status: "ACTIVE", wantStatus: "ACTIVE"},
		{name: "set the recovery question", action: "recovery-question", status: "ACTIVE", wantStatus: "ACTIVE",
			fill: func(b *browser) {
				b.typeInto(`#question`, "Where did we spend summer 2019?")
				b.typeInto(`#answer`, "Lake Bohinj")
			}},
		{name: "activate", action: "activate", status: "STAGED", seed: func(u *oktatest.SeedUser) { u.Password = "" }, wantStatus: "PROVISIONED", wantEmail: "activation"},
		{name: "unsuspend", action: "unsuspend", status: "SUSPENDED", wantStatus: "ACTIVE"},
		{name: "suspend", action: "suspend", status: "ACTIVE", wantStatus: "SUSPENDED"},
		{name: "deactivate", action: "deactivate", status: "ACTIVE", wantStatus: "DEPROVISIONED"},
	}
	lasts := []string{"Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Brennan", "Silva", "Novak", "Achterberg", "Rossi", "Dubois"}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = addPerson(env, "Case", lasts[i], c.status, c.seed)
	}

	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := b.on(t)
			emails := len(env.Okta.Emails())
			b.open(views.PersonURL(ids[i]))
			assert.Equal(t, views.StatusLabel(context.Background(), c.status), b.text(`[data-testid="user-panel"] [data-testid="status-badge"]`))

			b.chooseAction(c.action)
			b.waitFor(`#dialog[open] [data-testid="confirm-form"]`)
			b.check()
			assert.Contains(t, b.text(`#dialog [data-testid="confirm-question"]`), "Case "+lasts[i], "the confirmation names the person")
			assert.NotEmpty(t, b.text(`#dialog [data-testid="consequence"]`), "the confirmation says what will happen")
			assert.Equal(t, destructive(c.action), b.count(`#dialog #reason`) == 1, "a reason is asked for exactly when the action is destructive")
			if c.fill != nil {
				c.fill(b)
			}
			if destructive(c.action) {
				b.typeInto(`#reason`, "TICKET-"+fmt.Sprint(1000+i))
			}
			b.click(`#dialog [data-testid="confirm-button"]`)
			b.waitFor(`[data-testid="user-panel"] [data-testid="alert-success"]`)
			b.waitJS(`!document.getElementById("dialog").open`)
			b.check()

			assert.Equal(t, c.wantStatus, env.Okta.UserStatus(ids[i]), "status in Okta")
			assert.Equal(t, views.StatusLabel(context.Background(), c.wantStatus), b.text(`[data-testid="user-panel"] [data-testid="status-badge"]`), "the panel shows the new status")
			assert.Equal(t, c.wantSecret, b.count(`[data-testid="secret-value"]`) == 1, "one-time secret shown")
			if c.wantEmail != "" {
				sent := env.Okta.Emails()[emails:]
				require.Len(t, sent, 1, "Okta sends one email")
				assert.Equal(t, c.wantEmail, sent[0].Kind)
			}
		})
	}
}

// chooseAction opens an action's confirmation from the person's header: the primary action is
// a button, the others are in the "More actions" menu, which is opened first.
func (b *browser) chooseAction(key string) {
	b.t.Helper()
	sel := `[data-testid="action-` + key + `"]`
	if eval[bool](b, `!!document.querySelector(`+jsString(`details.more-actions:not([open]) `+sel)+`)`) {
		b.click(`[data-testid="more-actions-button"]`)
		b.waitFor(`details.more-actions[open] ` + sel)
	}
	b.click(sel)
}

// destructive reports whether the confirmation of an action asks for a reason, as issue 5
// lists them plus setting a recovery question (it bypasses the person's password); written
// out here so the test states the rule it checks.
func destructive(action string) bool {
	switch action {
	case "reset-password", "expire-password", "reset-factors", "clear-sessions", "suspend", "deactivate", "recovery-question":
		return true
	}
	return false
}

// TestBrowserAdminCreateUser adds a person in the Engineering group, staged, through the form
// (the group picker searches as ada types), and lands on their page.
func TestBrowserAdminCreateUser(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	b.open("/admin/users")
	b.click(`[data-testid="subnav-create"]`)
	b.waitFor(`[data-testid="create-form"]`)
	b.check()

	b.typeInto(`#first_name`, "Ingrid")
	b.typeInto(`#last_name`, "Halvorsen")
	b.typeInto(`#email`, "ingrid.halvorsen@example.com")
	b.typeInto(`[data-testid="group-search"]`, "Eng")
	b.waitFor(`[data-testid="group-option"]`)
	b.check()
	b.click(`label[for="group-` + env.Okta.GroupID("Engineering") + `"]`)
	b.click(`[data-testid="activation-staged"]`)
	b.clickLoad(`[data-testid="create-button"]`)

	b.waitFor(`[data-testid="person-name"]`)
	assert.Equal(t, "Ingrid Halvorsen", b.text(`[data-testid="person-name"]`))
	assert.Equal(t, "Staged", b.text(`[data-testid="user-panel"] [data-testid="status-badge"]`))
	assert.Contains(t, b.texts(`[data-testid="person-group"]`), "Engineering")
	id := env.Okta.UserID("ingrid.halvorsen@example.com")
	require.NotEmpty(t, id, "Okta has the new person")
	assert.Equal(t, "STAGED", env.Okta.UserStatus(id))
}

// TestBrowserAdminBulkUnlock selects every locked-out person on the filtered list, previews the
// unlock, runs it with a reason, and sees one result per person.
func TestBrowserAdminBulkUnlock(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	var ids []string
	for _, last := range []string{"Abernathy", "Bjornsson", "Castellanos"} {
		ids = append(ids, addPerson(env, "Locked", last, "LOCKED_OUT", nil))
	}
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	b.open("/admin/users?status=LOCKED_OUT")
	b.click(`[data-testid="select-all"]`)
	require.True(t, eval[bool](b, `Array.from(document.querySelectorAll('[data-testid="row-select"]')).every(function (c) { return c.checked; })`), "select all ticks every row")
	b.selectOption(`[data-testid="bulk-action"]`, "unlock")
	b.clickLoad(`[data-testid="bulk-preview"]`)
	assert.Equal(t, "false", b.attr(`[data-testid="bulk"]`, "data-done"))
	rows := b.count(`[data-testid="bulk-row"][data-outcome="applies"]`)
	assert.Equal(t, 4, rows, "bob and the three people added are locked out")

	b.typeInto(`#reason`, "INC-4711 password spray")
	b.clickLoad(`[data-testid="bulk-run"]`)
	assert.Equal(t, "true", b.attr(`[data-testid="bulk"]`, "data-done"))
	assert.Equal(t, 4, b.count(`[data-testid="bulk-row"][data-outcome="done"]`))
	for _, id := range ids {
		assert.Equal(t, "ACTIVE", env.Okta.UserStatus(id))
	}
}

// TestBrowserAdminAudit unlocks bob and finds the action in the audit log, also through the
// filter by person.
func TestBrowserAdminAudit(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	bob := env.Okta.UserID("bob@example.com")
	b.open(views.PersonURL(bob))
	b.click(`[data-testid="action-unlock"]`)
	b.waitFor(`#dialog[open] [data-testid="confirm-button"]`)
	b.click(`#dialog [data-testid="confirm-button"]`)
	b.waitFor(`[data-testid="user-panel"] [data-testid="alert-success"]`)
	b.check()

	b.click(`[data-testid="subnav-audit"]`)
	b.waitFor(`[data-testid="audit-table"]`)
	b.check()
	assert.Equal(t, 1, b.count(`[data-testid="audit-row"][data-action="unlock"][data-result="success"]`))

	b.typeInto(`#target`, "bob@example.com")
	b.clickLoad(`[data-testid="audit-filter-button"]`)
	assert.Equal(t, "/admin/audit?from=&to=&actor=&target="+url.QueryEscape("bob@example.com")+"&action=&result=", b.path())
	assert.Equal(t, 1, b.count(`[data-testid="audit-row"]`))

	b.clearField(`#target`)
	b.typeInto(`#target`, "carol@example.com")
	b.clickLoad(`[data-testid="audit-filter-button"]`)
	b.waitFor(`[data-testid="empty-state"]`)
	assert.Zero(t, b.count(`[data-testid="audit-row"]`))
}

// TestBrowserAdminForbiddenForEmployee shows alice, an employee, a 403 page on the admin
// pages, and no Admin link in her menu.
func TestBrowserAdminForbiddenForEmployee(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.allowStatus(403) // the page itself is a 403, by design
	b.signInAs("alice@example.com")
	assert.Zero(t, b.count(`nav a[href="/admin/users"]`), "employees have no Admin link")
	for _, p := range []string{"/admin/users", views.PersonURL(env.Okta.UserID("bob@example.com"))} {
		b.open(p)
		b.waitFor(`[data-testid="error-page"]`)
		assert.Equal(t, "403", b.attr(`[data-testid="error-page"]`, "data-status"), "%s is forbidden for alice", p)
	}
}
