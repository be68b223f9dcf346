package client

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The client signs two kinds of JWT (RFC 7515 compact serialization): the private_key_jwt
// client assertion (RFC 7523) and the DPoP proof (RFC 9449). Both need only signing with RSA
// or ECDSA, so this stays on the standard library (the package imports nothing else).

// minRSABits is the smallest RSA key accepted; Okta's own generator and guide use 2048 bits.
const minRSABits = 2048

// b64 is base64url without padding, as JOSE uses it.
var b64 = base64.RawURLEncoding

// signingAlg returns the JWS alg for key: RS256 for RSA, ES256/384/512 for the NIST curves.
// Okta accepts exactly these (and RS384/RS512) for private_key_jwt.
func signingAlg(key crypto.Signer) (string, error) {
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return "", fmt.Errorf("RSA key has %d bits; use at least %d", pub.N.BitLen(), minRSABits)
		}
		return "RS256", nil
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P521():
			return "ES512", nil
		}
		return "", fmt.Errorf("EC key on curve %s: use P-256, P-384 or P-521", pub.Curve.Params().Name)
	}
	return "", fmt.Errorf("%T keys are not supported: Okta accepts RSA or EC keys", key.Public())
}

// signJWT signs header and claims with key under alg and returns the compact JWS.
func signJWT(key crypto.Signer, alg string, header map[string]any, claims any) (string, error) {
	h := map[string]any{"alg": alg}
	for k, v := range header {
		h[k] = v
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("encode JWT header: %w", err)
	}
	cj, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode JWT claims: %w", err)
	}
	input := b64.EncodeToString(hj) + "." + b64.EncodeToString(cj)
	sig, err := signJWS(key, alg, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

func signJWS(key crypto.Signer, alg string, input []byte) ([]byte, error) {
	var (
		h      crypto.Hash
		digest []byte
	)
	switch alg {
	case "RS256", "ES256":
		sum := sha256.Sum256(input)
		h, digest = crypto.SHA256, sum[:]
	case "ES384":
		sum := sha512.Sum384(input)
		h, digest = crypto.SHA384, sum[:]
	case "ES512":
		sum := sha512.Sum512(input)
		h, digest = crypto.SHA512, sum[:]
	default:
		return nil, fmt.Errorf("unsupported JWS alg %q", alg)
	}
	sig, err := key.Sign(rand.Reader, digest, h)
	if err != nil {
		return nil, fmt.Errorf("sign JWT: %w", err)
	}
	if !strings.HasPrefix(alg, "ES") {
		return sig, nil
	}
	// crypto.Signer gives ECDSA signatures in ASN.1; JWS wants R||S, each padded to the
	// curve's size (RFC 7518 §3.4).
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 {
		return nil, errors.New("sign JWT: malformed ECDSA signature")
	}
	size := (key.Public().(*ecdsa.PublicKey).Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

// ecPublicJWK is the public JWK of an EC key (RFC 7518 §6.2.1), members in the lexicographic
// order of RFC 7638, so that a server's thumbprint of it (cnf.jkt) is of these exact bytes.
type ecPublicJWK struct {
	Crv string `json:"crv"`
	Kty string `json:"kty"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func newECPublicJWK(pub *ecdsa.PublicKey) (ecPublicJWK, error) {
	e, err := pub.ECDH()
	if err != nil {
		return ecPublicJWK{}, fmt.Errorf("EC public key: %w", err)
	}
	raw := e.Bytes() // 0x04 || X || Y
	size := (len(raw) - 1) / 2
	return ecPublicJWK{Crv: pub.Curve.Params().Name, Kty: "EC",
		X: b64.EncodeToString(raw[1 : 1+size]), Y: b64.EncodeToString(raw[1+size:])}, nil
}

// ParsePrivateKey reads the first private key of a PEM file: PKCS#8 ("PRIVATE KEY"), PKCS#1
// ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY"), RSA of at least 2048 bits or EC on P-256,
// P-384 or P-521. Encrypted keys are refused with a hint. Errors never quote the file.
func ParsePrivateKey(pemData []byte) (crypto.Signer, error) {
	rest := pemData
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key found (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)")
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			if _, enc := block.Headers["DEK-Info"]; enc {
				return nil, errors.New("the private key is encrypted; decrypt it first (openssl pkey -in old.pem -out new.pem)")
			}
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			if _, enc := block.Headers["DEK-Info"]; enc {
				return nil, errors.New("the private key is encrypted; decrypt it first (openssl pkey -in old.pem -out new.pem)")
			}
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the private key is encrypted; decrypt it first (openssl pkey -in old.pem -out new.pem)")
		case "PUBLIC KEY", "CERTIFICATE":
			return nil, fmt.Errorf("found a %s, not a private key: point the setting at the private half of the key pair", strings.ToLower(block.Type))
		default:
			continue // e.g. the EC PARAMETERS block openssl ecparam writes first
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", strings.ToLower(block.Type), err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%T keys are not supported: Okta accepts RSA or EC keys", key)
		}
		if _, err := signingAlg(signer); err != nil {
			return nil, err
		}
		return signer, nil
	}
}
