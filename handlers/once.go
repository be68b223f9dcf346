package handlers

import (
	"crypto/rand"
	"sync"
	"time"
)

// onceGuard makes a form submission act at most once. Each rendered form carries a random
// form id; a second POST with the same id (a double click, a browser retry, a reload of the
// result) does not call Okta again but gets the first submission's answer. Passwords are never
// part of what is kept — only the status and the view shown.
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
}

func newOnceGuard(ttl time.Duration, now func() time.Time) *onceGuard {
	return &onceGuard{ttl: ttl, now: now, entries: map[string]*onceEntry{}}
}

// newFormID returns a fresh id for a rendered form.
func newFormID() string { return rand.Text() }

// do runs fn once per key and returns its result; concurrent calls with the same key wait for
// and share the first result, and later calls get it too while keep says so (successes are
// kept; a failure is shared with those already waiting, then forgotten, so a corrected
// resubmission of the same form runs). An empty key disables the guard.
func (g *onceGuard) do(key string, fn func() (result any, keep bool)) any {
	if key == "" || g == nil {
		res, _ := fn()
		return res
	}
	now := g.now()
	g.mu.Lock()
	for k, e := range g.entries {
		if !e.exp.IsZero() && now.After(e.exp) {
			delete(g.entries, k)
		}
	}
	if e, ok := g.entries[key]; ok {
		g.mu.Unlock()
		<-e.done
		return e.result
	}
	e := &onceEntry{done: make(chan struct{})}
	g.entries[key] = e
	g.mu.Unlock()

	keep := false
	defer func() {
		g.mu.Lock()
		e.exp = g.now().Add(g.ttl)
		if !keep {
			delete(g.entries, key)
		}
		g.mu.Unlock()
		close(e.done) // publishes e.result to the waiters
	}()
	e.result, keep = fn()
	return e.result
}
