package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"
)

// File names under -dir.
const (
	privateName = "okta-service.key.pem"
	publicName  = "okta-service.pub.pem"
	jwksName    = "okta-service.jwks.json"
)

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gatehouse-keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "keys", "directory to write the key pair to (created with mode 0700)")
	kind := fs.String("type", "rsa", "key type: rsa (2048-bit RSA, RS256, as Okta's guide uses) or ec (P-256, ES256)")
	force := fs.Bool("force", false, "overwrite an existing key pair")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var (
		key crypto.Signer
		alg string
		err error
	)
	switch *kind {
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		alg = string(jose.RS256)
	case "ec":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		alg = string(jose.ES256)
	default:
		return fmt.Errorf("-type must be rsa or ec, not %q", *kind)
	}
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	// The key id is the RFC 7638 thumbprint: stable, and unique among the app's keys.
	jwk := jose.JSONWebKey{Key: key.Public(), Use: "sig", Algorithm: alg}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	jwks, err := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JWKS: %w", err)
	}

	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{privateName, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600},
		{publicName, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644},
		{jwksName, append(jwks, '\n'), 0o644},
	}
	if !*force {
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(*dir, f.name)); err == nil {
				return fmt.Errorf("%s already exists; keep it, or pass -force to replace the key pair (then register the new public key in Okta)", filepath.Join(*dir, f.name))
			}
		}
	}
	for _, f := range files {
		path := filepath.Join(*dir, f.name)
		if err := os.WriteFile(path, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(path, f.mode); err != nil { // WriteFile keeps an existing file's mode
			return err
		}
	}
	priv := filepath.Join(*dir, privateName)
	fmt.Fprintf(stdout, "Wrote the %s key pair for Gatehouse's Okta service app:\n\n", alg)
	fmt.Fprintf(stdout, "  private key (keep secret, mode 0600): %s\n", priv)
	fmt.Fprintf(stdout, "  public key, PEM:                      %s\n", filepath.Join(*dir, publicName))
	fmt.Fprintf(stdout, "  public key, JWKS:                     %s\n", filepath.Join(*dir, jwksName))
	fmt.Fprintf(stdout, "  key id (kid):                         %s\n\n", jwk.KeyID)
	fmt.Fprintf(stdout, "Add the public key to the service app in Okta (General > Public keys > Add key: paste the\n")
	fmt.Fprintf(stdout, "JWK from %s), then configure Gatehouse with\n\n", jwksName)
	fmt.Fprintf(stdout, "  GATEHOUSE_OKTA_PRIVATE_KEY_FILE=%s\n  GATEHOUSE_OKTA_PRIVATE_KEY_ID=%s\n", priv, jwk.KeyID)
	return nil
}
