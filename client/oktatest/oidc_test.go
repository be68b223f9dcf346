package oktatest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

func TestDiscovery(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		t.Run(path, func(t *testing.T) {
			r := call(t, s, http.MethodGet, path, "", nil)
			require.Equal(t, http.StatusOK, r.status)
			var d map[string]any
			r.json(t, &d)
			assert.Equal(t, s.Issuer(), d["issuer"])
			assert.Equal(t, s.URL(), s.Issuer())
			for k, p := range map[string]string{"authorization_endpoint": "/oauth2/v1/authorize", "token_endpoint": "/oauth2/v1/token",
				"userinfo_endpoint": "/oauth2/v1/userinfo", "jwks_uri": "/oauth2/v1/keys", "end_session_endpoint": "/oauth2/v1/logout",
				"revocation_endpoint": "/oauth2/v1/revoke", "introspection_endpoint": "/oauth2/v1/introspect"} {
				assert.Equal(t, s.URL()+p, d[k], k)
			}
			assert.Equal(t, []any{"code"}, d["response_types_supported"])
			assert.Equal(t, []any{"RS256"}, d["id_token_signing_alg_values_supported"])
			assert.Equal(t, []any{"S256"}, d["code_challenge_methods_supported"])
			assert.Equal(t, []any{"client_secret_basic", "client_secret_post", "private_key_jwt"}, d["token_endpoint_auth_methods_supported"])
			for _, sc := range []string{"openid", "profile", "email", "offline_access", "okta.users.read.self", "okta.users.manage.self", "okta.users.read", "okta.users.manage", "okta.groups.read"} {
				assert.Contains(t, d["scopes_supported"], sc)
			}
		})
	}
	t.Run("issuer override", func(t *testing.T) {
		s.SetDiscoveryIssuer("https://evil.example")
		d := call(t, s, http.MethodGet, "/.well-known/openid-configuration", "", nil).object(t)
		assert.Equal(t, "https://evil.example", d["issuer"])
		s.SetDiscoveryIssuer("")
		d = call(t, s, http.MethodGet, "/.well-known/openid-configuration", "", nil).object(t)
		assert.Equal(t, s.Issuer(), d["issuer"])
	})
}

