package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestDashboardSequentialReads checks the benchmarking knob: with SequentialReads the three
// Okta reads of the dashboard start one after another (each at least one emulator latency
// after the previous), and the page is the same either way.
func TestDashboardSequentialReads(t *testing.T) {
	t.Parallel()
	const latency = 30 * time.Millisecond
	tests := []struct {
		name       string
		sequential bool
	}{
		{name: "concurrent (the default)", sequential: false},
		{name: "sequential", sequential: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := webtest.New(t, webtest.Options{
				OktaConfig: oktatest.Config{Latency: latency},
				Configure:  func(c *web.Config) { c.SequentialReads = tt.sequential },
			})
			alice := env.SignInAs(t, "alice@example.com")
			env.Okta.ResetRequests()

			res, doc := env.Page(t, alice, "/")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "Alice Anderson", strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text()))
			assert.Equal(t, 5, doc.Find("[data-testid=apps-card] [data-testid=app-tile]").Length())
			assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Engineering")

			var starts []time.Time
			for _, r := range env.Okta.Requests() {
				if strings.HasPrefix(r.Path, "/api/v1/") {
					starts = append(starts, r.Time)
				}
			}
			require.Len(t, starts, 3, "the dashboard reads profile, apps and groups")
			if !tt.sequential {
				return // overlap is the point, but a loaded machine may serialise them; no claim
			}
			slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
			for i := 1; i < len(starts); i++ {
				assert.GreaterOrEqual(t, starts[i].Sub(starts[i-1]), latency,
					"read %d started before read %d could have finished", i+1, i)
			}
		})
	}
}

// BenchmarkDashboardRequest measures Gatehouse's own cost of one dashboard view with the
// person's data in the cache: middleware, session load, the handler, rendering and (with
// gzip) compression, in process, without the network. It is the micro-level counterpart of
// the "CPU per dashboard view" figure of make bench.
func BenchmarkDashboardRequest(b *testing.B) {
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			env := webtest.New(b, webtest.Options{Configure: func(c *web.Config) { c.CacheTTL = time.Hour }})
			alice := env.SignInAs(b, "alice@example.com")
			u, err := url.Parse(env.URL)
			require.NoError(b, err)
			cookies := alice.Jar.Cookies(u)
			require.NotEmpty(b, cookies)
			newReq := func() *http.Request {
				r := httptest.NewRequest(http.MethodGet, env.URL+"/", nil)
				r.RemoteAddr = "127.0.0.1:40000"
				r.Header.Set("Accept-Encoding", enc)
				for _, c := range cookies {
					r.AddCookie(c)
				}
				return r
			}
			// Warm the cache and check the page is the dashboard, not a sign-in redirect.
			w := httptest.NewRecorder()
			env.App.Server.ServeHTTP(w, newReq())
			require.Equal(b, http.StatusOK, w.Code)
			if enc == "identity" {
				doc, err := goquery.NewDocumentFromReader(w.Body)
				require.NoError(b, err)
				require.Equal(b, 1, doc.Find("[data-testid=profile-card]").Length())
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				env.App.Server.ServeHTTP(w, newReq())
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
