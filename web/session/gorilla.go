package session

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/sessions"
)

// RecordKey is the key of sessions.Session.Values that holds the *Record.
// It is the only value a GorillaStore persists.
const RecordKey = "record"

// GorillaStore is a Store as the gorilla/sessions Store interface, with the
// same strict rules: Gatehouse's session middleware loads and saves the
// request's session through it (package web). It is a separate type because
// the typed Store API already uses the names Get and Save.
//
// Values[RecordKey] holds the *Record; a session without one is anonymous
// and is never stored. New with an unknown, forged or expired id returns a
// new empty session with ID "" (an id the store did not issue is never
// adopted). Save follows gorilla's conventions:
//   - Options.MaxAge < 0 deletes the session and expires the cookie;
//   - a session whose ID is cleared gets a new id: with a record that has
//     none (a sign-in) as Store.Start does, ending the session the request
//     came with; with a record that has one (a loaded session) as
//     Store.Rotate does, keeping its Created — gorilla has no Regenerate
//     (gorilla/sessions#11), and clearing the id is its way to ask for one;
//   - otherwise the record is saved under its id, and never recreated once
//     it has ended (Store.Save).
type GorillaStore struct {
	s *Store
}

var _ sessions.Store = (*GorillaStore)(nil)

// Gorilla returns the gorilla/sessions view of s.
func (s *Store) Gorilla() *GorillaStore { return &GorillaStore{s: s} }

func (g *GorillaStore) checkName(name string) error {
	if name != g.s.cookie && name != g.s.o.CookieName {
		return fmt.Errorf("session: unknown session name %q (this store serves %q)", name, g.s.cookie)
	}
	return nil
}

// options returns the cookie options of this store, as gorilla expects to
// find them on a session.
func (g *GorillaStore) options() *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		MaxAge:   seconds(g.s.o.MaxLifetime),
		Secure:   g.s.o.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// Get returns the session for name from the request's registry, loading it
// with New the first time.
func (g *GorillaStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	if err := g.checkName(name); err != nil {
		return nil, err
	}
	return sessions.GetRegistry(r).Get(g, name)
}

// New loads the session r carries, as Store.Load does. The returned session
// is never nil; on a backend failure it is new and empty, and the error is
// returned with it.
func (g *GorillaStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(g, name)
	sess.Options = g.options()
	sess.IsNew = true
	if err := g.checkName(name); err != nil {
		return sess, err
	}
	rec, err := g.s.Load(r)
	if err != nil {
		return sess, err
	}
	if rec != nil {
		sess.ID = rec.ID
		sess.Values[RecordKey] = rec
		sess.IsNew = false
	}
	return sess, nil
}

// Save persists sess: see GorillaStore for the rules.
func (g *GorillaStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options != nil && sess.Options.MaxAge < 0 {
		g.s.expireCookie(w, g.s.cookie)
		if sess.ID != "" {
			if err := g.s.remove(ctx, sess.ID); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		sess.ID = ""
		return nil
	}
	var rec *Record
	for k, v := range sess.Values {
		if k != RecordKey {
			return fmt.Errorf("session: cannot store value %v: only %q is persisted", k, RecordKey)
		}
		r, ok := v.(*Record)
		if !ok {
			return fmt.Errorf("session: Values[%q] is %T, want *session.Record", RecordKey, v)
		}
		rec = r
	}
	switch {
	case rec == nil && sess.ID == "":
		return nil // anonymous: nothing to keep
	case rec == nil:
		// The record was removed from an existing session: sign it out.
		g.s.expireCookie(w, g.s.cookie)
		err := g.s.remove(ctx, sess.ID)
		sess.ID = ""
		if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	case sess.ID == "" && rec.ID != "":
		if err := g.s.Rotate(ctx, w, rec); err != nil {
			return err
		}
		sess.ID, sess.IsNew = rec.ID, false
		return nil
	case sess.ID == "":
		if err := g.s.Start(ctx, w, r, rec); err != nil {
			return err
		}
		sess.ID, sess.IsNew = rec.ID, false
		return nil
	case rec.ID != "" && rec.ID != sess.ID:
		return errors.New("session: record id does not match session id")
	default:
		rec.ID = sess.ID
		return g.s.Save(ctx, rec)
	}
}