func TestFullSignInFlow(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	a := newAuthRequest(s, fullScope)
	b := newBrowser(t)

	page := b.get(t, a.url(s))
	require.Equal(t, http.StatusOK, page.status)
	assert.Equal(t, "no-store", page.header.Get("Cache-Control"))
	assert.Contains(t, page.header.Get("Content-Type"), "text/html")
	d := page.doc(t)
	assert.Equal(t, "en", d.Find("html").AttrOr("lang", ""))
	assert.NotEmpty(t, d.Find("title").Text())
	assert.Contains(t, d.Text(), "Gatehouse Demo (Okta emulator)")
	for _, name := range []string{"username", "password"} {
		id := d.Find(`input[name="`+name+`"]`).AttrOr("id", "")
		require.NotEmpty(t, id)
		assert.Equal(t, 1, d.Find(`label[for="`+id+`"]`).Length(), "%s has a label", name)
	}

	cbResp := b.submitForm(t, s, page, map[string]string{"username": "ALICE@example.com", "password": demoPassword})
	cb := callbackParams(t, cbResp)
	assert.Equal(t, a.state, cb.Get("state"))
	var sid *http.Cookie
	for _, c := range (&http.Response{Header: cbResp.header}).Cookies() {
		if c.Name == "okta_sid" {
			sid = c
		}
	}
	require.NotNil(t, sid, "the sign-in sets the emulator session cookie")
	assert.True(t, sid.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, sid.SameSite)
	assert.Equal(t, "/", sid.Path)
	assert.Equal(t, 1, s.SignInSessions(alice))

	tk := exchange(t, s, a, cb.Get("code"))
	assert.Equal(t, "Bearer", tk.TokenType)
	assert.Equal(t, 3600, tk.ExpiresIn)
	assert.Equal(t, fullScope, tk.Scope)
	require.NotEmpty(t, tk.RefreshToken, "offline_access grants a refresh token")

	claims, err := verifyJWT(t, s, tk.IDToken)
	require.NoError(t, err)
	assert.Equal(t, s.Issuer(), claims["iss"])
	assert.Equal(t, alice, claims["sub"])
	assert.Equal(t, s.ClientID(), claims["aud"])
	assert.Equal(t, a.nonce, claims["nonce"])
	sum := sha256.Sum256([]byte(tk.AccessToken))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:16]), claims["at_hash"])
	assert.Equal(t, []any{"pwd"}, claims["amr"])
	assert.EqualValues(t, 1, claims["ver"])
	assert.EqualValues(t, clock.Now().Unix(), claims["auth_time"])
	assert.EqualValues(t, clock.Now().Add(time.Hour).Unix(), claims["exp"])
	assert.Equal(t, "alice@example.com", claims["email"])
	assert.Equal(t, "alice@example.com", claims["preferred_username"])
	assert.Equal(t, "Alice Anderson", claims["name"])
	assert.Equal(t, "Alice", claims["given_name"])
	assert.Equal(t, "Anderson", claims["family_name"])
	for _, k := range []string{"iat", "jti", "idp"} {
		assert.Contains(t, claims, k)
	}

	at, err := verifyJWT(t, s, tk.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, alice, at["uid"])
	assert.Equal(t, "alice@example.com", at["sub"])
	assert.Equal(t, s.Issuer(), at["aud"])
	assert.Equal(t, s.ClientID(), at["cid"])
	assert.Len(t, at["scp"], 6)
	assert.Equal(t, 1, s.ActiveTokens(alice))

	info := call(t, s, http.MethodGet, "/oauth2/v1/userinfo", bearer(tk.AccessToken), nil)
	require.Equal(t, http.StatusOK, info.status)
	assert.Equal(t, alice, info.object(t)["sub"])
	assert.Equal(t, "alice@example.com", info.object(t)["email"])

	me := call(t, s, http.MethodGet, "/api/v1/users/me", bearer(tk.AccessToken), nil)
	require.Equal(t, http.StatusOK, me.status, "body: %s", me.body)
	assert.Equal(t, alice, me.object(t)["id"], "/users/me with the user's token is the user")

	// Refresh rotates the refresh token.
	r := tokenCall(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var tk2 tokens
	r.json(t, &tk2)
	assert.NotEqual(t, tk.RefreshToken, tk2.RefreshToken)
	assert.NotEqual(t, tk.AccessToken, tk2.AccessToken)
	claims2, err := verifyJWT(t, s, tk2.IDToken)
	require.NoError(t, err)
	assert.Equal(t, alice, claims2["sub"])
	assert.Equal(t, claims["auth_time"], claims2["auth_time"], "refresh keeps the original auth_time")
	assert.Equal(t, 1, s.RefreshCount())
	old := tokenCall(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}})
	assert.Equal(t, http.StatusBadRequest, old.status)
	assert.Equal(t, "invalid_grant", old.object(t)["error"])
	assert.Equal(t, 1, s.RefreshCount())
	assert.Equal(t, 3, s.TokenRequests())

	// Logout ends the session and returns to the client.
	out := b.get(t, s.URL()+"/oauth2/v1/logout?"+url.Values{"id_token_hint": {tk.IDToken},
		"post_logout_redirect_uri": {"http://localhost:8080/"}, "state": {"bye"}}.Encode())
	require.Equal(t, http.StatusFound, out.status, "body: %s", out.body)
	assert.Equal(t, "http://localhost:8080/?state=bye", out.header.Get("Location"))
	assert.Equal(t, 0, s.SignInSessions(alice))
	again := b.get(t, newAuthRequest(s, "openid").url(s))
	assert.Equal(t, http.StatusOK, again.status, "after logout the sign-in form shows again")
	assert.Equal(t, 1, again.doc(t).Find(`input[name="password"]`).Length())
}

