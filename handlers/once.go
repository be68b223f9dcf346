package handlers

import (
	"crypto/rand"
	"slices"
	"sync"
	"time"
)

// onceGuard makes a form submission act at most once. Each rendered form carries a random
// form id; a second POST with the same id (a double click, a browser retry, a reload of the
// result) does not call Okta again but gets the first submission's answer. Passwords are never
// part of what is kept — only the status and the view shown.
//
// The answer is shared only with the session that made it — and the session it rotated into,
// so that a reload after a password change still finds it (SECURITY.md 52). A replay of the
// same form id from any other session, even the same person's, gets nothing of it: it runs as
// a submission of its own, guarded on its own.
type onceGuard struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*onceEntry
}

type onceEntry struct {
	done   chan struct{}
	result any
	exp    time.Time
	owners []string // sessions (Viewer.Session) whose replays share result
}

// onceTTL is how long a form's answer is kept for its replays.
const onceTTL = 10 * time.Minute

func newOnceGuard(ttl time.Duration, now func() time.Time) *onceGuard {
	return &onceGuard{ttl: ttl, now: now, entries: map[string]*onceEntry{}}
}

// newFormID returns a fresh id for a rendered form.
func newFormID() string { return rand.Text() }

// do runs fn once per key for the session owner and returns its result; concurrent calls
// with the same key from the same session wait for and share the first result, and later ones
// get it too while keep says so (successes are kept; a failure is shared with those already
// waiting, then forgotten, so a corrected resubmission of the same form runs). fn also names
// the session the submission rotated into, if any, which shares the result from then on. A
// call from another session runs under a key of its own. An empty key disables the guard.
func (g *onceGuard) do(key, owner string, fn func() (result any, keep bool, rotated string)) any {
	if key == "" || g == nil {
		res, _, _ := fn()
		return res
	}
	now := g.now()
	g.mu.Lock()
	for k, e := range g.entries {
		if !e.exp.IsZero() && now.After(e.exp) {
			delete(g.entries, k)
		}
	}
	e, ok := g.entries[key]
	if ok && !slices.Contains(e.owners, owner) {
		key += "\x00" + owner
		e, ok = g.entries[key]
	}
	if ok {
		g.mu.Unlock()
		<-e.done
		return e.result
	}
	e = &onceEntry{done: make(chan struct{}), owners: []string{owner}}
	g.entries[key] = e
	g.mu.Unlock()

	keep, rotated := false, ""
	defer func() {
		g.mu.Lock()
		e.exp = g.now().Add(g.ttl)
		if rotated != "" && rotated != owner {
			e.owners = append(e.owners, rotated)
		}
		if !keep {
			delete(g.entries, key)
		}
		g.mu.Unlock()
		close(e.done) // publishes e.result to the waiters
	}()
	e.result, keep, rotated = fn()
	return e.result
}
