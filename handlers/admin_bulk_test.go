package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// bulkOutcomes maps each row of a bulk table to its outcome.
func bulkOutcomes(doc *goquery.Document) map[string]string {
	got := map[string]string{}
	doc.Find("[data-testid=bulk-row]").Each(func(_ int, s *goquery.Selection) {
		got[s.AttrOr("data-user-id", "")] = s.AttrOr("data-outcome", "")
	})
	return got
}

func TestAdminBulkUnlock(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	adaID := env.Okta.UserID("ada@example.com")
	locked1 := adminTestUser(t, env.Okta, oktatest.StatusLockedOut)
	locked2 := adminTestUser(t, env.Okta, oktatest.StatusLockedOut)
	active := adminTestUser(t, env.Okta, oktatest.StatusActive)
	suspended := adminTestUser(t, env.Okta, oktatest.StatusSuspended)
	ids := []string{locked1, active, locked2, suspended, adaID}

	// The results table posts the selected rows to the preview.
	_, body := get(t, env, ada, "/admin/users?status=LOCKED_OUT", nil)
	bulkForm := parseHTML(t, body).Find("form[data-testid=bulk-form]")
	assert.Equal(t, "/admin/bulk/preview", bulkForm.AttrOr("action", ""))
	assert.Equal(t, "post", bulkForm.AttrOr("method", ""))

	env.Okta.ResetRequests()
	res, body := post(t, env, ada, "/admin/bulk/preview", url.Values{"action": {"unlock"}, "id": ids}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Zero(t, mutations(env, ""), "a preview changes nothing")
	doc := parseHTML(t, body)
	assert.Equal(t, map[string]string{locked1: "applies", locked2: "applies", active: "skipped", suspended: "skipped", adaID: "skipped"}, bulkOutcomes(doc))
	assert.Contains(t, doc.Find(`[data-user-id="`+adaID+`"]`).Text(), "your own account")
	assert.Contains(t, doc.Find(`[data-user-id="`+active+`"]`).Text(), "is not locked out")
	runForm := doc.Find("form[data-testid=bulk-run-form]")
	var runIDs []string
	runForm.Find("input[name=id]").Each(func(_ int, s *goquery.Selection) { runIDs = append(runIDs, s.AttrOr("value", "")) })
	assert.Equal(t, []string{locked1, locked2}, runIDs, "the run form carries the applicable people")

	t.Run("a reason is required", func(t *testing.T) {
		res, body := post(t, env, ada, "/admin/bulk/run", url.Values{"action": {"unlock"}, "id": ids, "confirm": {"yes"}}, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		assert.NotEmpty(t, parseHTML(t, body).Find("[data-testid=error-reason]").Text())
		assert.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(locked1))
	})

	t.Run("the run re-checks everyone and acts only where it applies", func(t *testing.T) {
		env.Okta.ResetRequests()
		// Everyone selected is sent, not just the applicable ones: the server re-checks.
		loc, res, body := postRedirected(t, env, ada, "/admin/bulk/run", url.Values{"action": {"unlock"}, "id": ids, "confirm": {"yes"}, "reason": {"INC-99"}})
		assert.Equal(t, "/admin/bulk/result", loc)
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		doc := parseHTML(t, body)
		assert.Equal(t, map[string]string{locked1: "done", locked2: "done", active: "skipped", suspended: "skipped", adaID: "skipped"}, bulkOutcomes(doc))
		assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(locked1))
		assert.Equal(t, oktatest.StatusActive, env.Okta.UserStatus(locked2))
		assert.Equal(t, oktatest.StatusSuspended, env.Okta.UserStatus(suspended))
		assert.Equal(t, 2, mutations(env, ""), "one Okta call per applicable person")
		for _, id := range []string{locked1, locked2} {
			entries := auditFor(t, env, id)
			require.Len(t, entries, 1, "one audit entry per acted row")
			assert.Equal(t, "unlock", entries[0].Action)
			assert.Equal(t, "INC-99", entries[0].Reason)
			assert.Equal(t, audit.ResultSuccess, entries[0].Result)
		}
		for _, id := range []string{active, suspended, adaID} {
			assert.Empty(t, auditFor(t, env, id), "no entry for rows not acted on")
		}

		// A reload of the results runs nothing again and says where the results went.
		env.Okta.ResetRequests()
		res, body = get(t, env, ada, loc, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.NotEmpty(t, parseHTML(t, body).Find("[data-testid=bulk-gone]").Nodes)
		assert.Zero(t, oktaAPICalls(env), "a reload calls Okta for nothing")
		for _, id := range []string{locked1, locked2} {
			assert.Len(t, auditFor(t, env, id), 1, "still one audit entry per person")
		}
	})
}

func TestAdminBulkGuards(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	active := adminTestUser(t, env.Okta, oktatest.StatusActive)
	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = adminTestUser(t, env.Okta, oktatest.StatusActive)
	}
	tests := []struct {
		name       string
		path       string
		form       url.Values
		wantStatus int
	}{
		{name: "helpdesk cannot bulk suspend", path: "/admin/bulk/preview", form: url.Values{"action": {"suspend"}, "id": {active}}, wantStatus: http.StatusForbidden},
		{name: "not a bulk action", path: "/admin/bulk/preview", form: url.Values{"action": {"deactivate"}, "id": {active}}, wantStatus: http.StatusBadRequest},
		{name: "more than fifty", path: "/admin/bulk/preview", form: url.Values{"action": {"unlock"}, "id": tooMany}, wantStatus: http.StatusBadRequest},
		{name: "a malformed id", path: "/admin/bulk/preview", form: url.Values{"action": {"unlock"}, "id": {"00u../x"}}, wantStatus: http.StatusBadRequest},
		{name: "run without confirmation", path: "/admin/bulk/run", form: url.Values{"action": {"unlock"}, "id": {active}, "reason": {"x"}}, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Okta.ResetRequests()
			res, _ := post(t, env, hal, tt.path, tt.form, nil)
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			assert.Zero(t, oktaAPICalls(env), "refused before any Okta call")
		})
	}
}

