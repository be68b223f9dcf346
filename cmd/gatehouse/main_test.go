package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// syncBuffer is a goroutine-safe output sink for run's stdout and stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", url)
}

// TestDevModeEndToEnd is the newcomer's journey: start in dev mode with no configuration,
// sign in as alice through the emulator's form, see the dashboard, sign out, and find the old
// cookie worthless.
func TestDevModeEndToEnd(t *testing.T) {
	t.Parallel()
	addr, oktaAddr := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-dev", "-addr", addr, "-okta-addr", oktaAddr}, envOf(nil), &stdout, &stderr)
	}()
	base := "http://" + addr
	waitReady(t, base)

	banner := stdout.String()
	assert.Contains(t, banner, base, "the banner shows the portal URL")
	assert.Contains(t, banner, "http://"+oktaAddr, "the banner shows the emulator URL")
	assert.Contains(t, banner, "alice@example.com")
	assert.Contains(t, banner, "Demo-Passw0rd-1")

	env := &webtest.Env{URL: base}
	c := env.Client()
	res, err := c.Get(base + "/login")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(res.Request.URL.String(), "http://"+oktaAddr), "sign-in goes to the emulator")
	res = webtest.SubmitSignIn(t, c, res, "alice@example.com", webtest.DemoPassword)
	doc := webtest.Parse(t, res)
	require.Equal(t, base+"/", res.Request.URL.String())
	assert.Equal(t, "Alice Anderson", strings.TrimSpace(doc.Find("[data-testid=profile-name]").Text()))
	assert.Equal(t, "alice@example.com", strings.TrimSpace(doc.Find("[data-testid=profile-login]").Text()))
	assert.Contains(t, doc.Find("[data-testid=group-list]").Text(), "Engineering")

	// Keep the session cookie to replay it after signing out.
	u, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	old := c.Jar.Cookies(u.URL)
	require.NotEmpty(t, old)

	res, err = c.PostForm(base+"/logout", nil)
	require.NoError(t, err)
	doc = webtest.Parse(t, res)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 1, doc.Find("[data-testid=landing]").Length(), "after sign-out the landing page shows")
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "signed out")

	replay := env.Client()
	replay.Jar.SetCookies(u.URL, old)
	res, err = webtest.NoRedirects(replay).Get(base + "/profile")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusFound, res.StatusCode, "the old cookie must not open a session")
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/login"))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, "run should stop cleanly; stderr:\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
	assert.NotContains(t, stderr.String(), webtest.DemoPassword, "no password in the logs")
}
