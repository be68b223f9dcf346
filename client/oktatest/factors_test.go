package oktatest_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// TestTOTPCodeRFC6238 checks the emulator's codes against the SHA-1 test vectors of RFC 6238
// Appendix B (secret "12345678901234567890"), truncated to six digits as authenticator apps
// show them (the vectors' eight digits end with these six).
func TestTOTPCodeRFC6238(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	vectors := []struct {
		unix  int64
		eight string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	}
	for _, v := range vectors {
		got, err := oktatest.TOTPCode(secret, time.Unix(v.unix, 0))
		require.NoError(t, err)
		assert.Equal(t, v.eight[2:], got, "T=%d", v.unix)
	}
	lower, err := oktatest.TOTPCode(strings.ToLower("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"), time.Unix(59, 0))
	require.NoError(t, err)
	assert.Equal(t, "287082", lower, "spaces and case do not matter, as in authenticator apps")
	_, err = oktatest.TOTPCode("not base32!", time.Now())
	assert.Error(t, err)
}

// factorDoc is a factor as Okta's API answers it, decoded independently.
type factorDoc struct {
	ID         string         `json:"id"`
	FactorType string         `json:"factorType"`
	Provider   string         `json:"provider"`
	VendorName string         `json:"vendorName"`
	Status     string         `json:"status"`
	Profile    map[string]any `json:"profile"`
	Links      map[string]struct {
		Href  string `json:"href"`
		Hints struct {
			Allow []string `json:"allow"`
		} `json:"hints"`
	} `json:"_links"`
	Embedded struct {
		Activation struct {
			TimeStep     int    `json:"timeStep"`
			SharedSecret string `json:"sharedSecret"`
			Encoding     string `json:"encoding"`
			Links        map[string]struct {
				Href string `json:"href"`
				Type string `json:"type"`
			} `json:"_links"`
		} `json:"activation"`
	} `json:"_embedded"`
}

