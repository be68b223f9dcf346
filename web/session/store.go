package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrGone is returned by Save and Rotate when the session no longer exists
// (signed out, ended by DestroyUser, or expired): an update never brings a
// deleted session back.
var ErrGone = errors.New("session: session no longer exists")

// Backend key namespaces. Ids appear only hashed (see hashID).
const (
	nsRecord   = "s:"
	nsIndex    = "u:"
	nsLogin    = "l:"
	nsLock     = "k:"
	nsFlash    = "f:"
	nsUserLock = "k:u:" // cannot clash with nsLock+hash: base64url has no ':'
)

// userLockTTL bounds how long a crashed instance can block index changes
// for one person; the critical sections take a few round trips.
const userLockTTL = 10 * time.Second

// indexSlack keeps a per-user index alive a little longer than the
// sessions it lists.
const indexSlack = time.Minute

// Store is the strict server-side session store. It is safe for concurrent
// use; several instances may share one Backend.
type Store struct {
	b      Backend
	o      Options
	kr     *keyring
	cookie string // session cookie name, with "__Host-" when Secure
	login  string // login-transaction cookie name
	flash  string // one-time message cookie name
}

// NewStore returns a Store that keeps its data in b.
func NewStore(b Backend, o Options) (*Store, error) {
	if b == nil {
		return nil, errors.New("session: nil backend")
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	kr, err := newKeyring(o.Keys, o.MaxLifetime, o.LoginTTL)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	s := &Store{b: b, o: o, kr: kr, cookie: o.CookieName, login: o.CookieName + "_login", flash: o.CookieName + "_flash"}
	if o.Secure {
		// __Host- makes browsers refuse the cookie unless it is Secure,
		// Path=/ and host-only, so a sibling subdomain cannot plant one.
		s.cookie, s.login, s.flash = "__Host-"+s.cookie, "__Host-"+s.login, "__Host-"+s.flash
	}
	return s, nil
}

// CookieName returns the session cookie's name as sent to browsers.
func (s *Store) CookieName() string { return s.cookie }

// LoginCookieName returns the login-transaction cookie's name as sent to
// browsers.
func (s *Store) LoginCookieName() string { return s.login }

func recordKey(id string) string         { return nsRecord + hashID(id) }
func indexKey(userID string) string      { return nsIndex + userID }
func lockKey(id string) string           { return nsLock + hashID(id) }
func loginKey(id string) string          { return nsLogin + hashID(id) }
func userLock(userID string) string      { return nsUserLock + userID }
func (s *Store) indexTTL() time.Duration { return s.o.MaxLifetime + indexSlack }

// Load returns the session of r, or nil and no error when r is anonymous:
// no cookie, a cookie not signed by a current key, an id the store does not
// hold, or a session past its idle or absolute lifetime (which is then
// deleted). It returns an error only when the backend fails; callers fail
// closed. At most once per TouchEvery it records the activity in LastSeen,
// which also slides the backend TTL.
func (s *Store) Load(r *http.Request) (*Record, error) {
	id, ok := s.cookieID(r, s.cookie, s.kr.sessionCodecs)
	if !ok {
		return nil, nil
	}
	ctx := r.Context()
	rec, blob, err := s.fetch(ctx, id)
	if err != nil || rec == nil {
		return nil, err
	}
	now := s.o.Now()
	if now.Sub(rec.LastSeen) < s.o.TouchEvery {
		return rec, nil
	}
	rec.LastSeen = now
	ttl, live := s.ttl(rec, now)
	if !live {
		// Cannot happen after fetch's check unless the clock is odd;
		// treat as expired.
		return nil, s.remove(ctx, id)
	}
	fresh, err := s.seal(rec)
	if err != nil {
		return nil, err
	}
	// Compare-and-swap: a token refresh or DestroyUser that ran since the
	// read must win over this touch.
	swapped, err := s.b.CompareAndSwap(ctx, recordKey(id), blob, fresh, ttl)
	if err != nil {
		return nil, fmt.Errorf("touch session: %w", err)
	}
	if !swapped {
		rec, _, err = s.fetch(ctx, id)
		return rec, err
	}
	return rec, nil
}

// Get reloads the session id, typically after taking its Lock. It returns
// nil and no error if the session is gone or expired; it does not touch
// LastSeen.
func (s *Store) Get(ctx context.Context, id string) (*Record, error) {
	if id == "" {
		return nil, nil
	}
	rec, _, err := s.fetch(ctx, id)
	return rec, err
}

// fetch reads, decrypts and checks the session id. Records that cannot be
// opened (their key was removed, or they were tampered with or copied from
// another id) and expired records are deleted and reported as absent.
func (s *Store) fetch(ctx context.Context, id string) (*Record, []byte, error) {
	blob, err := s.b.Get(ctx, recordKey(id))
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	if blob == nil {
		return nil, nil, nil
	}
	rec, err := s.open(blob, id)
	if err != nil {
		if _, err := s.b.CompareAndDelete(ctx, recordKey(id), blob); err != nil {
			return nil, nil, fmt.Errorf("delete unreadable session: %w", err)
		}
		return nil, nil, nil
	}
	if _, live := s.ttl(rec, s.o.Now()); !live {
		if err := s.unindex(ctx, rec.UserID, id, blob); err != nil {
			return nil, nil, err
		}
		return nil, nil, nil
	}
	return rec, blob, nil
}

// unindex deletes the record id (if it still holds blob) and drops it from
// its owner's index.
func (s *Store) unindex(ctx context.Context, userID, id string, blob []byte) error {
	if _, err := s.b.CompareAndDelete(ctx, recordKey(id), blob); err != nil {
		return fmt.Errorf("delete expired session: %w", err)
	}
	if err := s.b.SetRemove(ctx, indexKey(userID), recordKey(id)); err != nil {
		return fmt.Errorf("unindex expired session: %w", err)
	}
	return nil
}

// ttl returns how long rec may still live: the smaller of the idle and the
// remaining absolute lifetime.
func (s *Store) ttl(rec *Record, now time.Time) (time.Duration, bool) {
	end := rec.LastSeen.Add(s.o.IdleTimeout)
	if abs := rec.Created.Add(s.o.MaxLifetime); abs.Before(end) {
		end = abs
	}
	d := end.Sub(now)
	return d, d > 0
}

func (s *Store) seal(rec *Record) ([]byte, error) {
	pt, err := marshalRecord(rec)
	if err != nil {
		return nil, err
	}
	return s.kr.seal(pt, adRecordKey+hashID(rec.ID)), nil
}

func (s *Store) open(blob []byte, id string) (*Record, error) {
	pt, err := s.kr.open(blob, adRecordKey+hashID(id))
	if err != nil {
		// A record written before records were bound to their key (adRecordKey).
		if pt, err = s.kr.open(blob, adRecord+id); err != nil {
			return nil, err
		}
	}
	return unmarshalRecord(pt, id)
}

// Start signs rec in: it deletes the session r currently carries (so a
// pre-login id can never be replayed), issues a new random id, sets
// Created and LastSeen, saves the record, indexes it under rec.UserID and
// sets the session cookie. r may be nil.
func (s *Store) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, rec *Record) error {
	if rec == nil || rec.UserID == "" {
		return errors.New("start session: record without a user id")
	}
	if r != nil {
		if old, ok := s.cookieID(r, s.cookie, s.kr.sessionCodecs); ok {
			if err := s.remove(ctx, old); err != nil {
				return fmt.Errorf("start session: %w", err)
			}
		}
	}
	now := s.o.Now()
	next := *rec
	next.ID, next.Created, next.LastSeen = newID(), now, now
	err := s.withUserLock(ctx, rec.UserID, func() error {
		if err := s.insert(ctx, &next, now); err != nil {
			return err
		}
		return s.prune(ctx, rec.UserID, recordKey(next.ID))
	})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	if err := s.setSessionCookie(w, next.ID, s.o.MaxLifetime); err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	*rec = next
	return nil
}

