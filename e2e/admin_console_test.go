package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// setValue sets a field's value as a date picker does (typing into a date input depends on
// the browser's locale), firing its input and change events.
func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function () { var s = document.querySelector(%s); s.value = %s;
	  s.dispatchEvent(new Event("input", {bubbles: true})); s.dispatchEvent(new Event("change", {bubbles: true})); })()`, jsString(sel), jsString(value))))
}

// noHorizontalOverflow reports whether the audit table fits its container: no column cut off.
func (b *browser) noHorizontalOverflow() bool {
	return eval[bool](b, `(function () { var w = document.querySelector(".table-wrap"); return w.scrollWidth <= w.clientWidth + 1; })()`)
}

// TestBrowserAdminAuditFiltersAndPaging walks the audit log of a four-month trail as an
// auditor would: a time range, an action and an outcome chosen in the filter form (kept in
// the URL), then Older and Newer through the pages, axe-checked at each step (desktop and
// phone); the table fits 1280 px with long logins, and the actions and outcomes read in words.
func TestBrowserAdminAuditFiltersAndPaging(t *testing.T) {
	t.Parallel()
	db := webtest.AuditDB(t)
	env := webtest.New(t, webtest.Options{AuditStore: db})
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for i := range 130 {
		e := audit.Entry{Time: at.Add(-time.Duration(i) * 24 * time.Hour), ActorID: "00uhal", ActorLogin: "hal.with.a.rather.long.login.name@example.com",
			Role: "helpdesk", TargetID: "00ubob", TargetLogin: "bob.with.an.equally.long.login.name@example.com",
			Action: "unlock", Result: audit.ResultSuccess, Reason: fmt.Sprint("TICKET-", i), RequestID: fmt.Sprint("req-", i)}
		if i%2 == 1 {
			e.Action, e.Result, e.Detail, e.Role = "suspend", audit.ResultFailure, "E0000038", "admin"
		}
		require.NoError(t, db.Append(context.Background(), e))
	}
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("hal@example.com")
	b.open("/admin/audit")
	b.waitFor(`[data-testid="audit-table"]`)
	assert.Contains(t, b.text(`main`), "Every action taken through Gatehouse")
	assert.True(t, b.noHorizontalOverflow(), "no column is cut off at 1280 px")
	assert.Zero(t, b.count(`[data-testid="audit-export"]`), "the helpdesk does not export")

	b.setValue(`#from`, "2026-08-01")
	b.setValue(`#to`, "2026-11-30")
	b.selectOption(`#action`, "suspend")
	b.selectOption(`#result`, "failure")
	b.clickLoad(`[data-testid="audit-filter-button"]`)
	q, err := url.ParseQuery(strings.TrimPrefix(b.path(), "/admin/audit?"))
	require.NoError(t, err)
	assert.Equal(t, "2026-08-01", q.Get("from"), "the filter is in the URL")
	assert.Equal(t, "suspend", q.Get("action"))
	assert.Equal(t, "2026-08-01", b.attr(`#from`, "value"), "and stays in the form")
	rows := b.count(`[data-testid="audit-row"]`)
	assert.Equal(t, 50, rows, "a full first page")
	assert.Equal(t, rows, b.count(`[data-testid="audit-row"][data-action="suspend"][data-result="failure"]`))
	first := b.text(`[data-testid="audit-row"] td`)
	assert.Contains(t, b.text(`[data-testid="audit-row"]`), "Suspend")
	assert.Contains(t, b.text(`[data-testid="audit-row"]`), "Okta does not allow this in the account's status (E0000038)")
	assert.True(t, b.noHorizontalOverflow())

	// 2026-08-01 to 2026-11-30 holds 122 days, 61 suspends: two pages.
	b.clickLoad(`[data-testid="audit-older"]`)
	assert.Equal(t, 11, b.count(`[data-testid="audit-row"]`))
	assert.Zero(t, b.count(`[data-testid="audit-older"]`), "the last page")
	assert.Contains(t, b.path(), "action=suspend", "paging keeps the filter")
	b.clickLoad(`[data-testid="audit-newer"]`)
	assert.Equal(t, first, b.text(`[data-testid="audit-row"] td`), "back to the first page")

	b.open("/admin/audit?before=not-a-cursor")
	assert.Contains(t, b.text(`main`), "starts again at the newest entries")
}

// TestBrowserAdminPersonSections is ada's journey through the person page's new sections: add
// alice to a group found by the live search, remove her after the confirmation, see her
// factors in words, and edit bob's title; every page axe-checked.
func TestBrowserAdminPersonSections(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	b := newBrowser(t, env, browserOptions{})
	b.signInAs("ada@example.com")
	alice := env.Okta.UserID("alice@example.com")
	finance := env.Okta.GroupIDOfType(oktatest.GroupFinance, "OKTA_GROUP")

	b.open(views.PersonURL(alice))
	assert.Contains(t, b.text(`[data-testid="person-factors"]`), "Okta Verify")
	b.typeInto(`[data-testid="group-search"]`, "Fin")
	b.waitFor(`[data-testid="group-found"] [data-testid="group-add"]`)
	b.check()
	b.clickLoad(`[data-testid="group-found"] [data-testid="group-add"]`)
	b.waitFor(`[data-testid="alert-success"]`)
	b.check()
	assert.Contains(t, env.Okta.GroupMembers(finance), alice)
	assert.Contains(t, b.texts(`[data-testid="person-group"]`), oktatest.GroupFinance)

	b.clickLoad(fmt.Sprintf(`a[href=%q]`, views.GroupRemoveURL(alice, finance)))
	b.clickLoad(`[data-testid="confirm-button"]`)
	b.waitFor(`[data-testid="alert-success"]`)
	assert.NotContains(t, env.Okta.GroupMembers(finance), alice)

	bob := env.Okta.UserID("bob@example.com")
	b.open(views.PersonURL(bob))
	b.clickLoad(`[data-testid="edit-profile"]`)
	b.clearField(`#attr-title`)
	b.typeInto(`#attr-title`, "Principal Engineer")
	b.clickLoad(`[data-testid="profile-save"]`)
	b.waitFor(`[data-testid="alert-success"]`)
	b.check()
	title, _ := env.Okta.ProfileValue(bob, "title")
	assert.Equal(t, "Principal Engineer", title)
}
