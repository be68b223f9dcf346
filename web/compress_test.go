package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/static"
	"gatehouse/views"
	"gatehouse/web/webtest"
)

// rawClient shares c's cookies but neither follows redirects nor asks for or undoes
// compression, so a test sees the bytes exactly as Gatehouse sent them.
func rawClient(c *http.Client) *http.Client {
	return &http.Client{
		Jar:           c.Jar,
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// decode undoes a response's Content-Encoding (none, gzip or br), failing on anything else or
// on a body that does not decode exactly once.
func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	switch encoding {
	case "":
		return body
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err, "gzip body")
		out, err := io.ReadAll(zr)
		require.NoError(t, err, "gzip body")
		return out
	case "br":
		out, err := io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
		require.NoError(t, err, "brotli body")
		return out
	}
	t.Fatalf("unexpected Content-Encoding %q", encoding)
	return nil
}

// varies reports whether the response's Vary lists name, and how many times.
func varies(h http.Header, name string) int {
	n := 0
	for _, line := range h.Values("Vary") {
		for v := range strings.SplitSeq(line, ",") {
			if strings.EqualFold(strings.TrimSpace(v), name) {
				n++
			}
		}
	}
	return n
}

func TestCompressResponses(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := rawClient(env.SignInAs(t, "alice@example.com"))
	anon := rawClient(env.Client())
	assets, err := static.New()
	require.NoError(t, err)
	css := assets.URL("css/app.css")
	rawCSS, err := static.FS.ReadFile("css/app.css")
	require.NoError(t, err)

	tests := []struct {
		name         string
		client       *http.Client
		path         string
		headers      map[string]string
		wantStatus   int
		wantEncoding string
		// wantBody is a substring of the decoded body; wantNot must not appear in it.
		wantBody, wantNot string
		// wantExact, when set, is the whole decoded body.
		wantExact []byte
		// wantHeader must be present (the response is still the handler's own).
		wantHeader string
	}{
		{
			name: "dashboard is gzipped for a client that accepts it", client: alice, path: "/",
			headers:    map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"},
			wantStatus: http.StatusOK, wantEncoding: "gzip", wantBody: `data-testid="profile-card"`,
			wantHeader: "Content-Security-Policy",
		},
		{
			name: "dashboard is plain for a client that does not accept gzip", client: alice, path: "/",
			headers:    map[string]string{"Accept-Encoding": "identity"},
			wantStatus: http.StatusOK, wantEncoding: "", wantBody: `data-testid="profile-card"`,
			wantHeader: "Content-Security-Policy",
		},
		{
			name: "brotli or zstd alone get a plain page, not an encoding they did not ask for", client: alice, path: "/",
			headers:    map[string]string{"Accept-Encoding": "br, zstd"},
			wantStatus: http.StatusOK, wantEncoding: "", wantBody: `data-testid="profile-card"`,
		},
		{
			name: "gzip refused with q=0 gets a plain page", client: alice, path: "/",
			headers:    map[string]string{"Accept-Encoding": "gzip;q=0, identity"},
			wantStatus: http.StatusOK, wantEncoding: "", wantBody: `data-testid="profile-card"`,
		},
		{
			name: "htmx fragment of the app search stays a fragment", client: alice, path: "/apps?q=",
			headers: map[string]string{"Accept-Encoding": "gzip", "HX-Request": "true", "HX-Target": views.AppResultsID},
			// The fragment is over the minimum size with the demo org's apps, so it is gzipped.
			wantStatus: http.StatusOK, wantEncoding: "gzip", wantBody: `data-testid="app-results"`, wantNot: "<html",
		},
		{
			name: "error page keeps its status and is compressed", client: alice, path: "/no-such-page",
			headers:    map[string]string{"Accept-Encoding": "gzip"},
			wantStatus: http.StatusNotFound, wantEncoding: "gzip", wantBody: "There is no page at this address",
			wantHeader: "X-Request-Id",
		},
		{
			name: "htmx redirect to sign in has no body to compress", client: anon, path: "/profile",
			headers:    map[string]string{"Accept-Encoding": "gzip", "HX-Request": "true"},
			wantStatus: http.StatusUnauthorized, wantEncoding: "", wantHeader: "HX-Redirect",
		},
		{
			name: "small responses stay plain", client: anon, path: "/healthz",
			headers:    map[string]string{"Accept-Encoding": "gzip"},
			wantStatus: http.StatusOK, wantEncoding: "", wantExact: []byte("ok\n"),
		},
		{
			name: "precompressed gzip asset is not compressed twice", client: anon, path: css,
			headers:    map[string]string{"Accept-Encoding": "gzip"},
			wantStatus: http.StatusOK, wantEncoding: "gzip", wantExact: rawCSS, wantHeader: "ETag",
		},
		{
			name: "precompressed brotli asset is served as is", client: anon, path: css,
			headers:    map[string]string{"Accept-Encoding": "br, gzip"},
			wantStatus: http.StatusOK, wantEncoding: "br", wantExact: rawCSS, wantHeader: "ETag",
		},
		{
			name: "asset for a client without compression is plain", client: anon, path: css,
			headers:    map[string]string{"Accept-Encoding": "identity"},
			wantStatus: http.StatusOK, wantEncoding: "", wantExact: rawCSS, wantHeader: "Content-Length",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+tt.path, nil)
			require.NoError(t, err)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			res, err := tt.client.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			raw, err := io.ReadAll(res.Body)
			require.NoError(t, err)

			assert.Equal(t, tt.wantStatus, res.StatusCode, "status")
			assert.Equal(t, []string{tt.wantEncoding}, orEmpty(res.Header.Values("Content-Encoding")),
				"Content-Encoding must be exactly one coding (or none)")
			assert.Equal(t, 1, varies(res.Header, "Accept-Encoding"),
				"Vary must list Accept-Encoding exactly once, compressed or not, so caches keep encodings apart")
			if tt.wantHeader != "" {
				assert.NotEmpty(t, res.Header.Get(tt.wantHeader), "header %s", tt.wantHeader)
			}
			if cl := res.Header.Get("Content-Length"); cl != "" {
				assert.Equal(t, cl, strconv.Itoa(len(raw)), "Content-Length must be the length of the bytes sent")
			}
			body := decode(t, tt.wantEncoding, raw)
			if tt.wantExact != nil {
				assert.Equal(t, tt.wantExact, body, "decoded body")
			}
			if tt.wantBody != "" {
				assert.Contains(t, string(body), tt.wantBody)
			}
			if tt.wantNot != "" {
				assert.NotContains(t, string(body), tt.wantNot)
			}
			if tt.wantEncoding == "gzip" && !strings.HasPrefix(tt.path, static.Prefix) {
				assert.Less(t, len(raw), len(body)*2/3, "a page should shrink by at least a third")
			}
		})
	}
}

// TestCompressedPagesAreNeverStored checks the other half of "never cached across encodings":
// personal pages, compressed or not, are not stored by any cache at all.
func TestCompressedPagesAreNeverStored(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	alice := rawClient(env.SignInAs(t, "alice@example.com"))
	for _, enc := range []string{"gzip", "identity"} {
		t.Run(enc, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+"/", nil)
			require.NoError(t, err)
			req.Header.Set("Accept-Encoding", enc)
			res, err := alice.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			assert.Empty(t, res.Header.Get("ETag"), "a page must not carry a validator shared by both encodings")
		})
	}
}

func orEmpty(v []string) []string {
	if len(v) == 0 {
		return []string{""}
	}
	return v
}
