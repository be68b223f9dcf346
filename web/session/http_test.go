package session

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestApp serves a minimal portal over real HTTP on s: sign-in through a
// login transaction, a page that needs a session, rotation and sign-out.
func newTestApp(t *testing.T, s *Store, tls bool) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/{user}", func(w http.ResponseWriter, r *http.Request) {
		tx := LoginTx{State: newID(), Extra: map[string]string{"user": r.PathValue("user")}}
		if err := s.BeginLogin(r.Context(), w, tx); err != nil {
			http.Error(w, "begin login failed", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, tx.State)
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		tx, err := s.TakeLogin(r.Context(), w, r)
		if errors.Is(err, ErrNoLogin) || (err == nil && tx.State != r.URL.Query().Get("state")) {
			http.Error(w, "bad login", http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if err := s.Start(r.Context(), w, r, testRecord(tx.Extra["user"])); err != nil {
			http.Error(w, "start failed", http.StatusInternalServerError)
			return
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		rec, err := s.Load(r)
		switch {
		case err != nil:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		case rec == nil:
			http.Error(w, "sign in", http.StatusUnauthorized)
		default:
			_, _ = io.WriteString(w, rec.UserID)
		}
	})
	mux.HandleFunc("POST /rotate", func(w http.ResponseWriter, r *http.Request) {
		rec, err := s.Load(r)
		if err != nil || rec == nil {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		if err := s.Rotate(r.Context(), w, rec); err != nil {
			http.Error(w, "rotate failed", http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Destroy(r.Context(), w, r); err != nil {
			http.Error(w, "logout failed", http.StatusInternalServerError)
		}
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(mux)
	} else {
		srv = httptest.NewServer(mux)
	}
	t.Cleanup(srv.Close)
	return srv
}

// browser is an HTTP client with its own cookie jar that records every
// Set-Cookie header it receives.
type browser struct {
	t       *testing.T
	c       *http.Client
	base    string
	headers []string
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := *srv.Client()
	c.Jar = jar
	return &browser{t: t, c: &c, base: srv.URL}
}

func (b *browser) do(method, path string) (int, string) {
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.base+path, nil)
	require.NoError(b.t, err)
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	b.headers = append(b.headers, resp.Header.Values("Set-Cookie")...)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func (b *browser) signIn(user string) {
	code, state := b.do(http.MethodGet, "/login/"+user)
	require.Equal(b.t, http.StatusOK, code)
	code, _ = b.do(http.MethodGet, "/callback?state="+state)
	require.Equal(b.t, http.StatusOK, code)
}

func TestHTTPFlowAndCookies(t *testing.T) {
	tests := []struct {
		name        string
		secure      bool
		wantSession string
		wantLogin   string
	}{
		{name: "https", secure: true, wantSession: "__Host-gatehouse", wantLogin: "__Host-gatehouse_login"},
		{name: "plain http (dev)", secure: false, wantSession: "gatehouse", wantLogin: "gatehouse_login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := memoryFixture(t)
			s := newStore(t, fx, func(o *Options) { o.Secure = tt.secure })
			assert.Equal(t, tt.wantSession, s.CookieName())
			assert.Equal(t, tt.wantLogin, s.LoginCookieName())
			srv := newTestApp(t, s, tt.secure)

			alice := newBrowser(t, srv)
			code, _ := alice.do(http.MethodGet, "/me")
			assert.Equal(t, http.StatusUnauthorized, code)
			alice.signIn("00ualice")
			code, body := alice.do(http.MethodGet, "/me")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, "00ualice", body)

			// Login CSRF: the attacker's state in the victim's browser.
			mallory := newBrowser(t, srv)
			_, malloryState := mallory.do(http.MethodGet, "/login/00umallory")
			victim := newBrowser(t, srv)
			code, _ = victim.do(http.MethodGet, "/callback?state="+malloryState)
			assert.Equal(t, http.StatusBadRequest, code, "a callback without this browser's login cookie fails")
			victim.do(http.MethodGet, "/login/00uvictim")
			code, _ = victim.do(http.MethodGet, "/callback?state="+malloryState)
			assert.Equal(t, http.StatusBadRequest, code, "another browser's state does not match this browser's transaction")

			code, _ = alice.do(http.MethodPost, "/rotate")
			require.Equal(t, http.StatusOK, code)
			code, body = alice.do(http.MethodGet, "/me")
			require.Equal(t, http.StatusOK, code, "the rotated cookie works")
			assert.Equal(t, "00ualice", body)

			code, _ = alice.do(http.MethodPost, "/logout")
			require.Equal(t, http.StatusOK, code)
			code, _ = alice.do(http.MethodGet, "/me")
			assert.Equal(t, http.StatusUnauthorized, code)

			require.NotEmpty(t, alice.headers)
			for _, h := range append(alice.headers, victim.headers...) {
				c, err := http.ParseSetCookie(h)
				require.NoError(t, err)
				assert.Contains(t, []string{tt.wantSession, tt.wantLogin}, c.Name)
				assert.Less(t, len(c.Value), 200, "cookie values stay small: %s", c.Name)
				assert.Contains(t, h, "; HttpOnly")
				assert.Contains(t, h, "; SameSite=Lax")
				assert.Contains(t, h, "; Path=/")
				assert.NotContains(t, strings.ToLower(h), "domain=")
				if tt.secure {
					assert.Contains(t, h, "; Secure")
				} else {
					assert.NotContains(t, h, "; Secure")
				}
				switch {
				case c.Value == "":
					assert.Contains(t, h, "; Max-Age=0", "deleting cookies expire at once")
				case c.Name == tt.wantLogin:
					assert.Contains(t, h, "; Max-Age=600")
				default:
					assert.Contains(t, h, "; Max-Age=36000", "the session cookie lives as long as MaxLifetime")
				}
			}
		})
	}
}
