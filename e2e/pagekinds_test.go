package e2e

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The full check of a page (axe in every checkMode, control contrast in light and dark) is most
// of the browser suite's CPU: the journeys call check on every page they visit, and they visit
// the same kinds of page again and again (the dashboard after every sign-in, the person page
// after every admin action). So the suite checks each distinct kind of page fully once, the
// first time any journey shows it, and looks at a repeat with axe in the tab's own mode only
// (console and CSP are judged on every visit, as before).
//
// A page's kind is what decides what the full check can find on it beyond what the repeat's
// axe run finds: the route it was served by (the pattern in web/routes.go, or the emulator's
// page), the language, whether scripts run, and the states that bring their own colours and
// layers — which alerts show, which dialog or menu is open, which fields are invalid, an error
// page. Which sections and buttons a page shows (a locked person's page has Unlock, an active
// one's Suspend) is not part of the kind: they are the same components, styled the same, and
// every repeat still runs axe on them in the tab's own mode. Text from Okta is not part of it
// either: it changes the words, not what the checks judge.

// pageKindJS describes the page's state: its language and the sorted set of its state markers.
const pageKindJS = `(function () {
  var s = {};
  document.querySelectorAll("[data-testid^=alert-], [data-testid=error-page], [role=alert], [role=status], dialog[open], details[open], [aria-invalid=true], [aria-expanded=true]").forEach(function (e) {
    var k = e.tagName.toLowerCase();
    var id = e.getAttribute("data-testid");
    if (id) k += "#" + id;
    if (e.getAttribute("role")) k += "[role=" + e.getAttribute("role") + "]";
    if (e.hasAttribute("open")) k += "[open]";
    if (e.getAttribute("aria-invalid") === "true") k += "[invalid]";
    if (e.getAttribute("aria-expanded") === "true") k += "[expanded]";
    s[k] = true;
  });
  return (document.documentElement.lang || "-") + " " + Object.keys(s).sort().join(",");
})()`

// pageKinds is the suite's record of which kinds of page were checked fully and which routes
// the journeys visited, shared by every test of the package (they run in parallel).
type pageKinds struct {
	mu      sync.Mutex
	full    map[string]bool // kinds checked in every mode
	routes  map[string]bool // routes visited
	checked map[string]bool // routes with at least one kind checked in every mode
	// structures are the documents axe passed, by kind, mode and structure (structure_test.go).
	structures map[string]bool
	nFull      int
	nLight     int
	nSame      int // light repeats whose structure axe had passed already
}

var suiteKinds = &pageKinds{full: map[string]bool{}, routes: map[string]bool{}, checked: map[string]bool{}, structures: map[string]bool{}}

// begin records a visit to route and reports whether this kind of page needs its full check:
// the first visit of a kind does, and so does a later one while the first has not finished
// (tests run in parallel, and a failed full check never finishes).
func (k *pageKinds) begin(route, kind string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.routes[route] = true
	if k.full[kind] {
		k.nLight++
		return false
	}
	k.nFull++
	return true
}

// done records that a kind of page passed through every mode.
func (k *pageKinds) done(route, kind string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.full[kind] = true
	k.checked[route] = true
}

// judge reports whether a light repeat needs axe: it does unless axe passed a document of the
// same kind and structure in the same mode.
func (k *pageKinds) judge(kind, mode string, structure [32]byte) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.structures[structureKey(kind, mode, structure)] {
		k.nSame++
		return false
	}
	return true
}

// passed records that axe found nothing on a document of this kind and structure in mode.
func (k *pageKinds) passed(kind, mode string, structure [32]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.structures[structureKey(kind, mode, structure)] = true
}

func structureKey(kind, mode string, structure [32]byte) string {
	return kind + "\x00" + mode + "\x00" + string(structure[:])
}

