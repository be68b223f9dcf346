package views_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/views"
)

// benchDashboard is a dashboard as alice of the demo org sees it: a full profile, five apps
// and two groups.
func benchDashboard() (views.Page, views.DashboardView) {
	page := views.Page{Title: "Home", Nav: views.Nav{SignedIn: true, Name: "Alice Anderson", Active: views.NavHome}}
	d := views.DashboardView{
		Profile: &views.ProfileSummary{
			Name: "Alice Anderson", Login: "alice@example.com", Email: "alice@example.com", Status: "ACTIVE",
			Title: "Senior Software Engineer", Department: "Engineering",
			LastLogin: "20 May 2024, 08:15 UTC", PasswordChanged: "3 days ago",
		},
		Groups: []views.GroupItem{
			{Name: "Everyone", Description: "All users in your organization", Type: "BUILT_IN"},
			{Name: "Engineering", Description: "Engineers and engineering managers", Type: "OKTA_GROUP"},
		},
	}
	for _, a := range []string{"Slack", "GitHub", "Google Workspace", "Zoom", "Jira"} {
		d.Apps = append(d.Apps, views.AppTile{
			Key: "0oa" + a, Label: a, URL: "https://example.okta.com/home/" + a + "/0oa1/aln1",
			LogoURL: "https://example.okta.com/logos/" + a + ".svg",
		})
	}
	d.AppsTotal = len(d.Apps)
	return page, d
}

// benchContext carries what the middleware puts there for the layout: a CSP nonce and the
// hashed asset URLs.
func benchContext() context.Context {
	ctx := templ.WithNonce(context.Background(), "bm9uY2Vub25jZW5vbmNlbm9u")
	return views.WithAssets(ctx, views.Assets{
		PicoCSS: "/static/vendor/pico-2.1.1.min.0123456789.css", AppCSS: "/static/css/app.0123456789.css",
		HTMX: "/static/vendor/htmx-2.0.11.min.0123456789.js", AppJS: "/static/js/app.0123456789.js",
		Favicon: "/static/img/favicon.0123456789.svg",
	})
}

// BenchmarkDashboardRender measures rendering the dashboard page into a reused buffer: the
// allocations are those of templ and the components, not of growing the output.
func BenchmarkDashboardRender(b *testing.B) {
	page, d := benchDashboard()
	ctx := benchContext()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := views.DashboardPage(page, d).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "html-bytes")
}

// BenchmarkDashboardRenderFresh is the same with a new buffer per render, as
// handlers.Render does today: the difference is what buffer growth costs.
func BenchmarkDashboardRenderFresh(b *testing.B) {
	page, d := benchDashboard()
	ctx := benchContext()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := views.DashboardPage(page, d).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, &buf)
	}
}

// BenchmarkDashboardRenderPresized gives the fresh buffer room for a typical page up front,
// which is what handlers.Render could do to skip the growth copies.
func BenchmarkDashboardRenderPresized(b *testing.B) {
	page, d := benchDashboard()
	ctx := benchContext()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		buf.Grow(8 << 10)
		if err := views.DashboardPage(page, d).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, &buf)
	}
}

// TestBenchDashboardIsRealistic keeps the benchmark honest: its page must render the sections
// a real dashboard has, or the figures above would measure an empty page.
func TestBenchDashboardIsRealistic(t *testing.T) {
	page, d := benchDashboard()
	var buf bytes.Buffer
	require.NoError(t, views.DashboardPage(page, d).Render(benchContext(), &buf))
	for _, want := range []string{`data-testid="profile-card"`, `data-testid="app-tile"`, `data-testid="group-list"`, "Google Workspace"} {
		assert.Contains(t, buf.String(), want, "the benchmark's dashboard must render this")
	}
}
