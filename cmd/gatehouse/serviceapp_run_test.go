package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"go/build"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/web/webtest"
)

// TestStandaloneServiceApp is issue 14's standalone run: the okta-emulator binary with an OAuth
// service app that requires DPoP, and Gatehouse configured with the app's private key and no
// API token; an admin unlocks a locked-out person from the admin page.
func TestStandaloneServiceApp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	privDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	privFile, pubFile := filepath.Join(dir, "okta.key.pem"), filepath.Join(dir, "okta.pub.pem")
	require.NoError(t, os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600))
	require.NoError(t, os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644))

	addr := freePort(t)
	base := "http://" + addr
	const sswsToken, clientSecret, serviceID = "00standalone-ssws", "standalone-secret", "0oastandalone"
	emulatorURL := startEmulatorBinary(t, "-addr", "127.0.0.1:0", "-api-token", sswsToken, "-client-secret", clientSecret,
		"-redirect-uri", base+"/auth/callback", "-post-logout-redirect-uri", base+"/",
		"-service-client-id", serviceID, "-service-public-key", pubFile, "-require-dpop")

	sessionKey := make([]byte, 32)
	_, _ = rand.Read(sessionKey)
	env := map[string]string{
		envOrgURL:       emulatorURL,
		envClientID:     "gatehouse",
		envClientSecret: clientSecret,
		envServiceID:    serviceID,
		envKeyFile:      privFile,
		envPublicURL:    base,
		envSessionKeys:  hex.EncodeToString(sessionKey),
	}
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", addr}, envOf(env), io.Discard, &stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("gatehouse did not stop")
		}
	})
	waitReady(t, base)

	// Ada finds bob (LOCKED_OUT in the demo org) and unlocks him from his page.
	ada := signIn(t, base, "ada@example.com")
	doc := page(t, ada, base+"/admin/users?q=bob")
	row := doc.Find("[data-testid=user-row]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Find("[data-testid=user-login]").Text()) == "bob@example.com"
	})
	href, ok := row.Find("[data-testid=user-link]").Attr("href")
	require.True(t, ok, "the search lists bob")
	doc = page(t, ada, base+href)
	assert.Equal(t, "LOCKED_OUT", doc.Find("#user-panel [data-testid=status-badge]").AttrOr("data-status", ""))
	confirm, ok := doc.Find("[data-testid=action-unlock]").Attr("href")
	require.True(t, ok, "the person page offers unlock")
	res, err := ada.Get(base + confirm)
	require.NoError(t, err)
	form := webtest.Parse(t, res).Find("form[data-testid=confirm-form]")
	require.Equal(t, 1, form.Length())
	res = webtest.SubmitForm(t, ada, res.Request.URL, form, nil)
	doc = webtest.Parse(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "is unlocked")

	// The emulator agrees, and bob signs in.
	req, err := http.NewRequest(http.MethodGet, emulatorURL+"/api/v1/users/"+url.PathEscape("bob@example.com"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "SSWS "+sswsToken)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var bob struct{ Status string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&bob))
	res.Body.Close()
	assert.Equal(t, "ACTIVE", bob.Status)
	signIn(t, base, "bob@example.com")

	log := stderr.String()
	assert.Contains(t, log, `"okta_credential":"oauth service app"`)
	assert.Contains(t, log, `"api_token_set":false`)
	assert.Contains(t, log, `okta service app: new access token`)
	assert.Contains(t, log, `"token_type":"DPoP"`, "the app requires DPoP, so the tokens are DPoP-bound")
	assert.NotContains(t, log, "BEGIN PRIVATE KEY")
}

// page GETs url with c and parses it, requiring a 200.
func page(t *testing.T, c *http.Client, u string) *goquery.Document {
	t.Helper()
	res, err := c.Get(u)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, u)
	return webtest.Parse(t, res)
}

// startEmulatorBinary builds cmd/okta-emulator and runs it with args until the test ends; it
// returns the URL the emulator prints.
func startEmulatorBinary(t *testing.T, args ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "okta-emulator")
	buildArgs := []string{"build", "-o", bin}
	if raceEnabled {
		buildArgs = append(buildArgs, "-race") // reuse the test build's cache
	}
	bctx, bcancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer bcancel()
	out, err := exec.CommandContext(bctx, goBin, append(buildArgs, "../okta-emulator")...).CombinedOutput()
	require.NoError(t, err, "go build ./cmd/okta-emulator:\n%s", out)

	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case <-waited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`URL / issuer:\s+(\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		require.True(t, strings.HasPrefix(u, "http://127.0.0.1:"), u)
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("okta-emulator printed no URL; stderr:\n%s", stderr.String())
		return ""
	}
}
