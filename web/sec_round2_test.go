package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
	"gatehouse/web"
	"gatehouse/web/webtest"
)

// TestSec53_Finding6_StrayStateChangesNothing is finding 6 of issue 12: GET /?state=anything
// (a cross-site top-level link is enough) cancelled a pending sign-in. Only the callback
// consumes a sign-in transaction now; a stray state elsewhere changes nothing.
func TestSec53_Finding6_StrayStateChangesNothing(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	for _, stray := range []string{"/?state=anything", "/?state=", "/?state=anything&code=x"} {
		t.Run(stray, func(t *testing.T) {
			c := env.Client()
			page := env.StartSignIn(t, c, "/login") // a sign-in is pending in this browser
			base, _ := url.Parse(env.URL)
			before := c.Jar.Cookies(base)

			res, err := c.Get(env.URL + stray) // e.g. a link on another site
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusOK, res.StatusCode)
			for _, ck := range res.Cookies() {
				assert.False(t, ck.MaxAge < 0, "the stray request expired no cookie (%s)", ck.Name)
			}
			assert.Equal(t, before, c.Jar.Cookies(base))

			res = webtest.SubmitSignIn(t, c, page, "alice@example.com", webtest.DemoPassword)
			res.Body.Close()
			assert.Equal(t, env.URL+"/", res.Request.URL.String(), "the pending sign-in completes")
			res, _ = env.Page(t, webtest.NoRedirects(c), "/profile")
			assert.Equal(t, http.StatusOK, res.StatusCode, "signed in")
		})
	}
}

// TestSec54_Finding8_ForgedBanners is the banner part of finding 8 of issue 12: self-service
// success banners could be faked with a query string. They come from a one-time server-side
// flash now, left by the handler that did the work.
func TestSec54_Finding8_ForgedBanners(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{})
	success := func(doc *goquery.Document) string { return doc.Find("[data-testid=alert-success]").Text() }

	_, doc := env.Page(t, env.Client(), "/?signedout=everywhere")
	assert.Empty(t, success(doc), "signed out: no forged 'signed out everywhere'")
	alice := env.SignInAs(t, "alice@example.com")
	_, doc = env.Page(t, alice, "/?notice=others-signed-out")
	assert.Empty(t, success(doc), "signed in: no forged 'other sessions ended'")
	bob := env.Okta.UserID("bob@example.com")
	ada := env.SignInAs(t, "ada@example.com")
	_, doc = env.Page(t, ada, "/admin/users/"+bob+"?done=deactivate")
	assert.Zero(t, doc.Find("[data-testid=user-panel] [data-testid=alert-success]").Length(), "admin: no forged 'done'")

	// The real thing shows once.
	res := env.Do(t, alice, http.MethodPost, "/signout-everywhere", url.Values{"scope": {"others"}}, nil)
	doc = webtest.Parse(t, res)
	assert.Equal(t, env.URL+"/", res.Request.URL.String(), "no message in the URL")
	assert.Contains(t, success(doc), "Your other sessions have ended")
	_, doc = env.Page(t, alice, "/")
	assert.Empty(t, success(doc), "a reload shows it no more")

	res = env.Do(t, alice, http.MethodPost, "/signout-everywhere", url.Values{"scope": {"all"}}, nil)
	doc = webtest.Parse(t, res)
	assert.Equal(t, env.URL+"/", res.Request.URL.String())
	assert.Contains(t, success(doc), "You have signed out everywhere")
	_, doc = env.Page(t, alice, "/")
	assert.Empty(t, success(doc))
}

// TestSec55_Finding8_ImageSources is the image part of finding 8 of issue 12: CSP img-src
// allowed https: anywhere, so an app logo could track viewers from any host. Images come from
// Gatehouse, the Okta org, Okta's logo CDN and GATEHOUSE_IMAGE_HOSTS only, and a tile whose
// logo lives elsewhere shows its initials.
func TestSec55_Finding8_ImageSources(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.ImageHosts = []string{"https://logos.example.com"} }})
	apps := map[string]string{ // label → logo URL
		"Tracked":  "https://tracker.example.net/pixel.gif?who=alice",
		"FromCDN":  "https://ok12static.oktacdn.com/assets/img/logos/default.png",
		"Allowed":  "https://logos.example.com/app.svg",
		"FromOkta": "/logos/slack.svg", // served by the org itself
	}
	for label, logo := range apps {
		env.Okta.AddApp(oktatest.SeedApp{Name: "app_" + label, Label: label, LogoURL: logo, Users: []string{"alice@example.com"}})
	}
	alice := env.SignInAs(t, "alice@example.com")
	res, doc := env.Page(t, alice, "/apps?q=")
	require.Equal(t, http.StatusOK, res.StatusCode)

	csp := res.Header.Get("Content-Security-Policy")
	imgSrc := regexp.MustCompile(`img-src ([^;]*)`).FindStringSubmatch(csp)
	require.Len(t, imgSrc, 2)
	assert.Equal(t, []string{"'self'", "data:", env.Okta.URL(), "https://*.oktacdn.com", "https://logos.example.com"}, strings.Fields(imgSrc[1]))

	logo := func(label string) (string, bool) {
		tile := doc.Find("[data-testid=app-tile]").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find("[data-testid=app-label]").Text() == label
		})
		require.Equal(t, 1, tile.Length(), label)
		assert.NotEmpty(t, tile.Find(".app-initials").Text(), "%s: initials are always underneath", label)
		return tile.Find("img").Attr("src")
	}
	_, shown := logo("Tracked")
	assert.False(t, shown, "a logo from a host not allowed is not shown: initials instead")
	for _, label := range []string{"FromCDN", "Allowed", "FromOkta"} {
		src, shown := logo(label)
		assert.True(t, shown, label)
		assert.NotContains(t, src, "tracker.example.net")
	}
	assert.NotContains(t, doc.Text()+strings.Join(doc.Find("img").Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("src", "") }), " "), "tracker.example.net")
}

