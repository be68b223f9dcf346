package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// flashTTL is how long a flash waits for the page after the redirect.
const flashTTL = 2 * time.Minute

// maxFlash bounds a flash message: a few fixed words, never data from a request.
const maxFlash = 200

// maxFlashData bounds the data a flash may carry: the outcome of a form (a bulk action's
// rows, a one-time link) for the page after its redirect.
const maxFlashData = 64 << 10

func flashKey(id string) string { return nsFlash + hashID(id) }

// SetFlash keeps msg, server-side, for the next page this browser loads
// (post/redirect/get): a success banner that cannot be forged with a query
// string (SECURITY.md 54). The browser holds only a signed random id in the
// flash cookie; msg is sealed in the backend for flashTTL and read once.
func (s *Store) SetFlash(ctx context.Context, w http.ResponseWriter, msg string) error {
	return s.SetFlashData(ctx, w, msg, nil)
}

// SetFlashData is SetFlash with data for the next page: the outcome of a state-changing form,
// which may hold a one-time secret (an activation link). Like the message, it is sealed in
// the backend, never in the cookie or a URL, and read once: a reload of the page after the
// redirect finds nothing (post/redirect/get without showing a secret twice).
func (s *Store) SetFlashData(ctx context.Context, w http.ResponseWriter, msg string, data []byte) error {
	if msg == "" || len(msg) > maxFlash {
		return errors.New("set flash: message empty or too long")
	}
	if len(data) > maxFlashData {
		return errors.New("set flash: data too long")
	}
	pt, err := json.Marshal(flashRecord{Msg: msg, Data: data, Created: s.o.Now()})
	if err != nil {
		return fmt.Errorf("set flash: %w", err)
	}
	id := newID()
	ok, err := s.b.Set(ctx, flashKey(id), s.kr.seal(pt, adFlash+id), flashTTL, SetIfAbsent)
	if err != nil {
		return fmt.Errorf("set flash: %w", err)
	}
	if !ok {
		return errors.New("set flash: id already in use") // 2^-256
	}
	v, err := encodeID(s.kr.loginCodecs, s.flash, id)
	if err != nil {
		return fmt.Errorf("set flash: %w", err)
	}
	http.SetCookie(w, s.newCookie(s.flash, v, seconds(flashTTL)))
	return nil
}

// TakeFlash returns the browser's flash and deletes it (atomically: it
// shows once), or "" when there is none. When the request carries a flash
// cookie, the cookie is cleared. It returns an error only when the backend
// fails.
func (s *Store) TakeFlash(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, error) {
	msg, _, err := s.TakeFlashData(ctx, w, r)
	return msg, err
}

// TakeFlashData is TakeFlash with the flash's data (nil when it has none).
func (s *Store) TakeFlashData(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	if len(r.CookiesNamed(s.flash)) == 0 {
		return "", nil, nil
	}
	s.expireCookie(w, s.flash)
	id, ok := s.cookieID(r, s.flash, s.kr.loginCodecs)
	if !ok {
		return "", nil, nil
	}
	blob, err := s.b.Take(ctx, flashKey(id))
	if err != nil {
		return "", nil, fmt.Errorf("take flash: %w", err)
	}
	if blob == nil {
		return "", nil, nil
	}
	pt, err := s.kr.open(blob, adFlash+id)
	if err != nil {
		return "", nil, nil
	}
	var f flashRecord
	// The backend TTL runs on the backend's clock; the store's clock is the one that decides.
	if json.Unmarshal(pt, &f) != nil || !s.o.Now().Before(f.Created.Add(flashTTL)) {
		return "", nil, nil
	}
	return f.Msg, f.Data, nil
}

// flashRecord is what the backend holds, sealed, for a flash.
type flashRecord struct {
	Msg     string
	Data    []byte `json:",omitempty"`
	Created time.Time
}