func TestTokenEndpointErrors(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	fresh := func() (*authRequest, string) {
		a := newAuthRequest(s, "openid profile")
		return a, signIn(t, s, newBrowser(t), a, "hal@example.com", demoPassword)
	}
	tests := []struct {
		name   string
		form   func(a *authRequest, code string) url.Values
		before func()
		status int
		err    string
	}{
		{name: "wrong PKCE verifier", status: 400, err: "invalid_grant", form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier + "x"}}
		}},
		{name: "missing verifier", status: 400, err: "invalid_request", form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.redirectURI}}
		}},
		{name: "redirect_uri mismatch", status: 400, err: "invalid_grant", form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:9999/cb"}, "code_verifier": {a.verifier}}
		}},
		{name: "unknown code", status: 400, err: "invalid_grant", form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}}
		}},
		{name: "expired code", status: 400, err: "invalid_grant", before: func() { clock.Add(61 * time.Second) }, form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}}
		}},
		{name: "unsupported grant", status: 400, err: "unsupported_grant_type", form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"client_credentials"}}
		}},
		{name: "unknown refresh token", status: 400, err: "invalid_grant", form: func(a *authRequest, code string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, code := fresh()
			if tt.before != nil {
				tt.before()
			}
			r := tokenCall(t, s, tt.form(a, code))
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			body := r.object(t)
			assert.Equal(t, tt.err, body["error"])
			assert.NotEmpty(t, body["error_description"])
		})
	}

	t.Run("wrong client secret", func(t *testing.T) {
		a, code := fresh()
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/oauth2/v1/token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(s.ClientID(), "wrong")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		var body map[string]string
		require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
		assert.Equal(t, "invalid_client", body["error"])

		post := url.Values{"client_id": {s.ClientID()}, "client_secret": {"wrong"}}
		for k, v := range form {
			post[k] = v
		}
		res2, err := http.PostForm(s.URL()+"/oauth2/v1/token", post)
		require.NoError(t, err)
		defer res2.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res2.StatusCode)
	})
	t.Run("client_secret_post works", func(t *testing.T) {
		a, code := fresh()
		res, err := http.PostForm(s.URL()+"/oauth2/v1/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}, "client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}})
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	})
	t.Run("replayed code is refused and revokes its tokens", func(t *testing.T) {
		hal := s.UserID("hal@example.com")
		a, code := fresh()
		tk := exchange(t, s, a, code)
		before := s.ActiveTokens(hal)
		require.Equal(t, http.StatusOK, call(t, s, http.MethodGet, "/oauth2/v1/userinfo", bearer(tk.AccessToken), nil).status)
		r := tokenCall(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.redirectURI}, "code_verifier": {a.verifier}})
		assert.Equal(t, http.StatusBadRequest, r.status)
		assert.Equal(t, "invalid_grant", r.object(t)["error"])
		assert.Equal(t, before-1, s.ActiveTokens(hal))
		assert.Equal(t, http.StatusUnauthorized, call(t, s, http.MethodGet, "/oauth2/v1/userinfo", bearer(tk.AccessToken), nil).status)
	})
	t.Run("no refresh token without offline_access", func(t *testing.T) {
		a, code := fresh()
		assert.Empty(t, exchange(t, s, a, code).RefreshToken)
	})
}