// TestAdminBulkStopsWhenOktaIsBusy: once Okta answers 429, nothing more is started and the
// rest is reported as not run.
func TestAdminBulkStopsWhenOktaIsBusy(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	var ids []string
	for range 12 {
		ids = append(ids, adminTestUser(t, env.Okta, oktatest.StatusLockedOut))
	}
	env.Okta.ForceRateLimit("/api/v1/users", time.Hour)
	t.Cleanup(env.Okta.ClearFaults)
	env.Okta.ResetRequests()
	_, res, body := postRedirected(t, env, ada, "/admin/bulk/run", url.Values{"action": {"unlock"}, "id": ids, "confirm": {"yes"}, "reason": {"INC-1"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	doc := parseHTML(t, body)
	for id, outcome := range bulkOutcomes(doc) {
		assert.Equal(t, "not-run", outcome, id)
	}
	assert.Contains(t, doc.Find("[data-testid=alert-warning]").Text(), "Okta asked Gatehouse to slow down")
	assert.LessOrEqual(t, oktaAPICalls(env), 4, "no more calls than were in flight when Okta said stop")
	for _, id := range ids {
		assert.Equal(t, oktatest.StatusLockedOut, env.Okta.UserStatus(id))
	}
}

// TestAdminBulkPreviewWithNobodySelected (issue 17, defect 5): "Preview…" with nobody selected
// is a slip, not a failure: the same list comes back, search kept, with the reason above it
// and no support reference.
func TestAdminBulkPreviewWithNobodySelected(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	hal := env.SignInAs(t, "hal@example.com")
	env.Okta.ResetRequests()
	loc, res, body := postRedirected(t, env, hal, "/admin/bulk/preview", url.Values{"action": {"unlock"}, "q": {"bo"}, "status": {"LOCKED_OUT"}})
	assert.Equal(t, "/admin/users?q=bo&status=LOCKED_OUT", loc, "the same search")
	require.Equal(t, http.StatusOK, res.StatusCode)
	doc := parseHTML(t, body)
	notice := doc.Find("[data-testid=results-notice]")
	assert.Contains(t, notice.Text(), "Nobody is selected")
	assert.Empty(t, doc.Find("[data-testid=request-id]").Nodes, "no support reference for a slip")
	assert.Equal(t, "bo", doc.Find("input#q").AttrOr("value", ""), "the search is kept")
	assert.Zero(t, mutations(env, ""))

	// The notice shows once: the list reloaded is just the list.
	_, body = get(t, env, hal, loc, nil)
	assert.Empty(t, parseHTML(t, body).Find("[data-testid=results-notice]").Nodes)
}

// TestAdminBulkOffersWhatFits (issue 17, defect 8): the selection bar offers the bulk actions
// that fit someone in the list, by status, each with its statuses for narrowing to the people
// selected; a list of active people is not offered Unlock or Unsuspend.
func TestAdminBulkOffersWhatFits(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	ada := env.SignInAs(t, "ada@example.com")
	hal := env.SignInAs(t, "hal@example.com")
	adminTestUser(t, env.Okta, oktatest.StatusSuspended)
	tests := []struct {
		name  string
		who   *http.Client
		query string
		want  []string
	}{
		{name: "active people", who: ada, query: "status=ACTIVE", want: []string{"reset-password", "clear-sessions", "suspend"}},
		{name: "locked-out people", who: ada, query: "status=LOCKED_OUT", want: []string{"unlock", "reset-password", "clear-sessions"}},
		{name: "suspended people", who: ada, query: "status=SUSPENDED", want: []string{"clear-sessions", "unsuspend"}},
		{name: "suspended people, helpdesk", who: hal, query: "status=SUSPENDED", want: []string{"clear-sessions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, env, tt.who, "/admin/users?"+tt.query, nil)
			doc := parseHTML(t, body)
			var got []string
			doc.Find("[data-testid=bulk-action] option").Each(func(_ int, o *goquery.Selection) {
				got = append(got, o.AttrOr("value", ""))
				assert.NotEmpty(t, o.AttrOr("data-statuses", ""), "the statuses it applies in")
			})
			assert.Equal(t, tt.want, got)
			doc.Find("[data-testid=row-select]").Each(func(_ int, cb *goquery.Selection) {
				assert.NotEmpty(t, cb.AttrOr("data-status", ""), "each row says its status")
			})
		})
	}
}
