package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// TestSec45_GracefulShutdown is SECURITY.md 45 and F7 on the real binary's run: a request that is
// waiting on a slow Okta when SIGTERM arrives completes with 200, readiness turns 503 at once
// while liveness stays 200, the metrics listener serves until the end, and run returns nil
// (exit code 0).
func TestSec45_GracefulShutdown(t *testing.T) {
	t.Parallel()
	addr, oktaAddr, metricsAddr := freePort(t), freePort(t), freePort(t)
	const token = "shutdown-test-token"
	env := map[string]string{
		envCacheTTL:   "0", // every /profile reaches the emulator
		envDrainDelay: "1s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-dev", "-addr", addr, "-okta-addr", oktaAddr, "-metrics-addr", metricsAddr, "-okta-api-token", token},
			envOf(env), &stdout, &stderr)
	}()
	base, okta := "http://"+addr, "http://"+oktaAddr
	waitReady(t, base)

	t.Run("metrics are served on their own listener only", func(t *testing.T) {
		res, err := http.Get("http://" + metricsAddr + "/metrics")
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, string(body), "gatehouse_build_info{")
		res, err = http.Get(base + "/metrics")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
	})

	e := &webtest.Env{URL: base}
	alice := e.Client()
	res, err := alice.Get(base + "/login")
	require.NoError(t, err)
	res = webtest.SubmitSignIn(t, alice, res, "alice@example.com", webtest.DemoPassword)
	res.Body.Close()
	require.Equal(t, base+"/", res.Request.URL.String(), "alice is signed in")

	// Okta now takes 2 s to answer /users/me, through the emulator's control API.
	req, err := http.NewRequest(http.MethodPost, okta+"/_emulator/latency?d=2s&path=/api/v1/users/me", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "SSWS "+token)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNoContent, res.StatusCode, "set the emulator's latency")

	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	sent := make(chan struct{})
	go func() {
		// Signal once the whole request is on the wire, so SIGTERM surely finds it in flight.
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(sent) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, base+"/profile", nil)
		res, err := alice.Do(req)
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		slow <- result{status: res.StatusCode, body: string(b)}
	}()
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow request was never sent")
	}

	cancel() // what signal.NotifyContext does on SIGTERM

	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	t.Run("readiness turns off at once, liveness stays", func(t *testing.T) {
		var ready int
		for range 100 { // the drain delay is 1 s; readiness must flip well inside it
			res, err := probe.Get(base + "/readyz")
			require.NoError(t, err, "the listener stays open during the drain delay")
			res.Body.Close()
			if ready = res.StatusCode; ready == http.StatusServiceUnavailable {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		assert.Equal(t, http.StatusServiceUnavailable, ready)
		res, err := probe.Get(base + "/healthz")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
	})

	t.Run("the in-flight request completes", func(t *testing.T) {
		select {
		case r := <-slow:
			require.NoError(t, r.err)
			assert.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, r.body, "Alice Anderson", "the profile came back from the slow Okta")
		case <-time.After(30 * time.Second):
			t.Fatal("the in-flight request never finished")
		}
	})

	t.Run("run returns nil, and the listeners are closed", func(t *testing.T) {
		select {
		case err := <-done:
			require.NoError(t, err, "stderr:\n%s", stderr.String())
		case <-time.After(30 * time.Second):
			t.Fatal("run did not return")
		}
		for _, a := range []string{addr, metricsAddr} {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
			}
			assert.Error(t, err, "nothing listens on %s after shutdown", a)
		}
		log := stderr.String()
		assert.Contains(t, log, "shutting down: readiness off")
		assert.True(t, strings.Index(log, "shutting down") < strings.Index(log, "stopped"), "drain, then stop")
		assert.NotContains(t, log, webtest.DemoPassword)
	})
}