func TestAuthorizeRequestErrors(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed(), RedirectURIs: []string{testRedirect}})
	b := newBrowser(t)
	tests := []struct {
		name     string
		mutate   func(v url.Values)
		page     bool // an HTML error page rather than a redirect
		wantErr  string
		wantDesc string
	}{
		{name: "unknown client", mutate: func(v url.Values) { v.Set("client_id", "other") }, page: true},
		{name: "unregistered redirect_uri", mutate: func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:8080/other") }, page: true},
		{name: "missing redirect_uri", mutate: func(v url.Values) { v.Del("redirect_uri") }, page: true},
		{name: "response_type token", mutate: func(v url.Values) { v.Set("response_type", "token") }, wantErr: "unsupported_response_type"},
		{name: "no openid", mutate: func(v url.Values) { v.Set("scope", "profile") }, wantErr: "invalid_scope"},
		{name: "unknown scope", mutate: func(v url.Values) { v.Set("scope", "openid admin") }, wantErr: "invalid_scope"},
		{name: "no state", mutate: func(v url.Values) { v.Del("state") }, wantErr: "invalid_request"},
		{name: "no PKCE", mutate: func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, wantErr: "invalid_request"},
		{name: "plain PKCE", mutate: func(v url.Values) { v.Set("code_challenge_method", "plain") }, wantErr: "invalid_request"},
		{name: "short challenge", mutate: func(v url.Values) { v.Set("code_challenge", "abc") }, wantErr: "invalid_request"},
		{name: "prompt none without session", mutate: func(v url.Values) { v.Set("prompt", "none") }, wantErr: "login_required"},
		{name: "bad max_age", mutate: func(v url.Values) { v.Set("max_age", "-5") }, wantErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuthRequest(s, "openid")
			tt.mutate(a.params)
			r := b.get(t, a.url(s))
			if tt.page {
				assert.Equal(t, http.StatusBadRequest, r.status)
				assert.Contains(t, r.header.Get("Content-Type"), "text/html")
				assert.Empty(t, r.header.Get("Location"), "never redirect to an unverified URI")
				return
			}
			cb := callbackParams(t, r)
			assert.Equal(t, tt.wantErr, cb.Get("error"))
			assert.NotEmpty(t, cb.Get("error_description"))
			assert.Equal(t, a.params.Get("state"), cb.Get("state"))
			assert.Empty(t, cb.Get("code"))
		})
	}
}

func TestRefreshDeniedForBlockedUsers(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed()})
	refresh := func(rt string) resp {
		return tokenCall(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}
	tests := []struct {
		name  string
		block func(id string)
	}{
		{name: "suspended", block: func(id string) {
			call(t, s, http.MethodPost, "/api/v1/users/"+id+"/lifecycle/suspend", ssws(s), nil)
		}},
		{name: "deactivated", block: func(id string) {
			call(t, s, http.MethodPost, "/api/v1/users/"+id+"/lifecycle/deactivate", ssws(s), nil)
		}},
		{name: "locked", block: func(id string) { s.SetStatus(id, "LOCKED_OUT") }},
		{name: "sessions cleared with oauthTokens", block: func(id string) {
			call(t, s, http.MethodDelete, "/api/v1/users/"+id+"/sessions?oauthTokens=true", ssws(s), nil)
		}},
		{name: "refresh token expired", block: func(string) { clock.Add(25 * time.Hour) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			login := "refresh" + string(rune('a'+i)) + "@example.net"
			id := s.AddUser(oktatest.SeedUser{Password: demoPassword, Profile: map[string]any{"login": login, "firstName": "R", "lastName": "T"}})
			tk := loginAs(t, s, login)
			tt.block(id)
			r := refresh(tk.RefreshToken)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Equal(t, "invalid_grant", r.object(t)["error"])
			assert.Equal(t, http.StatusUnauthorized, call(t, s, http.MethodGet, "/api/v1/users/me", bearer(tk.AccessToken), nil).status)
		})
	}
	t.Run("access token expires", func(t *testing.T) {
		tk := loginAs(t, s, "alice@example.com")
		clock.Add(61 * time.Minute)
		r := call(t, s, http.MethodGet, "/api/v1/users/me", bearer(tk.AccessToken), nil)
		assertOktaError(t, r, 401, "E0000011")
		assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)
	})
}

