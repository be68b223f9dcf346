package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/require"
)

// Plumbing for the conformance test: finding and loading Okta's published
// OpenAPI file, recording what the client and the emulator say to each other,
// and validating one exchange against the spec with kin-openapi.

const (
	// vendoredOktaDir holds Okta's published OpenAPI files, copied into the repository with
	// their source and licence (testdata/okta/SOURCE.txt), so a clone alone runs every check.
	vendoredOktaDir = "../testdata/okta"
	oktaSpecFile    = "management-oneOfInheritance.yaml.gz"
	seedSpecFile    = "seed-users-openapi.json"
	// oktaSpecSHA256 is the sha256 of the uncompressed file at Okta's commit (SOURCE.txt).
	oktaSpecSHA256 = "efcb1b558c88ee5188001fc417c1585264ccb81d19ff5a1c0cdbb282b37bf1b0"
	// myAccountSpecFile is Okta's MyAccount API (/idp/myaccount), same commit.
	myAccountSpecFile   = "idp-oneOfInheritance.yaml.gz"
	myAccountSpecSHA256 = "6230d90f88e9c76324d081c7596316888237a877c624229c4bbca35df49ba2e1"
)

// readVendoredOktaFile returns a file of testdata/okta, decompressed when it ends in .gz.
func readVendoredOktaFile(name string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(vendoredOktaDir, name))
	if err != nil || !strings.HasSuffix(name, ".gz") {
		return raw, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// loadedSpec is Okta's management spec, parsed once per test binary: it is
// 3.4 MB and takes seconds to load under -race.
type loadedSpec struct {
	doc *openapi3.T
	raw []byte
	err error
}

// loadSpec reads and parses a vendored spec; Okta's files are self-contained,
// and loading from memory keeps them offline.
func loadSpec(name string) loadedSpec {
	raw, err := readVendoredOktaFile(name)
	if err != nil {
		return loadedSpec{err: err}
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return loadedSpec{err: fmt.Errorf("load %s: %w", name, err)}
	}
	return loadedSpec{doc: doc, raw: raw}
}

// oktaSpec and myAccountSpec load the specs at most once.
var (
	oktaSpec      = sync.OnceValue(func() loadedSpec { return loadSpec(oktaSpecFile) })
	myAccountSpec = sync.OnceValue(func() loadedSpec { return loadSpec(myAccountSpecFile) })
)

// requireOktaSpec returns the parsed management spec; the vendored file must be there.
func requireOktaSpec(t *testing.T) *openapi3.T {
	t.Helper()
	ls := oktaSpec()
	require.NoError(t, ls.err, "Okta's OpenAPI file is vendored in testdata/okta")
	return ls.doc
}

// requireMyAccountSpec returns the parsed MyAccount spec.
func requireMyAccountSpec(t *testing.T) *openapi3.T {
	t.Helper()
	ls := myAccountSpec()
	require.NoError(t, ls.err, "Okta's MyAccount OpenAPI file is vendored in testdata/okta")
	return ls.doc
}

// specFor returns the spec that describes path: the MyAccount API's for
// /idp/myaccount, the management API's for the rest.
func specFor(t *testing.T, path string) *openapi3.T {
	t.Helper()
	if strings.HasPrefix(path, "/idp/myaccount") {
		return requireMyAccountSpec(t)
	}
	return requireOktaSpec(t)
}

// specRouteByIDIn finds an operation by its operationId in either spec.
func specRouteByIDIn(t *testing.T, id string) (*routers.Route, error) {
	t.Helper()
	if route, err := specRouteByID(requireOktaSpec(t), id); err == nil {
		return route, nil
	}
	return specRouteByID(requireMyAccountSpec(t), id)
}

// exchange is one HTTP request and its response as they crossed the wire.
type exchange struct {
	method  string
	url     string
	reqHdr  http.Header
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
}

// recorder is an http.RoundTripper that keeps a copy of every exchange.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	got  []exchange
}

