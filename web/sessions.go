package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"

	"gatehouse/handlers"
	"gatehouse/web/session"
)

// sessionLayer is the session layer as the handlers see it through their interfaces
// (handlers.AuthSessions, SelfSessions, AdminSessions): the request's session is read and
// saved through gorilla/sessions' Store interface (Get, then Save), which the strict store
// implements (session.GorillaStore); the record, its id and its tokens stay here, and
// handlers get a handlers.Viewer. What gorilla's interface has no words for goes to the
// store directly: the per-user index (ending every session of a person on every instance),
// the per-session lock, and the login-transaction and flash cookies, which are not the
// session (a signed-out browser has them too).
type sessionLayer struct {
	store   *session.Store
	gorilla sessions.Store
	name    string // the session cookie's name, as gorilla's registry knows the session
}

func newSessionLayer(store *session.Store) *sessionLayer {
	return &sessionLayer{store: store, gorilla: store.Gorilla(), name: store.CookieName()}
}

// loadedKey carries the request's gorilla session, once loaded and signed in.
type loadedKey struct{}

// load reads the session r's cookie names, through gorilla's registry (so every later Get on
// the request sees the same session), and returns r carrying it and its Viewer. An anonymous
// request comes back unchanged; an error means the store could not answer.
func (l *sessionLayer) load(r *http.Request) (*http.Request, error) {
	sess, err := l.gorilla.Get(r, l.name)
	if err != nil {
		return r, err
	}
	rec := recordOf(sess)
	if rec == nil {
		return r, nil
	}
	ctx := context.WithValue(r.Context(), loadedKey{}, sess)
	return r.WithContext(handlers.WithViewer(ctx, viewerOf(rec))), nil
}

// current returns the request's signed-in session and its record, or nils.
func current(ctx context.Context) (*sessions.Session, *session.Record) {
	sess, _ := ctx.Value(loadedKey{}).(*sessions.Session)
	if sess == nil {
		return nil, nil
	}
	return sess, recordOf(sess)
}

func recordOf(sess *sessions.Session) *session.Record {
	rec, _ := sess.Values[session.RecordKey].(*session.Record)
	return rec
}

// viewerOf is the handlers' view of a session record: no tokens, no session id.
func viewerOf(rec *session.Record) handlers.Viewer {
	return handlers.Viewer{
		UserID: rec.UserID, Issuer: rec.Issuer, Login: rec.Login, Name: rec.Name, Email: rec.Email,
		Roles: rec.Roles, AuthTime: rec.AuthTime, ACR: rec.ACR, AMR: rec.AMR, Lang: rec.Lang,
		Prefs:   handlers.Prefs{PreferredLanguage: rec.PreferredLanguage, Locale: rec.Locale, Timezone: rec.Timezone},
		Session: viewerSession(rec.ID),
	}
}

// viewerSession names a session for the handlers without its id: the id is a bearer secret
// (the cookie is its signed form), and handlers only need to tell sessions apart.
func viewerSession(id string) string {
	sum := sha256.Sum256([]byte("gatehouse viewer session\x00" + id))
	return hex.EncodeToString(sum[:16])
}

// Tokens returns the request's session tokens (handlers.SessionTokens).
func (l *sessionLayer) Tokens(ctx context.Context) (session.Tokens, bool) {
	if _, rec := current(ctx); rec != nil {
		return rec.Tokens, true
	}
	return session.Tokens{}, false
}

// SignIn starts a session for rec: saved through gorilla with the id cleared and a record that
// has none, it gets a fresh id, and the session r came with ends (session.GorillaStore).
func (l *sessionLayer) SignIn(w http.ResponseWriter, r *http.Request, rec *session.Record) error {
	sess, err := l.gorilla.Get(r, l.name)
	if err != nil {
		return err
	}
	rec.ID = ""
	rec.Device, rec.IP = whereFrom(r)
	sess.Values[session.RecordKey] = rec
	sess.ID = ""
	return l.gorilla.Save(r, w, sess)
}

// SignOut ends the request's session and expires its cookie: gorilla's MaxAge < 0.
func (l *sessionLayer) SignOut(w http.ResponseWriter, r *http.Request) error {
	sess, err := l.gorilla.Get(r, l.name)
	if err != nil {
		return err
	}
	opts := *sess.Options
	opts.MaxAge = -1
	sess.Options = &opts
	err = l.gorilla.Save(r, w, sess)
	delete(sess.Values, session.RecordKey) // nothing later in the request sees it signed in
	return err
}

// Rotate moves the request's session to a new id, keeping its record: saved through gorilla
// with the id cleared, a record that has one moves (session.GorillaStore). It returns the new
// Viewer.Session.
func (l *sessionLayer) Rotate(w http.ResponseWriter, r *http.Request) (string, error) {
	sess, rec := current(r.Context())
	if rec == nil {
		return "", errors.New("rotate session: the request has no session")
	}
	sess.ID = ""
	if err := l.gorilla.Save(r, w, sess); err != nil {
		return "", err
	}
	return viewerSession(rec.ID), nil
}