func loginAs(t *testing.T, s *oktatest.Server, username string) tokens {
	t.Helper()
	return login(t, s, username, fullScope)
}

func TestTamperingAndKeys(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	header := func(tok string) map[string]any {
		raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		require.NoError(t, err)
		var h map[string]any
		require.NoError(t, json.Unmarshal(raw, &h))
		return h
	}
	kids := func() []string {
		var set struct {
			Keys []struct {
				Kid, Alg, Use, Kty string
			} `json:"keys"`
		}
		call(t, s, http.MethodGet, "/oauth2/v1/keys", "", nil).json(t, &set)
		var out []string
		for _, k := range set.Keys {
			assert.Equal(t, "RS256", k.Alg)
			assert.Equal(t, "sig", k.Use)
			assert.Equal(t, "RSA", k.Kty)
			out = append(out, k.Kid)
		}
		return out
	}
	normal := loginAs(t, s, "alice@example.com")
	published := kids()
	require.Len(t, published, 1)
	assert.Equal(t, published[0], header(normal.IDToken)["kid"])

	tests := []struct {
		name   string
		tamper oktatest.TokenTamper
		check  func(t *testing.T, idToken string)
	}{
		{name: "wrong key", tamper: oktatest.TokenTamper{WrongKey: true}, check: func(t *testing.T, tok string) {
			assert.Equal(t, published[0], header(tok)["kid"])
			_, err := verifyJWT(t, s, tok)
			assert.Error(t, err)
		}},
		{name: "unknown kid", tamper: oktatest.TokenTamper{UnknownKid: true}, check: func(t *testing.T, tok string) {
			assert.NotContains(t, published, header(tok)["kid"])
			_, err := verifyJWT(t, s, tok)
			assert.Error(t, err)
		}},
		{name: "alg none", tamper: oktatest.TokenTamper{AlgNone: true}, check: func(t *testing.T, tok string) {
			assert.Equal(t, "none", header(tok)["alg"])
			assert.True(t, strings.HasSuffix(tok, "."))
		}},
		{name: "HS256 with the public key", tamper: oktatest.TokenTamper{HS256WithPublicKey: true}, check: func(t *testing.T, tok string) {
			assert.Equal(t, "HS256", header(tok)["alg"])
			_, err := verifyJWT(t, s, tok)
			assert.Error(t, err)
		}},
		{name: "claims", tamper: oktatest.TokenTamper{Claims: func(c map[string]any) { c["iss"] = "https://evil.example"; delete(c, "nonce") }},
			check: func(t *testing.T, tok string) {
				claims, err := verifyJWT(t, s, tok)
				require.NoError(t, err, "still properly signed")
				assert.Equal(t, "https://evil.example", claims["iss"])
				assert.NotContains(t, claims, "nonce")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.TamperNextIDToken(tt.tamper)
			tt.check(t, loginAs(t, s, "alice@example.com").IDToken)
			_, err := verifyJWT(t, s, loginAs(t, s, "alice@example.com").IDToken)
			assert.NoError(t, err, "only the next token is spoiled")
		})
	}

	t.Run("rotation publishes old and new", func(t *testing.T) {
		s.RotateSigningKey()
		now := kids()
		require.Len(t, now, 2)
		assert.Equal(t, published[0], now[1])
		fresh := loginAs(t, s, "alice@example.com")
		assert.Equal(t, now[0], header(fresh.IDToken)["kid"])
		_, err := verifyJWT(t, s, normal.IDToken)
		assert.NoError(t, err, "tokens signed before the rotation still verify")
		assert.Equal(t, http.StatusOK, call(t, s, http.MethodGet, "/api/v1/users/me", bearer(normal.AccessToken), nil).status)
	})
	t.Run("JWKS outage", func(t *testing.T) {
		s.SetJWKSDown(true)
		assert.Equal(t, http.StatusServiceUnavailable, call(t, s, http.MethodGet, "/oauth2/v1/keys", "", nil).status)
		s.SetJWKSDown(false)
		assert.Equal(t, http.StatusOK, call(t, s, http.MethodGet, "/oauth2/v1/keys", "", nil).status)
	})
}

