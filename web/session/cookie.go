package session

import (
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// cookieID returns the id carried by the first cookie called name that one
// of codecs verifies. Looking past the first cookie of that name means a
// junk cookie planted next to the real one (possible without __Host-)
// cannot sign the person out.
func (s *Store) cookieID(r *http.Request, name string, codecs []securecookie.Codec) (string, bool) {
	if r == nil {
		return "", false
	}
	for _, c := range r.CookiesNamed(name) {
		if id, ok := decodeID(codecs, name, c.Value); ok {
			return id, true
		}
	}
	return "", false
}

// newCookie returns a cookie with the attributes every Gatehouse cookie
// has: host-only (no Domain), Path=/, HttpOnly, SameSite=Lax (sent on the
// top-level redirect back from Okta), and Secure over HTTPS.
func (s *Store) newCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   s.o.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// seconds rounds d up to whole seconds, at least 1, for Max-Age.
func seconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

func (s *Store) setSessionCookie(w http.ResponseWriter, id string, lifetime time.Duration) error {
	v, err := encodeID(s.kr.sessionCodecs, s.cookie, id)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.newCookie(s.cookie, v, seconds(lifetime)))
	return nil
}

// expireCookie tells the browser to drop the cookie now (Max-Age=0).
func (s *Store) expireCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, s.newCookie(name, "", -1))
}
