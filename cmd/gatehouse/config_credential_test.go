package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

// writeKey writes a fresh EC private key as PKCS#8 PEM and returns its path and DER.
func writeKey(t *testing.T) (string, []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "okta.key")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	return path, der
}

// serviceEnv is prodEnv with the service app instead of the API token.
func serviceEnv(keyFile string) map[string]string {
	env := prodEnv()
	delete(env, envAPIToken)
	env[envServiceID] = "0oaservice"
	env[envKeyFile] = keyFile
	return env
}

func TestConfigOktaCredential(t *testing.T) {
	keyFile, _ := writeKey(t)
	pubFile := filepath.Join(t.TempDir(), "okta.pub")
	require.NoError(t, os.WriteFile(pubFile, []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), 0o600))
	tests := []struct {
		name  string
		edit  func(env map[string]string)
		want  []string // substrings of the error; none for success
		check func(t *testing.T, c config)
	}{
		{name: "API token alone", edit: func(env map[string]string) {
			delete(env, envServiceID)
			delete(env, envKeyFile)
			env[envAPIToken] = "00tok"
		}, check: func(t *testing.T, c config) {
			assert.Equal(t, "00tok", c.APIToken)
			assert.Nil(t, c.PrivateKey)
		}},
		{name: "service app with defaults", check: func(t *testing.T, c config) {
			assert.Equal(t, "0oaservice", c.ServiceClientID)
			require.NotNil(t, c.PrivateKey)
			assert.Equal(t, client.DPoPAuto, c.DPoP)
			assert.Nil(t, c.OktaScopes, "the client's defaults")
		}},
		{name: "service app with kid, DPoP and scopes", edit: func(env map[string]string) {
			env[envKeyID] = "kid-1"
			env[envDPoP] = "on"
			env[envOktaScopes] = "okta.users.read, okta.users.manage okta.groups.read"
		}, check: func(t *testing.T, c config) {
			assert.Equal(t, "kid-1", c.PrivateKeyID)
			assert.Equal(t, client.DPoPOn, c.DPoP)
			assert.Equal(t, []string{"okta.users.read", "okta.users.manage", "okta.groups.read"}, c.OktaScopes)
		}},
		{name: "both credentials", edit: func(env map[string]string) { env[envAPIToken] = "00tok" },
			want: []string{"not both", envAPIToken, envServiceID}},
		{name: "neither", edit: func(env map[string]string) { delete(env, envServiceID); delete(env, envKeyFile) },
			want: []string{"missing settings", envServiceID, envKeyFile, envAPIToken}},
		{name: "client id without key", edit: func(env map[string]string) { delete(env, envKeyFile) },
			want: []string{envServiceID + " needs " + envKeyFile}},
		{name: "key without client id", edit: func(env map[string]string) { delete(env, envServiceID) },
			want: []string{envKeyFile + " needs " + envServiceID}},
		{name: "unreadable key file", edit: func(env map[string]string) { env[envKeyFile] = filepath.Join(t.TempDir(), "none") },
			want: []string{envKeyFile, "cannot read"}},
		{name: "a public key instead of the private one", edit: func(env map[string]string) { env[envKeyFile] = pubFile },
			want: []string{envKeyFile, "not a private key"}},
		{name: "bad DPoP setting", edit: func(env map[string]string) { env[envDPoP] = "sometimes" },
			want: []string{envDPoP, "auto, on or off"}},
		{name: "a scope that is not Okta's", edit: func(env map[string]string) { env[envOktaScopes] = "openid" },
			want: []string{envOktaScopes, `"openid"`}},
		{name: "service settings with the API token", edit: func(env map[string]string) {
			delete(env, envServiceID)
			delete(env, envKeyFile)
			env[envAPIToken] = "00tok"
			env[envKeyID] = "k"
			env[envDPoP] = "on"
			env[envOktaScopes] = "okta.users.read"
		}, want: []string{envKeyID + " applies to the OAuth service app only", envDPoP, envOktaScopes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := serviceEnv(keyFile)
			if tt.edit != nil {
				tt.edit(env)
			}
			c, err := loadConfig(nil, envOf(env), io.Discard)
			if len(tt.want) > 0 {
				require.Error(t, err)
				for _, w := range tt.want {
					assert.Contains(t, err.Error(), w)
				}
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

// TestConfigNeverShowsTheServiceKey: SECURITY.md 37 for the service app's private key.
func TestConfigNeverShowsTheServiceKey(t *testing.T) {
	keyFile, der := writeKey(t)
	c, err := loadConfig(nil, envOf(serviceEnv(keyFile)), io.Discard)
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("starting gatehouse", "config", c)
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, c) + logged.String()
	assert.NotContains(t, out, base64.StdEncoding.EncodeToString(der)[:32])
	assert.NotContains(t, out, "BEGIN")
	assert.Contains(t, logged.String(), `"okta_credential":"oauth service app"`)
	assert.Contains(t, logged.String(), `"service_client_id":"0oaservice"`)
	assert.Contains(t, logged.String(), `"private_key_loaded":true`)
	assert.True(t, strings.Contains(logged.String(), keyFile), "the key's path, not the key, is logged")
}

func TestConfigDevUsesAServiceApp(t *testing.T) {
	c, err := loadConfig([]string{"-dev"}, envOf(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, devServiceClientID, c.ServiceClientID)
	assert.NotNil(t, c.PrivateKey, "a key made in memory")
	assert.Empty(t, c.APIToken)
	for _, name := range []string{envServiceID, envKeyFile, envKeyID} {
		_, err := loadConfig([]string{"-dev"}, envOf(map[string]string{name: "real-VALUE-xyz"}), io.Discard)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
}
