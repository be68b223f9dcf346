package webtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// Credential is how the Gatehouse under test authenticates to the emulated Okta: the
// harness's axis for running the same journeys in every credential mode (issue 14).
type Credential int

const (
	// DefaultCredential reads GATEHOUSE_TEST_OKTA_CREDENTIAL; unset, it is APIToken.
	DefaultCredential Credential = iota
	// APIToken is an SSWS API token.
	APIToken
	// ServiceApp is an OAuth 2.0 service app whose tokens are plain bearer tokens.
	ServiceApp
	// ServiceAppDPoP is a service app that requires DPoP, as new Okta apps do by default.
	ServiceAppDPoP
)

// envCredential names the variable that picks the default credential of the whole suite.
const envCredential = "GATEHOUSE_TEST_OKTA_CREDENTIAL"

func (c Credential) String() string {
	switch c {
	case APIToken:
		return "api-token"
	case ServiceApp:
		return "service-app"
	case ServiceAppDPoP:
		return "service-app-dpop"
	}
	return "default"
}

// OAuth reports whether c is a service app.
func (c Credential) OAuth() bool { return c == ServiceApp || c == ServiceAppDPoP }

func (c Credential) resolve(t testing.TB) Credential {
	if c != DefaultCredential {
		return c
	}
	v := os.Getenv(envCredential)
	for _, m := range []Credential{APIToken, ServiceApp, ServiceAppDPoP} {
		if v == m.String() {
			return m
		}
	}
	require.Empty(t, v, "%s must be api-token, service-app or service-app-dpop", envCredential)
	return APIToken
}

// addServiceApp registers a service app with a fresh key at okta and returns its client id
// and private key. Each Env gets its own app, so two instances on one org keep their keys.
func addServiceApp(t testing.TB, okta *oktatest.Server, c Credential, scopes []string) (string, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	id := "0oawebtest" + strings.ToLower(rand.Text()[:10])
	require.NoError(t, okta.AddServiceApp(oktatest.ServiceApp{ClientID: id, Scopes: scopes, RequireDPoP: c == ServiceAppDPoP,
		PublicKeys: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}))
	return id, key
}

// ServiceAssertions returns every client assertion Gatehouse sent to Okta's token endpoint,
// oldest first (nil with the API token): for tests that check they are never reused.
func (e *Env) ServiceAssertions() []string {
	if e.assertions == nil {
		return nil
	}
	e.assertions.mu.Lock()
	defer e.assertions.mu.Unlock()
	return append([]string(nil), e.assertions.got...)
}

type assertionLog struct {
	mu  sync.Mutex
	got []string
}

// assertionRecorder notes the client_assertion of each token request it passes on.
type assertionRecorder struct {
	next http.RoundTripper
	log  *assertionLog
}

func (r *assertionRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/oauth2/v1/token") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("client_assertion") != "" {
			r.log.mu.Lock()
			r.log.got = append(r.log.got, form.Get("client_assertion"))
			r.log.mu.Unlock()
		}
	}
	return r.next.RoundTrip(req)
}