// unchecked returns the routes visited without any full check, sorted.
func (k *pageKinds) unchecked() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for r := range k.routes {
		if !k.checked[r] {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// summary says how many checks were full and how many light, for the suite's log.
func (k *pageKinds) summary() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return fmt.Sprintf("e2e page checks: %d full (one per kind of page; %d kinds, %d routes), %d light repeats (%d of them the same structure as one axe had passed)", k.nFull, len(k.full), len(k.checked), k.nLight, k.nSame)
}

// verifyPageKinds is run by TestMain after the tests: every route a journey visited must have
// been checked fully at least once. It fails the suite otherwise, which keeps the light repeat
// checks honest: no route may be seen only through them.
func verifyPageKinds(k *pageKinds) error {
	if missing := k.unchecked(); len(missing) > 0 {
		return fmt.Errorf("routes visited by the journeys but never checked in every mode (axe %d modes, contrast): %s", len(checkModes), strings.Join(missing, ", "))
	}
	return nil
}

// routeTable matches a Gatehouse path to its pattern in the one route table (web/routes.go),
// read from the source so that a new route needs nothing here. Methods are dropped: the page a
// browser shows after a POST (a form again, with its errors) is served at the POST's path.
type routeTable struct {
	mux      *http.ServeMux
	patterns []string
}

var (
	routesOnce sync.Once
	routesErr  error
	gatehouse  routeTable
)

// loadRoutes parses web/routes.go once and returns the table.
func loadRoutes() (routeTable, error) {
	routesOnce.Do(func() { gatehouse, routesErr = parseRoutes(filepath.Join("..", "web", "routes.go")) })
	return gatehouse, routesErr
}

// parseRoutes finds every `pattern: "METHOD /path"` in the route table's source.
func parseRoutes(file string) (routeTable, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return routeTable{}, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
	if err != nil {
		return routeTable{}, err
	}
	rt := routeTable{mux: http.NewServeMux()}
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "pattern" {
			return true
		}
		lit, ok := kv.Value.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		_, path, _ := strings.Cut(pattern, " ")
		if !seen[path] {
			seen[path] = true
			rt.patterns = append(rt.patterns, path)
			rt.mux.Handle(path, http.NotFoundHandler())
		}
		return true
	})
	if len(rt.patterns) == 0 {
		return routeTable{}, fmt.Errorf("no route patterns found in %s", file)
	}
	return rt, nil
}

// route names the route that served a Gatehouse address (path and query), or "" when no
// route of the table matches it.
func (rt routeTable) route(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return ""
	}
	_, pattern := rt.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: u.Path}, Host: "gatehouse"})
	return pattern
}

// pageRoute names the route of the page the browser shows: a pattern of Gatehouse's route
// table, "okta <path>" for the emulator's pages (sign-in), or "other <path>".
func (b *browser) pageRoute() string {
	b.t.Helper()
	loc := b.location()
	if rest, ok := strings.CutPrefix(loc, b.env.URL); ok {
		rt, err := loadRoutes()
		require.NoError(b.t, err, "read the route table")
		if p := rt.route(rest); p != "" {
			return p
		}
		return "unrouted " + rest
	}
	if rest, ok := strings.CutPrefix(loc, b.env.Okta.URL()); ok {
		u, _ := url.Parse(rest)
		if u != nil {
			rest = u.Path
		}
		return "okta " + rest
	}
	return "other " + loc
}

// pageKind names the kind of page the browser shows (see above).
func (b *browser) pageKind(route string) string {
	b.t.Helper()
	scripts := "js"
	if b.opts.noJS {
		scripts = "nojs"
	}
	return route + " " + scripts + " " + eval[string](b, pageKindJS)
}

func TestRouteTableMatchesPaths(t *testing.T) {
	rt, err := loadRoutes()
	require.NoError(t, err)
	assert.Greater(t, len(rt.patterns), 40, "the route table's patterns")
	for _, tt := range []struct {
		name, path, want string
	}{
		{"home", "/", "/{$}"},
		{"dashboard section", "/dashboard/apps", "/dashboard/{section}"},
		{"person page", "/admin/users/00u1?tab=x", "/admin/users/{id}"},
		{"person confirm", "/admin/users/00u1/confirm/unlock", "/admin/users/{id}/confirm/{action}"},
		{"new person, not an id", "/admin/users/new", "/admin/users/new"},
		{"form after a POST", "/password", "/password"},
		{"admin index", "/admin/", "/admin/{$}"},
		{"unknown", "/nowhere", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, rt.route(tt.path))
		})
	}
}

func TestUncheckedRoutesFailTheSuite(t *testing.T) {
	k := &pageKinds{full: map[string]bool{}, routes: map[string]bool{}, checked: map[string]bool{}}
	require.NoError(t, verifyPageKinds(k), "nothing visited")

	require.True(t, k.begin("/profile", "/profile js en a"), "a new kind is checked fully")
	k.done("/profile", "/profile js en a")
	assert.False(t, k.begin("/profile", "/profile js en a"), "the same kind again is a repeat")
	assert.True(t, k.begin("/profile", "/profile js en a,b"), "another structure is a new kind")
	require.NoError(t, verifyPageKinds(k))

	// A route seen only while its full check never finished (it failed) is reported.
	assert.True(t, k.begin("/groups", "/groups js en a"))
	err := verifyPageKinds(k)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/groups")
	assert.NotContains(t, err.Error(), "/profile")
}
