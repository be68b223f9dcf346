package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// TestKeysWork: each kind of key pair the tool writes is one Okta (here, the emulator) accepts:
// the JWKS registers with the app, and Gatehouse's client gets a token signing with the
// private key under the printed kid.
func TestKeysWork(t *testing.T) {
	for _, kind := range []string{"rsa", "ec"} {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "keys")
			var out bytes.Buffer
			require.NoError(t, run([]string{"-dir", dir, "-type", kind}, &out, io.Discard))

			info, err := os.Stat(filepath.Join(dir, privateName))
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the private key is readable by its owner only")
			dinfo, err := os.Stat(dir)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm())

			pemData, err := os.ReadFile(filepath.Join(dir, privateName))
			require.NoError(t, err)
			key, err := client.ParsePrivateKey(pemData)
			require.NoError(t, err)
			kid := regexp.MustCompile(`GATEHOUSE_OKTA_PRIVATE_KEY_ID=(\S+)`).FindStringSubmatch(out.String())
			require.NotNil(t, kid, out.String())
			assert.Contains(t, out.String(), "GATEHOUSE_OKTA_PRIVATE_KEY_FILE="+filepath.Join(dir, privateName))

			for _, name := range []string{jwksName, publicName} {
				t.Run(name, func(t *testing.T) {
					pub, err := os.ReadFile(filepath.Join(dir, name))
					require.NoError(t, err)
					assert.NotContains(t, string(pub), "PRIVATE")
					okta := oktatest.NewServer(oktatest.Config{Seed: &oktatest.Seed{}})
					t.Cleanup(okta.Close)
					require.NoError(t, okta.AddServiceApp(oktatest.ServiceApp{ClientID: "0oakeys", PublicKeys: pub, RequireDPoP: true}))
					app, err := client.NewServiceApp(client.ServiceAppConfig{OrgURL: okta.URL(), ClientID: "0oakeys", Key: key, KeyID: kid[1]})
					require.NoError(t, err)
					ti, err := app.Token(t.Context())
					require.NoError(t, err)
					assert.Equal(t, "DPoP", ti.Type)
				})
			}
		})
	}
}

func TestKeysNeverOverwrittenByAccident(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, run([]string{"-dir", dir}, io.Discard, io.Discard))
	first, err := os.ReadFile(filepath.Join(dir, privateName))
	require.NoError(t, err)
	err = run([]string{"-dir", dir}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists")
	same, _ := os.ReadFile(filepath.Join(dir, privateName))
	assert.Equal(t, first, same)

	require.NoError(t, run([]string{"-dir", dir, "-force"}, io.Discard, io.Discard))
	second, _ := os.ReadFile(filepath.Join(dir, privateName))
	assert.NotEqual(t, first, second)

	assert.Error(t, run([]string{"-type", "dsa", "-dir", dir}, io.Discard, io.Discard))
	assert.Error(t, run([]string{"extra"}, io.Discard, io.Discard))
}