func TestRevokeIntrospectUserinfo(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	form := func(path string, v url.Values) resp {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+path, strings.NewReader(v.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(s.ClientID(), s.ClientSecret())
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		return resp{status: res.StatusCode, header: res.Header}
	}
	tk := loginAs(t, s, "ada@example.com")
	intro := func(tok string) bool {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/oauth2/v1/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(s.ClientID(), s.ClientSecret())
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
		return body["active"] == true
	}
	assert.True(t, intro(tk.AccessToken))
	assert.True(t, intro(tk.RefreshToken))
	assert.False(t, intro("nope"))

	assert.Equal(t, http.StatusOK, form("/oauth2/v1/revoke", url.Values{"token": {tk.AccessToken}, "token_type_hint": {"access_token"}}).status)
	assert.False(t, intro(tk.AccessToken))
	r := call(t, s, http.MethodGet, "/oauth2/v1/userinfo", bearer(tk.AccessToken), nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)

	assert.Equal(t, http.StatusOK, form("/oauth2/v1/revoke", url.Values{"token": {tk.RefreshToken}}).status)
	ref := tokenCall(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.RefreshToken}})
	assert.Equal(t, "invalid_grant", ref.object(t)["error"])
	assert.Equal(t, http.StatusOK, form("/oauth2/v1/revoke", url.Values{"token": {"unknown"}}).status, "unknown tokens still get 200")

	t.Run("userinfo without openid scope", func(t *testing.T) {
		tk := login(t, s, "hal@example.com", "openid okta.users.read.self")
		r := call(t, s, http.MethodGet, "/oauth2/v1/userinfo", bearer(tk.AccessToken), nil)
		require.Equal(t, http.StatusOK, r.status)
		body := r.object(t)
		assert.Equal(t, s.UserID("hal@example.com"), body["sub"])
		assert.NotContains(t, body, "email", "no email scope, no email claim")
	})
}

func TestLogoutValidation(t *testing.T) {
	s, clock := newServer(t, oktatest.Config{Seed: smallSeed(), PostLogoutRedirectURIs: []string{"http://localhost:8080/"}})
	b := newBrowser(t)
	a := newAuthRequest(s, "openid")
	tk := exchange(t, s, a, signIn(t, s, b, a, "alice@example.com", demoPassword))
	alice := s.UserID("alice@example.com")
	tests := []struct {
		name   string
		params url.Values
	}{
		{name: "missing hint", params: url.Values{"post_logout_redirect_uri": {"http://localhost:8080/"}}},
		{name: "garbage hint", params: url.Values{"id_token_hint": {"abc.def.ghi"}}},
		{name: "access token as hint", params: url.Values{"id_token_hint": {tk.AccessToken}}},
		{name: "unregistered redirect", params: url.Values{"id_token_hint": {tk.IDToken}, "post_logout_redirect_uri": {"http://localhost:8080/elsewhere"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.get(t, s.URL()+"/oauth2/v1/logout?"+tt.params.Encode())
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Contains(t, r.header.Get("Content-Type"), "text/html")
			assert.Equal(t, 1, s.SignInSessions(alice), "an invalid logout ends nothing")
		})
	}
	t.Run("expired hint is accepted via POST", func(t *testing.T) {
		clock.Add(90 * time.Minute)
		r := b.post(t, s.URL()+"/oauth2/v1/logout", url.Values{"id_token_hint": {tk.IDToken},
			"post_logout_redirect_uri": {"http://localhost:8080/"}, "state": {"s1"}})
		require.Equal(t, http.StatusFound, r.status, "body: %s", r.body)
		assert.Equal(t, "http://localhost:8080/?state=s1", r.header.Get("Location"))
		assert.Equal(t, 0, s.SignInSessions(alice))
	})
}
