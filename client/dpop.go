package client

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DPoP (RFC 9449) binds the service app's access tokens to a key only this process holds, so
// a token that leaks from a log or a proxy is worthless without it. The proof key is a fresh
// P-256 key per process, deliberately not the client-assertion key (which is the app's
// registered identity); Okta lists ES256 among its DPoP algorithms.

// dpopKey signs DPoP proofs.
type dpopKey struct {
	priv *ecdsa.PrivateKey
	jwk  ecPublicJWK
}

func newDPoPKey() (*dpopKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate DPoP key: %w", err)
	}
	jwk, err := newECPublicJWK(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &dpopKey{priv: priv, jwk: jwk}, nil
}

// dpopClaims are a proof's claims (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	Nonce string `json:"nonce,omitempty"`
	// ATH is the base64url SHA-256 of the access token, on requests to a resource (§4.3).
	ATH string `json:"ath,omitempty"`
}

// proof returns a fresh DPoP proof for one request: method and URL, the access token for a
// resource request ("" at the token endpoint) and the server's nonce ("" if none yet).
func (k *dpopKey) proof(method string, u *url.URL, accessToken, nonce string, now time.Time) (string, error) {
	c := dpopClaims{JTI: randomID(), HTM: method, HTU: htu(u), IAT: now.Unix(), Nonce: nonce}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c.ATH = b64.EncodeToString(sum[:])
	}
	return signJWT(k.priv, "ES256", map[string]any{"typ": "dpop+jwt", "jwk": k.jwk}, c)
}

// htu is the proof's target URI: the request URL without query and fragment (RFC 9449 §4.2).
func htu(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// proofNonce reads the nonce claim of a proof this package signed, to tell whether a nonce
// challenge brings news. It does not verify anything.
func proofNonce(proof string) string {
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c dpopClaims
	if json.Unmarshal(raw, &c) != nil {
		return ""
	}
	return c.Nonce
}

// randomID is a unique JWT id: 128 random bits, base64url.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics on broken systems)
	return b64.EncodeToString(b)
}