// TestFactorsAPI walks a TOTP factor through Okta's lifecycle: enrolled pending with a
// shared secret and a QR code, refused with a wrong code, activated with the right one
// within the allowed clock skew, listed, and unenrolled.
func TestFactorsAPI(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	factorsPath := "/api/v1/users/" + alice + "/factors"
	list := func() []factorDoc {
		r := call(t, s, http.MethodGet, factorsPath, ssws(s), nil)
		require.Equal(t, http.StatusOK, r.status)
		var out []factorDoc
		r.json(t, &out)
		return out
	}

	seeded := list()
	require.Len(t, seeded, 1, "alice: Okta Verify push only")
	assert.Equal(t, "push", seeded[0].FactorType)
	assert.Equal(t, "OKTA", seeded[0].Provider)
	assert.Equal(t, "ACTIVE", seeded[0].Status)
	assert.Equal(t, "Alice's iPhone", seeded[0].Profile["name"])
	assert.Equal(t, []string{"GET", "DELETE"}, seeded[0].Links["self"].Hints.Allow)
	assert.Contains(t, seeded[0].Links, "verify")

	r := call(t, s, http.MethodPost, factorsPath, ssws(s), map[string]string{"factorType": "token:software:totp", "provider": "GOOGLE"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var f factorDoc
	r.json(t, &f)
	assert.True(t, strings.HasPrefix(f.ID, "ostf") && len(f.ID) == 20, "id %q", f.ID)
	assert.Equal(t, "PENDING_ACTIVATION", f.Status)
	assert.Equal(t, "GOOGLE", f.VendorName)
	assert.Equal(t, "alice@example.com", f.Profile["credentialId"])
	act := f.Embedded.Activation
	assert.Equal(t, 30, act.TimeStep)
	assert.Equal(t, "base32", act.Encoding)
	assert.Len(t, act.SharedSecret, 16)
	require.Contains(t, f.Links, "activate")
	assert.Equal(t, []string{"POST"}, f.Links["activate"].Hints.Allow)

	t.Run("the QR code is a PNG only for its link", func(t *testing.T) {
		qr := act.Links["qrcode"]
		assert.Equal(t, "image/png", qr.Type)
		res, err := http.Get(qr.Href)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "image/png", res.Header.Get("Content-Type"))
		_, err = png.Decode(res.Body)
		assert.NoError(t, err)
		wrong, err := http.Get(qr.Href[:len(qr.Href)-4] + "XXXX")
		require.NoError(t, err)
		wrong.Body.Close()
		assert.Equal(t, http.StatusNotFound, wrong.StatusCode)
	})
	t.Run("pending factors are listed with their activation, to resume", func(t *testing.T) {
		all := list()
		require.Len(t, all, 2)
		assert.Equal(t, act.SharedSecret, all[1].Embedded.Activation.SharedSecret)
	})
	t.Run("one factor per type and provider", func(t *testing.T) {
		e := assertOktaError(t, call(t, s, http.MethodPost, factorsPath, ssws(s), map[string]string{"factorType": "token:software:totp", "provider": "GOOGLE"}), 400, "E0000001")
		assert.Equal(t, []string{"A factor of this type is already set up."}, e.causes())
	})

	activate := func(code string) resp {
		return call(t, s, http.MethodPost, factorsPath+"/"+f.ID+"/lifecycle/activate", ssws(s), map[string]string{"passCode": code})
	}
	codeAt := func(d time.Duration) string {
		c, err := oktatest.TOTPCode(act.SharedSecret, clock.Now().Add(d))
		require.NoError(t, err)
		return c
	}
	e := assertOktaError(t, activate(codeAt(5*time.Minute)), 403, "E0000068")
	assert.Equal(t, "Invalid Passcode/Answer", e.ErrorSummary)
	assert.Equal(t, []string{"Your passcode doesn't match our records. Please try again."}, e.causes())
	assertOktaError(t, activate(codeAt(-150*time.Second)), 403, "E0000068") // beyond two minutes of skew

	r = activate(codeAt(-2 * time.Minute)) // a phone two minutes slow
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var activated factorDoc
	r.json(t, &activated)
	assert.Equal(t, "ACTIVE", activated.Status)
	assert.Contains(t, activated.Links, "verify")
	assert.Empty(t, activated.Embedded.Activation.SharedSecret, "an active factor no longer shows its secret")
	assert.Equal(t, []oktatest.FactorInfo{
		{ID: seeded[0].ID, Type: "push", Provider: "OKTA", Status: "ACTIVE"},
		{ID: f.ID, Type: "token:software:totp", Provider: "GOOGLE", Status: "ACTIVE", Secret: act.SharedSecret},
	}, s.Factors(alice))
	assertOktaError(t, activate(codeAt(0)), 400, "E0000001") // already active

	r = call(t, s, http.MethodGet, factorsPath+"/"+f.ID, ssws(s), nil)
	assert.Equal(t, http.StatusOK, r.status)
	r = call(t, s, http.MethodDelete, factorsPath+"/"+f.ID, ssws(s), nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Len(t, list(), 1)
	assertOktaError(t, call(t, s, http.MethodGet, factorsPath+"/"+f.ID, ssws(s), nil), 404, "E0000007")
}

// TestFactorRules covers the rest of Okta's rules for factors.
func TestFactorRules(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	enroll := func(id string, body map[string]string) resp {
		return call(t, s, http.MethodPost, "/api/v1/users/"+id+"/factors", ssws(s), body)
	}

	t.Run("five activation attempts in five minutes", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		r := enroll(id, map[string]string{"factorType": "token:software:totp", "provider": "OKTA"})
		require.Equal(t, http.StatusOK, r.status)
		var f factorDoc
		r.json(t, &f)
		path := "/api/v1/users/" + id + "/factors/" + f.ID + "/lifecycle/activate"
		for range 5 {
			assertOktaError(t, call(t, s, http.MethodPost, path, ssws(s), map[string]string{"passCode": "00000a"}), 403, "E0000068")
		}
		right, err := oktatest.TOTPCode(f.Embedded.Activation.SharedSecret, clock.Now())
		require.NoError(t, err)
		r = call(t, s, http.MethodPost, path, ssws(s), map[string]string{"passCode": right})
		assertOktaError(t, r, 429, "E0000047")
		assert.Equal(t, "0", r.header.Get("X-Rate-Limit-Remaining"))
		clock.Add(5 * time.Minute)
		right, err = oktatest.TOTPCode(f.Embedded.Activation.SharedSecret, clock.Now())
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, call(t, s, http.MethodPost, path, ssws(s), map[string]string{"passCode": right}).status)
	})
	t.Run("what the emulator cannot enrol", func(t *testing.T) {
		id := addUserIn(t, s, "ACTIVE")
		assertOktaError(t, enroll(id, map[string]string{"factorType": "push", "provider": "OKTA"}), 501, "E0000060")
		assertOktaError(t, enroll(id, map[string]string{"factorType": "token:software:totp", "provider": "RSA"}), 400, "E0000001")
		assertOktaError(t, enroll(id, map[string]string{"factorType": "carrier_pigeon", "provider": "OKTA"}), 400, "E0000001")
		assertOktaError(t, enroll(id, map[string]string{}), 400, "E0000001")
	})
	t.Run("a deactivated person", func(t *testing.T) {
		id := addUserIn(t, s, "DEPROVISIONED")
		assertOktaError(t, enroll(id, map[string]string{"factorType": "token:software:totp", "provider": "GOOGLE"}), 403, "E0000038")
	})
	t.Run("removing Okta Verify push removes its codes too", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Profile: map[string]any{"login": "verify@example.com", "firstName": "Verify", "lastName": "User"},
			EnrolledFactors: []oktatest.SeedFactor{
				{Type: oktatest.FactorPush, DeviceName: "Work phone"},
				{Type: oktatest.FactorTOTP, Provider: oktatest.FactorProviderOkta},
				{Type: oktatest.FactorTOTP, Provider: oktatest.FactorProviderGoogle},
			}})
		fs := s.Factors(id)
		require.Len(t, fs, 3)
		r := call(t, s, http.MethodDelete, "/api/v1/users/"+id+"/factors/"+fs[0].ID, ssws(s), nil)
		require.Equal(t, http.StatusNoContent, r.status)
		left := s.Factors(id)
		require.Len(t, left, 1)
		assert.Equal(t, "GOOGLE", left[0].Provider)
	})
	t.Run("reset_factors unenrolls every factor and the resetFactors link goes", func(t *testing.T) {
		ada := s.UserID("ada@example.com")
		links := func() map[string]any {
			return call(t, s, http.MethodGet, "/api/v1/users/"+ada, ssws(s), nil).object(t)["_links"].(map[string]any)
		}
		require.Contains(t, links(), "resetFactors")
		require.Len(t, s.Factors(ada), 2)
		require.Equal(t, http.StatusOK, call(t, s, http.MethodPost, "/api/v1/users/"+ada+"/lifecycle/reset_factors", ssws(s), nil).status)
		assert.Empty(t, s.Factors(ada))
		assert.NotContains(t, links(), "resetFactors")
		s.EnrollFactor(ada, oktatest.SeedFactor{Type: oktatest.FactorSMS, PhoneNumber: "+447700900123"})
		assert.Contains(t, links(), "resetFactors", "a factor brings the link back")
	})
	t.Run("seeds are checked", func(t *testing.T) {
		_, err := oktatest.LoadSeed(strings.NewReader(`{"users":[{"profile":{"login":"x@example.com"},"enrolledFactors":[{"type":"sms","phoneNumber":"555 1234"}]}]}`))
		require.NoError(t, err, "LoadSeed reads the shape; the server checks the factor")
		srv := oktatest.NewServer(oktatest.Config{Seed: &oktatest.Seed{}})
		defer srv.Close()
		assert.Panics(t, func() {
			srv.AddUser(oktatest.SeedUser{Profile: map[string]any{"login": "x@example.com"}, EnrolledFactors: []oktatest.SeedFactor{{Type: "sms", PhoneNumber: "555 1234"}}})
		}, "an SMS number must be E.164")
	})
}

