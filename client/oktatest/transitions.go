package oktatest

import (
	"net/http"
	"time"
)

// Asynchronous lifecycle. Okta documents activation and deactivation as
// asynchronous: while one runs, the user carries transitioningToStatus (ACTIVE,
// PROVISIONED or DEPROVISIONED) next to the old status, and an update answers
// 409 E0000112 "Cannot update this user because they are still being
// activated" (docs/OKTA.md "Asynchronous lifecycle"). Real orgs finish most
// transitions before the answer; the emulator makes them visible only for
// people marked async (SeedUser.AsyncLifecycle, SetAsyncLifecycle) or a
// deactivation sent with "Prefer: respond-async", and finishes them after
// Config.TransitionDelay of its clock, or at once with CompleteTransitions.

const defaultTransitionDelay = 5 * time.Second

// transition is an asynchronous status change in progress.
type transition struct {
	to    string    // transitioningToStatus
	final string    // the status the user ends in (to, for every documented case)
	done  time.Time // when it completes
	// after runs when it completes (deactivation ends sessions then).
	after func(u *user, now time.Time)
}

// transitioning reports whether u has a transition in progress at now.
// s.mu must be held.
func (s *Server) transitioning(u *user, now time.Time) bool {
	s.finishTransition(u, now)
	return u.transition != nil
}

// finishTransition completes u's transition if its time has come. s.mu must be held.
func (s *Server) finishTransition(u *user, now time.Time) {
	t := u.transition
	if t == nil || now.Before(t.done) {
		return
	}
	u.transition = nil
	u.setStatus(t.final, t.done)
	if t.final == StatusActive || t.final == StatusProvisioned {
		u.activated = t.done
	}
	if t.after != nil {
		t.after(u, t.done)
	}
}

// startTransition begins an asynchronous change of u to final. s.mu must be held.
func (s *Server) startTransition(u *user, final string, now time.Time, after func(u *user, now time.Time)) {
	u.transition = &transition{to: final, final: final, done: now.Add(s.cfg.TransitionDelay), after: after}
	u.lastUpdated = now
}

// errStillTransitioning is Okta's answer to an update while a transition runs.
func errStillTransitioning() *oktaError {
	return apiError(http.StatusConflict, codeStillActivating)
}

// refuseWhileTransitioning answers 409 E0000112 for any change to u while a
// transition runs. s.mu must be held.
func (s *Server) refuseWhileTransitioning(u *user, now time.Time) error {
	if s.transitioning(u, now) {
		return errStillTransitioning()
	}
	return nil
}

// SetAsyncLifecycle makes the user's activations and deactivations
// asynchronous (or synchronous again).
func (s *Server) SetAsyncLifecycle(id string, async bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[id]; u != nil {
		u.async = async
	}
}

// CompleteTransitions finishes every transition in progress at once.
func (s *Server) CompleteTransitions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.st.users {
		if t := u.transition; t != nil {
			t.done = s.now()
			s.finishTransition(u, t.done)
		}
	}
}

// TransitioningTo returns the user's transitioningToStatus, "" when none.
func (s *Server) TransitioningTo(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[id]; u != nil && s.transitioning(u, s.now()) {
		return u.transition.to
	}
	return ""
}