// stepUpThroughOkta follows a step-up: /login?reauth=1 to the emulator, the password, and —
// when Okta asks — the emailed code. It returns the last response.
func stepUpThroughOkta(t *testing.T, env *webtest.Env, c *http.Client, login string) *http.Response {
	t.Helper()
	page := env.StartSignIn(t, c, "/login?reauth=1&return=/password")
	res := webtest.SubmitSignIn(t, c, page, login, webtest.DemoPassword)
	doc := webtest.Parse(t, res)
	form := doc.Find(`form[action="/signin/factor"]`)
	if form.Length() == 0 {
		return res
	}
	code := env.Okta.LastVerificationCode(login)
	require.NotEmpty(t, code, "the emulator emailed a code")
	return webtest.SubmitForm(t, c, res.Request.URL, form, map[string]string{"code": code})
}

// TestSec56_Finding8_StepUpNeedsSecondFactor is the step-up part of finding 8 of issue 12:
// step-up proved a recent sign-in, not a strong one. With GATEHOUSE_STEP_UP_ACR set, the
// step-up sign-in sends Okta acr_values and the ID token's acr and amr are checked.
func TestSec56_Finding8_StepUpNeedsSecondFactor(t *testing.T) {
	t.Parallel()
	env := webtest.New(t, webtest.Options{Configure: func(c *web.Config) { c.StepUpACR = oktatest.ACR2FAAny }})
	alice := env.SignInAs(t, "alice@example.com") // a password, just now
	change := url.Values{"current_password": {webtest.DemoPassword}, "new_password": {"Tr1cky-Pa55word"}, "confirm_password": {"Tr1cky-Pa55word"}}

	// The form says why nothing changed and offers the step-up sign-in (issue 17, defect 4).
	res := env.Do(t, webtest.NoRedirects(alice), http.MethodPost, "/password", change, nil)
	doc := webtest.Parse(t, res)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "a fresh password sign-in is not enough")
	assert.Contains(t, doc.Find("[data-testid=reauth]").AttrOr("href", ""), "/login?reauth=1")

	t.Run("the step-up asks Okta for the acr", func(t *testing.T) {
		res := env.Do(t, webtest.NoRedirects(alice), http.MethodGet, "/login?reauth=1&return=/password", nil, nil)
		res.Body.Close()
		loc, err := url.Parse(res.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, oktatest.ACR2FAAny, loc.Query().Get("acr_values"))
		assert.Equal(t, "0", loc.Query().Get("max_age"))
	})
	t.Run("a token that claims the class without two methods is refused", func(t *testing.T) {
		c := env.SignInAs(t, "alice@example.com")
		env.Okta.TamperNextIDToken(oktatest.TokenTamper{Claims: func(c map[string]any) { c["amr"] = []string{"pwd"} }})
		res := stepUpThroughOkta(t, env, c, "alice@example.com")
		res.Body.Close()
		assert.Equal(t, env.URL+"/auth/error?reason=stepup", res.Request.URL.String())
		res = env.Do(t, webtest.NoRedirects(c), http.MethodPost, "/password", change, nil)
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "still not stepped up")
	})
	t.Run("a second factor unlocks the action", func(t *testing.T) {
		res := stepUpThroughOkta(t, env, alice, "alice@example.com")
		res.Body.Close()
		require.Equal(t, env.URL+"/password", res.Request.URL.String())
		res = env.Do(t, alice, http.MethodPost, "/password", change, nil)
		doc := webtest.Parse(t, res)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, doc.Find("[data-testid=alert-success]").Text(), "Your password has been changed", doc.Find("main").Text())
	})
}
