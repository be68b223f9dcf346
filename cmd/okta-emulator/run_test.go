package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a goroutine-safe bytes.Buffer for capturing run's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var urlLine = regexp.MustCompile(`URL / issuer:\s+(\S+)`)

func do(t *testing.T, method, url, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(res.Body)
	require.NoError(t, err)
	return res, buf.Bytes()
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	env := map[string]string{"OKTA_EMULATOR_API_TOKEN": "test-token-123"}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-client-secret", "s3cret", "-redirect-uri", "http://127.0.0.1:9999/cb",
			"-rate-limit", "50", "-token-share", "100", "-identity-engine"}, func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	var base string
	require.Eventually(t, func() bool {
		m := urlLine.FindStringSubmatch(stdout.String())
		if m == nil || !strings.Contains(stdout.String(), "Press Ctrl-C to stop.") {
			return false // the banner is written in several calls; wait for all of it
		}
		base = m[1]
		return true
	}, 10*time.Second, 10*time.Millisecond, "run prints the URL; stderr: %s", stderr.String())

	out := stdout.String()
	assert.Contains(t, out, "client id:      gatehouse")
	assert.Contains(t, out, "client secret:  s3cret")
	assert.Contains(t, out, "API token:      test-token-123")
	assert.Contains(t, out, "alice@example.com")
	assert.Contains(t, out, "http://127.0.0.1:9999/cb")

	res, body := do(t, http.MethodGet, base+"/.well-known/openid-configuration", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var disc map[string]any
	require.NoError(t, json.Unmarshal(body, &disc))
	assert.Equal(t, base, disc["issuer"])
	assert.Empty(t, res.Header.Get("X-Rate-Limit-Limit"), "Okta does not rate-limit discovery")
	assert.Contains(t, out, "Identity Engine")
	assert.Contains(t, out, "kate@example.com")
	assert.Contains(t, out, "Finance password policy")
	assert.Contains(t, out, "FEDERATION")

	res, _ = do(t, http.MethodGet, base+"/api/v1/users/alice@example.com", "SSWS test-token-123")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "50", res.Header.Get("X-Rate-Limit-Limit"), "-rate-limit replaces the bucket's figure")

	res, _ = do(t, http.MethodPost, base+"/api/v1/users/alice@example.com/credentials/forgot_password", "SSWS test-token-123")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, stderr.String(), "kind=forgot_password to=alice@example.com link="+base+"/signin/reset-password/")

	res, body = do(t, http.MethodGet, base+"/_emulator/stats", "SSWS test-token-123")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.JSONEq(t, `{"requests":{"discovery":1,"getUser":1,"forgotPassword":1},"total":3}`, string(body))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after the context was cancelled")
	}
	_, err := http.Get(base + "/.well-known/openid-configuration")
	assert.Error(t, err, "the listener is closed")
}

func TestRunFlagsAndSeed(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"users":[{"profile":{"login":"solo@example.com","firstName":"S","lastName":"O"},"password":"Solo-Passw0rd-1"}]}`), 0o600))
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"users":[{"profile":{}}]}`), 0o600))
	notAKey := filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(notAKey, []byte("not a key"), 0o600))
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "unknown flag", args: []string{"-nope"}, wantErr: "flag provided but not defined"},
		{name: "extra argument", args: []string{"extra"}, wantErr: "unexpected arguments"},
		{name: "bad rate limit", args: []string{"-rate-limit", "-5"}, wantErr: "-rate-limit"},
		{name: "bad token share", args: []string{"-token-share", "0"}, wantErr: "-token-share"},
		{name: "bad concurrency limit", args: []string{"-concurrency-limit", "-2"}, wantErr: "-concurrency-limit"},
		{name: "unknown tier", args: []string{"-rate-tier", "platinum"}, wantErr: "unknown rate tier"},
		{name: "missing seed file", args: []string{"-seed", filepath.Join(dir, "none.json")}, wantErr: "open seed"},
		{name: "invalid seed", args: []string{"-seed", bad}, wantErr: "profile.login is required"},
		{name: "bad address", args: []string{"-addr", "nonsense"}, wantErr: "start emulator"},
		{name: "service app without a key", args: []string{"-service-client-id", "0oa1"}, wantErr: "go together"},
		{name: "DPoP without a service app", args: []string{"-require-dpop"}, wantErr: "need -service-client-id"},
		{name: "missing key file", args: []string{"-service-client-id", "0oa1", "-service-public-key", filepath.Join(dir, "none.pem")}, wantErr: "-service-public-key"},
		{name: "not a key", args: []string{"-addr", "127.0.0.1:0", "-service-client-id", "0oa1", "-service-public-key", notAKey}, wantErr: "no PEM public key"},
		{name: "help", args: []string{"-h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			err := run(t.Context(), tt.args, func(string) string { return "" }, &stdout, &stderr)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				assert.Contains(t, stderr.String(), "-redirect-uri")
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}

	t.Run("custom seed", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var stdout, stderr syncBuffer
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", good, "-api-token", "tok"}, func(string) string { return "" }, &stdout, &stderr)
		}()
		require.Eventually(t, func() bool { return urlLine.MatchString(stdout.String()) }, 10*time.Second, 10*time.Millisecond)
		base := urlLine.FindStringSubmatch(stdout.String())[1]
		assert.NotContains(t, stdout.String(), "Demo accounts", "no demo list for a custom seed")
		res, _ := do(t, http.MethodGet, base+"/api/v1/users/solo@example.com", "SSWS tok")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		res, _ = do(t, http.MethodGet, base+"/api/v1/users/alice@example.com", "SSWS tok")
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		cancel()
		require.NoError(t, <-done)
	})
}

func TestStringList(t *testing.T) {
	var l stringList
	require.NoError(t, l.Set("a"))
	require.NoError(t, l.Set("b"))
	assert.Equal(t, "a,b", l.String())
	assert.True(t, strings.HasPrefix(l.String(), "a"))
}
