package handlers_test

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/handlers"
)

// openRedirects are attack strings in the style of oauth2-proxy's testdata/openredirects.txt;
// the full corpus (testdata/redirects, vendored with its licence) runs in TestSec08_OpenRedirectCorpus.
var openRedirects = []string{
	"//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
	"/\\/evil.example", "/ /evil.example", "/\t/evil.example", "/%09/evil.example", "/%2f%2fevil.example",
	"/%5cevil.example", "/%5c%5cevil.example", "/./\\evil.example", "/../\\evil.example", "/.//evil.example",
	"/..//evil.example", "https://evil.example", "http://evil.example", "HTTPS://evil.example", "//evil.example/%2f..",
	"javascript:alert(1)", "JavaScript:alert(1)", "/javascript:alert(1)//", "data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox(1)", "evil.example", "//evil.example@good.example", "https:evil.example", "https:/evil.example",
	"/\r\n/evil.example", "/%0d%0a/evil.example", "/%00/evil.example", "\x00//evil.example", " //evil.example",
	"\t//evil.example", "/\u3000/evil.example", "/%E3%80%80/evil.example", "//%09/evil.example", "/%2F/evil.example",
	"/%5C/evil.example", "/.%2F/evil.example", "/%2e%2e/%5cevil.example", "//\\evil.example", "\\/\\/evil.example",
	"/<>//evil.example", "〱evil.example", "/\\tevil.example", "///\\;@evil.example", "/%20/evil.example",
	"//evil%E3%80%82example", "http:\\\\evil.example", "ftp://evil.example", "mailto:x@evil.example", "",
}

func TestSec08_ReturnPathIsLocal(t *testing.T) {
	t.Parallel()
	for _, p := range openRedirects {
		t.Run(p, func(t *testing.T) {
			got := handlers.LocalPath(p)
			assertLocal(t, p, got)
			if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\t\r\n\x00%") || strings.HasPrefix(p, "//") {
				assert.Equal(t, "/", got, "attack string %q must fall back to /", p)
			}
		})
	}
	good := []string{"/", "/apps", "/apps?q=slack", "/admin/users/00u1a2b3c4D5e6F7g8h9", "/admin/users?status=LOCKED_OUT&q=bob", "/profile#x", "/a/b/c", "/.well-known"}
	for _, p := range good {
		assert.Equal(t, p, handlers.LocalPath(p), "a normal path survives")
	}
}

// TestSec08_OpenRedirectCorpus runs oauth2-proxy's 559 attack strings (testdata/redirects).
func TestSec08_OpenRedirectCorpus(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "testdata", "redirects", "openredirects.txt")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		n++
		assertLocal(t, line, handlers.LocalPath(line))
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, n, 500, "the corpus was read")
}

func assertLocal(t *testing.T, in, got string) {
	t.Helper()
	require.True(t, strings.HasPrefix(got, "/"), "%q → %q must be a path", in, got)
	assert.False(t, strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\"), "%q → %q", in, got)
	u, err := url.Parse(got)
	require.NoError(t, err)
	assert.Empty(t, u.Scheme, "%q → %q has a scheme", in, got)
	assert.Empty(t, u.Host, "%q → %q has a host", in, got)
	// Browsers resolve the result against our origin; it must stay there.
	base, _ := url.Parse("https://portal.example.com/x")
	abs := base.ResolveReference(u)
	assert.Equal(t, "portal.example.com", abs.Host, "%q → %q resolves off-site", in, got)
}

func FuzzLocalPath(f *testing.F) {
	for _, p := range openRedirects {
		f.Add(p)
	}
	f.Add("/apps?q=x")
	f.Fuzz(func(t *testing.T, p string) {
		got := handlers.LocalPath(p)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("LocalPath(%q) = %q", p, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" {
			t.Fatalf("LocalPath(%q) = %q parses with scheme %q host %q err %v", p, got, u.Scheme, u.Host, err)
		}
	})
}

func TestSec29_UserIDShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"00u1a2b3c4D5e6F7g8h9", true},
		{"00uABCDEFGHIJKLMNOPQ", true},
		{"00u1a2b3c4D5e6F7g8h", false},
		{"00u1a2b3c4D5e6F7g8h90", false},
		{"00g1a2b3c4D5e6F7g8h9", false},
		{"me", false},
		{"alice@example.com", false},
		{"00u1a2b3c4D5e6F7g8h9/lifecycle/deactivate", false},
		{"..%2f", false},
		{"00u1a2b3c4D5e6F7g8h%00", false},
		{"00u1a2b3c4D5e6F7g8h-", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, handlers.ValidUserID(tt.id), tt.id)
	}
}

func FuzzValidUserID(f *testing.F) {
	f.Add("00u1a2b3c4D5e6F7g8h9")
	f.Add("../00u1a2b3c4D5e6F7g8h9")
	f.Add("00u1a2b3c4D5e6F7g8h9?x")
	f.Fuzz(func(t *testing.T, id string) {
		if !handlers.ValidUserID(id) {
			return
		}
		if len(id) != 20 || !strings.HasPrefix(id, "00u") || url.PathEscape(id) != id {
			t.Fatalf("ValidUserID accepted %q", id)
		}
	})
}

func TestLocalPathKeepsQueries(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/apps?q=a%20b", "/admin/users?q=o%27brien&status=ACTIVE", "/apps?q=%2F%2Fx"} {
		assert.Equal(t, p, handlers.LocalPath(p))
	}
}