// insert writes a new record under its (new) id. The index entry is written
// first, so that a record is never stored without DestroyUser being able to
// find it. The caller holds the user lock.
func (s *Store) insert(ctx context.Context, rec *Record, now time.Time) error {
	ttl, live := s.ttl(rec, now)
	if !live {
		return ErrGone
	}
	blob, err := s.seal(rec)
	if err != nil {
		return err
	}
	key := recordKey(rec.ID)
	if err := s.b.SetAdd(ctx, indexKey(rec.UserID), key, s.indexTTL()); err != nil {
		return fmt.Errorf("index session: %w", err)
	}
	ok, err := s.b.Set(ctx, key, blob, ttl, SetIfAbsent)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if !ok {
		return errors.New("save session: id already in use") // 2^-256
	}
	return nil
}

// prune drops index entries whose records no longer exist (expired by TTL
// or deleted), so that an index does not grow with every sign-in.
func (s *Store) prune(ctx context.Context, userID, keep string) error {
	members, err := s.b.SetMembers(ctx, indexKey(userID))
	if err != nil {
		return fmt.Errorf("read session index: %w", err)
	}
	exists, err := s.b.Exists(ctx, members...)
	if err != nil {
		return fmt.Errorf("check session index: %w", err)
	}
	var stale []string
	for i, m := range members {
		if !exists[i] && m != keep {
			stale = append(stale, m)
		}
	}
	if err := s.b.SetRemove(ctx, indexKey(userID), stale...); err != nil {
		return fmt.Errorf("prune session index: %w", err)
	}
	return nil
}