// RoundTrip sends req through the base transport and records both sides.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{method: req.Method, url: req.URL.String(), reqHdr: req.Header.Clone()}
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("record request body: %w", err)
		}
		ex.reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	res, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("record response body: %w", err)
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	ex.status, ex.header, ex.body = res.StatusCode, res.Header.Clone(), b
	r.mu.Lock()
	r.got = append(r.got, ex)
	r.mu.Unlock()
	return res, nil
}

// reset forgets what was recorded, for a case whose setup calls Okta too.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = nil
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.got...)
}

// specRoute finds the operation of the spec that serves method and path (no
// query), preferring the template with the most literal segments, as routers
// do. It does the matching itself so that the spec's servers (a templated
// {yourOktaDomain}) need not be rewritten to the emulator's address.
func specRoute(doc *openapi3.T, method, path string) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var (
		best      string
		bestScore = -1
		params    map[string]string
	)
	for tmpl := range doc.Paths.Map() {
		tsegs := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		score, p := 0, map[string]string{}
		for i, ts := range tsegs {
			switch {
			case strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}"):
				p[strings.Trim(ts, "{}")] = segs[i]
			case ts == segs[i]:
				score++
			default:
				score = -1
			}
			if score < 0 {
				break
			}
		}
		if score > bestScore {
			best, bestScore, params = tmpl, score, p
		}
	}
	if bestScore < 0 {
		return nil, nil, fmt.Errorf("no path of the spec matches %s", path)
	}
	item := doc.Paths.Value(best)
	op := item.GetOperation(method)
	if op == nil {
		return nil, nil, fmt.Errorf("spec path %s has no %s operation", best, method)
	}
	return &routers.Route{Spec: doc, Path: best, PathItem: item, Method: method, Operation: op}, params, nil
}

// specRouteByID finds an operation by its operationId.
func specRouteByID(doc *openapi3.T, id string) (*routers.Route, error) {
	for tmpl, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == id {
				return &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}, nil
			}
		}
	}
	return nil, fmt.Errorf("no operation %q in the spec", id)
}

// httpRequest rebuilds the recorded request for kin-openapi, which reads its body.
func (ex exchange) httpRequest(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, ex.method, ex.url, bytes.NewReader(ex.reqBody))
	if err != nil {
		return nil, fmt.Errorf("rebuild request: %w", err)
	}
	req.Header = ex.reqHdr.Clone()
	return req, nil
}

// validateRequest checks the client's request against route.
func validateRequest(ctx context.Context, route *routers.Route, params map[string]string, ex exchange) error {
	req, err := ex.httpRequest(ctx)
	if err != nil {
		return err
	}
	// SkipSettingDefaults: kin-openapi would fill a field the client leaves out
	// with the schema's default, and some of Okta's defaults are prose (Policy's
	// priority defaults to "Last / Lowest Priority, …" though it is an integer).
	// What the client does send is still validated.
	return openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, SkipSettingDefaults: true},
	})
}

// validateResponse checks status, declared headers and body of the response
// against route. A status the operation does not document is an error.
func validateResponse(ctx context.Context, route *routers.Route, params map[string]string, ex exchange) error {
	req, err := ex.httpRequest(ctx)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 ex.status,
		Header:                 ex.header,
		Body:                   io.NopCloser(bytes.NewReader(ex.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// validateAgainstSchema checks a JSON body against a named component schema.
func validateAgainstSchema(doc *openapi3.T, name string, body []byte) error {
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("no schema %q in the spec", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return ref.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors())
}

// documents reports whether the operation lists a response for status.
func documents(route *routers.Route, status int) bool {
	return route.Operation.Responses.Status(status) != nil
}

// TestVendoredOktaSpecIsOktas checks that the vendored file is byte for byte the one Okta
// published at the commit named in testdata/okta/SOURCE.txt.
func TestVendoredOktaSpecIsOktas(t *testing.T) {
	for _, f := range []struct {
		ls   loadedSpec
		want string
	}{{oktaSpec(), oktaSpecSHA256}, {myAccountSpec(), myAccountSpecSHA256}} {
		require.NoError(t, f.ls.err)
		sum := sha256.Sum256(f.ls.raw)
		require.Equal(t, f.want, hex.EncodeToString(sum[:]))
	}
}
