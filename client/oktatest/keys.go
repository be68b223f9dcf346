package oktatest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TokenTamper spoils the next ID token the token endpoint returns, for the
// portal's negative sign-in tests.
type TokenTamper struct {
	// Claims mutates the ID token claims before signing (iss, aud, exp, nonce, at_hash ...).
	Claims func(c map[string]any)
	// WrongKey signs with a key that is not in the JWKS, under the published kid.
	WrongKey bool
	// UnknownKid signs with a fresh key whose kid is not published.
	UnknownKid bool
	// AlgNone produces an unsigned token with alg "none".
	AlgNone bool
	// HS256WithPublicKey signs with HMAC-SHA256 keyed by the published RSA public
	// key (PEM), the classic algorithm-confusion attack.
	HS256WithPublicKey bool
}

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// keyring holds the signing keys. Keys are generated on first use, so tests
// that never touch OIDC do not pay for RSA key generation.
type keyring struct {
	current  *signingKey
	previous *signingKey // still published after a rotation
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("thumbprint key: %w", err)
	}
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(thumb)[:22], priv: priv}, nil
}

// testBinaryKey is the first signing key of every emulator in a test binary (testing.Testing):
// an RSA-2048 key costs about 80 ms of CPU under the race detector, and the test suites start
// some four hundred emulators, most of which sign someone in. Each emulator is still an org of
// its own where it matters to a relying party — its issuer, clients and people — so a token
// from one is refused by another, and a rotation (or a test's wrong key) always makes a fresh
// key. Outside tests (make run, the okta-emulator binary) every emulator generates its own.
var testBinaryKey = sync.OnceValues(newSigningKey)

// currentKey returns the active signing key. s.mu must be held.
func (s *Server) currentKey() (*signingKey, error) {
	if s.keys.current == nil {
		generate := newSigningKey
		if testing.Testing() {
			generate = testBinaryKey
		}
		k, err := generate()
		if err != nil {
			return nil, err
		}
		s.keys.current = k
	}
	return s.keys.current, nil
}

// publishedKeys returns the keys in the JWKS: current first. s.mu must be held.
func (s *Server) publishedKeys() ([]*signingKey, error) {
	cur, err := s.currentKey()
	if err != nil {
		return nil, err
	}
	keys := []*signingKey{cur}
	if s.keys.previous != nil {
		keys = append(keys, s.keys.previous)
	}
	return keys, nil
}

func (s *Server) jwks() (jose.JSONWebKeySet, error) {
	keys, err := s.publishedKeys()
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set, nil
}

func signRS256(k *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("create signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return jws.CompactSerialize()
}

// signJWT signs claims with the current key, or spoils the token as t says.
// s.mu must be held.
func (s *Server) signJWT(claims map[string]any, t *TokenTamper) (string, error) {
	cur, err := s.currentKey()
	if err != nil {
		return "", err
	}
	if t == nil {
		return signRS256(cur.priv, cur.kid, claims)
	}
	if t.Claims != nil {
		t.Claims(claims)
	}
	switch {
	case t.AlgNone:
		return unsignedJWT(map[string]any{"alg": "none", "typ": "JWT"}, claims, nil)
	case t.HS256WithPublicKey:
		der, err := x509.MarshalPKIXPublicKey(&cur.priv.PublicKey)
		if err != nil {
			return "", fmt.Errorf("encode public key: %w", err)
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		return unsignedJWT(map[string]any{"alg": "HS256", "typ": "JWT", "kid": cur.kid}, claims, secret)
	case t.WrongKey, t.UnknownKid:
		other, err := newSigningKey()
		if err != nil {
			return "", err
		}
		kid := cur.kid
		if t.UnknownKid {
			kid = other.kid
		}
		return signRS256(other.priv, kid, claims)
	}
	return signRS256(cur.priv, cur.kid, claims)
}

// unsignedJWT builds a compact JWT by hand: with a nil secret the signature
// is empty (alg none), otherwise it is HMAC-SHA256.
func unsignedJWT(header, claims map[string]any, secret []byte) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("encode header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	if secret == nil {
		return input + ".", nil
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

var errBadJWT = errors.New("invalid token")

// verifyJWT checks an RS256 JWT against the published keys and returns its
// claims; expiry is the caller's business. s.mu must be held.
func (s *Server) verifyJWT(token string) (map[string]any, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errBadJWT
	}
	keys, err := s.publishedKeys()
	if err != nil {
		return nil, err
	}
	kid := jws.Signatures[0].Header.KeyID
	for _, k := range keys {
		if k.kid != kid {
			continue
		}
		payload, err := jws.Verify(&k.priv.PublicKey)
		if err != nil {
			return nil, errBadJWT
		}
		var claims map[string]any
		dec := json.NewDecoder(strings.NewReader(string(payload)))
		dec.UseNumber()
		if err := dec.Decode(&claims); err != nil {
			return nil, errBadJWT
		}
		return claims, nil
	}
	return nil, errBadJWT
}

// atHash is the OIDC at_hash of an access token: the left half of its SHA-256.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// RotateSigningKey makes a new signing key current; the JWKS then publishes
// the new key and the previous one.
func (s *Server) RotateSigningKey() {
	k, err := newSigningKey()
	if err != nil {
		panic(fmt.Sprintf("oktatest: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys.previous = s.keys.current
	s.keys.current = k
}
