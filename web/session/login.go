package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrNoLogin is returned by TakeLogin when the request carries no valid
// login transaction: no login cookie, a cookie not signed by a current key,
// or a transaction that expired or was already used.
var ErrNoLogin = errors.New("session: no pending login")

// BeginLogin stores tx under a new random id for LoginTTL and sets the
// login cookie (Max-Age = LoginTTL, at most 600 s) that binds the
// transaction to this browser. It sets tx.Created itself.
func (s *Store) BeginLogin(ctx context.Context, w http.ResponseWriter, tx LoginTx) error {
	tx.Created = s.o.Now()
	pt, err := json.Marshal(tx)
	if err != nil {
		return fmt.Errorf("begin login: marshal: %w", err)
	}
	id := newID()
	ok, err := s.b.Set(ctx, loginKey(id), s.kr.seal(pt, adLogin+id), s.o.LoginTTL, SetIfAbsent)
	if err != nil {
		return fmt.Errorf("begin login: %w", err)
	}
	if !ok {
		return errors.New("begin login: id already in use") // 2^-256
	}
	v, err := encodeID(s.kr.loginCodecs, s.login, id)
	if err != nil {
		return fmt.Errorf("begin login: %w", err)
	}
	http.SetCookie(w, s.newCookie(s.login, v, seconds(s.o.LoginTTL)))
	return nil
}

// TakeLogin consumes the login transaction of r's browser: it is deleted
// atomically as it is read, so a replayed callback finds nothing. The login
// cookie is always cleared. It returns ErrNoLogin when there is no valid
// transaction, and another error only when the backend fails. The caller
// must still compare tx.State with the callback's state parameter.
func (s *Store) TakeLogin(ctx context.Context, w http.ResponseWriter, r *http.Request) (LoginTx, error) {
	s.expireCookie(w, s.login)
	id, ok := s.cookieID(r, s.login, s.kr.loginCodecs)
	if !ok {
		return LoginTx{}, ErrNoLogin
	}
	blob, err := s.b.Take(ctx, loginKey(id))
	if err != nil {
		return LoginTx{}, fmt.Errorf("take login: %w", err)
	}
	if blob == nil {
		return LoginTx{}, ErrNoLogin
	}
	pt, err := s.kr.open(blob, adLogin+id)
	if err != nil {
		return LoginTx{}, ErrNoLogin
	}
	var tx LoginTx
	if err := json.Unmarshal(pt, &tx); err != nil {
		return LoginTx{}, ErrNoLogin
	}
	// The backend TTL runs on the backend's clock; the store's clock is the
	// one that decides.
	if !s.o.Now().Before(tx.Created.Add(s.o.LoginTTL)) {
		return LoginTx{}, ErrNoLogin
	}
	return tx, nil
}

// TakeLoginIf consumes the login transaction of r's browser only if match
// accepts it, and reports whether it did. A transaction match refuses — or a
// request with none — changes nothing: it stays pending and the login cookie
// is kept, so only the one request it was meant for (the callback, or the
// return from a sign-out) can use it up. The consumption is atomic: of two
// concurrent matching requests, one wins. It returns an error only when the
// backend fails.
func (s *Store) TakeLoginIf(ctx context.Context, w http.ResponseWriter, r *http.Request, match func(LoginTx) bool) (bool, error) {
	id, ok := s.cookieID(r, s.login, s.kr.loginCodecs)
	if !ok {
		return false, nil
	}
	blob, err := s.b.Get(ctx, loginKey(id))
	if err != nil {
		return false, fmt.Errorf("peek login: %w", err)
	}
	if blob == nil {
		return false, nil
	}
	pt, err := s.kr.open(blob, adLogin+id)
	if err != nil {
		return false, nil
	}
	var tx LoginTx
	if err := json.Unmarshal(pt, &tx); err != nil || !s.o.Now().Before(tx.Created.Add(s.o.LoginTTL)) || !match(tx) {
		return false, nil
	}
	took, err := s.b.CompareAndDelete(ctx, loginKey(id), blob)
	if err != nil {
		return false, fmt.Errorf("take login: %w", err)
	}
	if took {
		s.expireCookie(w, s.login)
	}
	return took, nil
}