// TestStepUpWithAuthenticatorApp: a person with an active TOTP factor may answer the second
// step of a two-factor sign-in with its code; the ID token's amr names it, and the code
// works once.
func TestStepUpWithAuthenticatorApp(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	ada := s.UserID("ada@example.com")
	var secret string
	for _, f := range s.Factors(ada) {
		if f.Type == oktatest.FactorTOTP {
			secret = f.Secret
		}
	}
	require.NotEmpty(t, secret, "ada has Google Authenticator")
	start := func() (*browser, *authRequest, resp) {
		b := newBrowser(t)
		a := newAuthRequest(s, "openid")
		a.params.Set("acr_values", oktatest.ACR2FAAny)
		page := b.get(t, a.url(s))
		factor := b.submitForm(t, s, page, map[string]string{"username": "ada@example.com", "password": demoPassword})
		require.Equal(t, http.StatusOK, factor.status)
		assert.Contains(t, string(factor.body), "authenticator app")
		return b, a, factor
	}
	code, err := oktatest.TOTPCode(secret, clock.Now())
	require.NoError(t, err)
	b, a, factor := start()
	cb := callbackParams(t, b.submitForm(t, s, factor, map[string]string{"code": code}))
	tk := exchange(t, s, a, cb.Get("code"))
	claims, err := verifyJWT(t, s, tk.IDToken)
	require.NoError(t, err)
	assert.Equal(t, []any{"pwd", "google_otp"}, claims["amr"])

	b, _, factor = start()
	again := b.submitForm(t, s, factor, map[string]string{"code": code})
	assert.Equal(t, http.StatusUnauthorized, again.status, "a code works once")
}

// TestFactorQRCodeNeedsNoToken: the QR code link works in an <img>, without a credential,
// and only while the factor waits for activation.
func TestFactorQRCodeNeedsNoToken(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	erin := s.UserID("erin@example.com")
	r := call(t, s, http.MethodGet, "/api/v1/users/"+erin+"/factors", ssws(s), nil)
	var fs []factorDoc
	r.json(t, &fs)
	require.Len(t, fs, 1, "erin's pending authenticator app")
	href := fs[0].Embedded.Activation.Links["qrcode"].Href
	u, err := url.Parse(href)
	require.NoError(t, err)
	img := call(t, s, http.MethodGet, u.Path, "", nil)
	require.Equal(t, http.StatusOK, img.status)
	assert.True(t, bytes.HasPrefix(img.body, []byte("\x89PNG")))
}