// EndSessions ends every session of userID on every instance sharing the store, except the
// request's own when keepCurrent.
func (l *sessionLayer) EndSessions(ctx context.Context, userID string, keepCurrent bool) (int, error) {
	except := ""
	if _, rec := current(ctx); keepCurrent && rec != nil {
		except = rec.ID
	}
	return l.store.DestroyUser(ctx, userID, except)
}

// whereFrom is what a session record keeps of where the request came from, for the person's
// list of their sessions: the browser in a few words and the client address as the proxy
// settings allow (clientIP, through the request's scope).
func whereFrom(r *http.Request) (device session.Device, ip string) {
	return deviceOf(r.UserAgent()), handlers.ScopeFrom(r.Context()).ClientIP
}

// ListSessions returns the live sessions of userID, the request's own marked Current
// (handlers.SessionList).
func (l *sessionLayer) ListSessions(ctx context.Context, userID string) ([]handlers.SessionInfo, error) {
	list, err := l.store.List(ctx, userID)
	if err != nil {
		return nil, err
	}
	mine := ""
	if _, rec := current(ctx); rec != nil {
		mine = l.store.Handle(rec.ID)
	}
	out := make([]handlers.SessionInfo, len(list))
	for i, s := range list {
		out[i] = handlers.SessionInfo{Summary: s, Current: s.Handle == mine}
	}
	return out, nil
}

// EndSession ends the session of userID that handle names, on every instance; never the
// request's own (that is signing out). It reports whether one ended.
func (l *sessionLayer) EndSession(ctx context.Context, userID, handle string) (bool, error) {
	if _, rec := current(ctx); rec != nil && l.store.Handle(rec.ID) == handle {
		return false, nil
	}
	return l.store.EndOne(ctx, userID, handle)
}

// update changes the request's session record under its lock, on a copy reloaded after the
// lock is taken, so that concurrent requests (a token refresh, a role re-check) never write
// back each other's stale copies; change reports whether cur must be saved, which goes
// through gorilla's Save. A session that ended meanwhile is session.ErrGone. The request's
// session then holds the fresh record, and its context the fresh Viewer.
func (l *sessionLayer) update(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, cur *session.Record) (bool, error)) (*http.Request, error) {
	sess, rec := current(r.Context())
	if rec == nil {
		return r, session.ErrGone
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	unlock, err := l.store.Lock(ctx, rec.ID, 15*time.Second)
	if err != nil {
		return r, fmt.Errorf("lock session: %w", err)
	}
	defer unlock()
	cur, err := l.store.Get(ctx, rec.ID)
	if err != nil {
		return r, fmt.Errorf("reload session: %w", err)
	}
	if cur == nil {
		return r, session.ErrGone
	}
	save, err := change(ctx, cur)
	if err != nil {
		return r, err
	}
	sess.Values[session.RecordKey] = cur
	if save {
		if err := l.gorilla.Save(r.WithContext(ctx), w, sess); err != nil {
			return r, fmt.Errorf("save session: %w", err)
		}
	}
	return r.WithContext(handlers.WithViewer(r.Context(), viewerOf(cur))), nil
}

// SetLanguage keeps the language chosen from the menu in the request's session
// (handlers.LanguageSessions), under the session's lock like every change of a record.
func (l *sessionLayer) SetLanguage(w http.ResponseWriter, r *http.Request, lang string) error {
	_, err := l.update(w, r, func(_ context.Context, cur *session.Record) (bool, error) {
		if cur.Lang == lang {
			return false, nil
		}
		cur.Lang = lang
		return true, nil
	})
	return err
}

// The flash and login-transaction cookies are not the session: straight to the store.

func (l *sessionLayer) SetFlash(ctx context.Context, w http.ResponseWriter, msg string) error {
	return l.store.SetFlash(ctx, w, msg)
}

func (l *sessionLayer) TakeFlash(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, error) {
	return l.store.TakeFlash(ctx, w, r)
}

func (l *sessionLayer) SetResult(ctx context.Context, w http.ResponseWriter, msg string, data []byte) error {
	return l.store.SetFlashData(ctx, w, msg, data)
}

func (l *sessionLayer) TakeResult(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	return l.store.TakeFlashData(ctx, w, r)
}

func (l *sessionLayer) BeginLogin(ctx context.Context, w http.ResponseWriter, tx session.LoginTx) error {
	return l.store.BeginLogin(ctx, w, tx)
}

func (l *sessionLayer) TakeLogin(ctx context.Context, w http.ResponseWriter, r *http.Request) (session.LoginTx, error) {
	return l.store.TakeLogin(ctx, w, r)
}

func (l *sessionLayer) TakeLoginIf(ctx context.Context, w http.ResponseWriter, r *http.Request, match func(session.LoginTx) bool) (bool, error) {
	return l.store.TakeLoginIf(ctx, w, r, match)
}