// Save writes rec back under its id, e.g. after a token refresh or a role
// re-check. It never creates a session: if the session was deleted or has
// expired meanwhile it returns ErrGone. rec.UserID must not change (sign
// the person in with Start instead).
func (s *Store) Save(ctx context.Context, rec *Record) error {
	if rec == nil || rec.ID == "" {
		return errors.New("save session: record without an id")
	}
	ttl, live := s.ttl(rec, s.o.Now())
	if !live {
		if _, err := s.b.Delete(ctx, recordKey(rec.ID)); err != nil {
			return fmt.Errorf("save session: delete expired: %w", err)
		}
		return ErrGone
	}
	blob, err := s.seal(rec)
	if err != nil {
		return err
	}
	ok, err := s.b.Set(ctx, recordKey(rec.ID), blob, ttl, SetIfPresent)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if !ok {
		return ErrGone
	}
	return nil
}

// Rotate moves rec to a new id, after a password or recovery-question
// change: the old id is deleted, the index updated and the cookie re-set.
// Created is kept (the absolute lifetime does not restart). It returns
// ErrGone if the session no longer exists.
func (s *Store) Rotate(ctx context.Context, w http.ResponseWriter, rec *Record) error {
	if rec == nil || rec.ID == "" || rec.UserID == "" {
		return errors.New("rotate session: record without an id or user id")
	}
	now := s.o.Now()
	var next Record
	// Under the user lock a concurrent DestroyUser either ends the old id
	// before we take it (ErrGone) or sees the new one in the index.
	err := s.withUserLock(ctx, rec.UserID, func() error {
		oldKey := recordKey(rec.ID)
		blob, err := s.b.Take(ctx, oldKey)
		if err != nil {
			return fmt.Errorf("take old session: %w", err)
		}
		if blob == nil {
			return ErrGone
		}
		old, err := s.open(blob, rec.ID)
		if err != nil {
			return ErrGone
		}
		if old.UserID != rec.UserID {
			// A caller bug; the old session is already taken, which
			// fails closed.
			return errors.New("record's user id differs from the stored session's")
		}
		// Carry the stored record, not the caller's copy: another request may have
		// refreshed its tokens since the caller loaded it.
		next = *old
		next.ID, next.LastSeen = newID(), now
		if err := s.insert(ctx, &next, now); err != nil {
			return err
		}
		if err := s.b.SetRemove(ctx, indexKey(rec.UserID), oldKey); err != nil {
			return fmt.Errorf("unindex old session: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rotate session: %w", err)
	}
	// The cookie need not outlive the record's absolute lifetime.
	if err := s.setSessionCookie(w, next.ID, next.Created.Add(s.o.MaxLifetime).Sub(now)); err != nil {
		return fmt.Errorf("rotate session: %w", err)
	}
	*rec = next
	return nil
}

// Destroy signs r's browser out: it expires the session cookie and deletes
// the session record, if any.
func (s *Store) Destroy(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	s.expireCookie(w, s.cookie)
	id, ok := s.cookieID(r, s.cookie, s.kr.sessionCodecs)
	if !ok {
		return nil
	}
	if err := s.remove(ctx, id); err != nil {
		return fmt.Errorf("destroy session: %w", err)
	}
	return nil
}

// remove deletes the session id and drops it from its owner's index.
func (s *Store) remove(ctx context.Context, id string) error {
	key := recordKey(id)
	blob, err := s.b.Take(ctx, key)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if blob == nil {
		return nil
	}
	rec, err := s.open(blob, id)
	if err != nil {
		return nil // unreadable: no owner to unindex; prune will drop it
	}
	if err := s.b.SetRemove(ctx, indexKey(rec.UserID), key); err != nil {
		return fmt.Errorf("unindex session: %w", err)
	}
	return nil
}

// DestroyUser ends every session of userID on every instance sharing the
// backend, except exceptID ("" ends all), and returns how many it ended.
func (s *Store) DestroyUser(ctx context.Context, userID, exceptID string) (int, error) {
	if userID == "" {
		return 0, errors.New("destroy user sessions: empty user id")
	}
	keep := ""
	if exceptID != "" {
		keep = recordKey(exceptID)
	}
	n := 0
	err := s.withUserLock(ctx, userID, func() error {
		members, err := s.b.SetMembers(ctx, indexKey(userID))
		if err != nil {
			return fmt.Errorf("read session index: %w", err)
		}
		var doomed []string
		for _, m := range members {
			if m != keep {
				doomed = append(doomed, m)
			}
		}
		if n, err = s.b.Delete(ctx, doomed...); err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		if err := s.b.SetRemove(ctx, indexKey(userID), doomed...); err != nil {
			return fmt.Errorf("unindex sessions: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("destroy user sessions: %w", err)
	}
	return n, nil
}

// Count returns the number of live sessions, for metrics. On Redis it scans
// the keyspace; call it from a scrape, not per request.
func (s *Store) Count(ctx context.Context) (int, error) {
	n, err := s.b.Count(ctx, nsRecord)
	if err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	return n, nil
}

// Ping reports whether the backend answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.b.Ping(ctx); err != nil {
		return fmt.Errorf("ping session backend: %w", err)
	}
	return nil
}

// Close closes the backend.
func (s *Store) Close() error {
	if err := s.b.Close(); err != nil {
		return fmt.Errorf("close session backend: %w", err)
	}
	return nil
}
