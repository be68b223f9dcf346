package oktatest

import (
	"net/http"
	"strings"
	"time"
)

// One-time link kinds and lifetimes.
const (
	ottActivation = "activation"
	ottReset      = "reset"  // admin reset_password
	ottForgot     = "forgot" // forgot_password (self-service)

	activationTTL = 7 * 24 * time.Hour
	resetTTL      = time.Hour
)

// Email is a message Okta would have sent.
type Email struct {
	To   string `json:"to"`
	Kind string `json:"kind"` // "activation", "reset_password", "forgot_password", "verification_code" or "email_change"
	Link string `json:"link"` // the one-time link in the message
	// Code is the one-time verification code of a sign-in's second factor (stepup.go).
	Code string    `json:"code,omitempty"`
	Time time.Time `json:"time"`
}

// oneTimeToken is an activation or reset link's secret, indexed by its hash.
type oneTimeToken struct {
	kind     string
	userID   string
	expires  time.Time
	answered bool // the recovery question was answered (reset pages)
	// attr and value are the address an email change link sets (emailchange.go).
	attr, value string
}

// newOneTimeToken issues a link token, replacing the user's earlier ones of the
// same kind. s.mu must be held.
func (s *Server) newOneTimeToken(u *user, kind string, now time.Time) string {
	s.st.dropOneTimeTokens(u.id, kind)
	tok := randomString(20)
	ttl := resetTTL
	if kind == ottActivation {
		ttl = activationTTL
	}
	s.st.otts[tokenKey(tok)] = &oneTimeToken{kind: kind, userID: u.id, expires: now.Add(ttl)}
	return tok
}

func (s *Server) ottURL(kind, tok string) string {
	switch {
	case kind == ottActivation && s.cfg.IdentityEngine:
		return s.abs("/tokens/" + tok + "/verify")
	case kind == ottActivation:
		return s.abs("/welcome/" + tok)
	case kind == ottReset:
		return s.abs("/reset_password/" + tok)
	default:
		return s.abs("/signin/reset-password/" + tok)
	}
}

// issueEmail records an email with a fresh one-time link. s.mu must be held;
// deliver the returned Email with notify after unlocking.
func (s *Server) issueEmail(u *user, kind, emailKind string, now time.Time) Email {
	e := Email{To: u.email(), Kind: emailKind, Link: s.ottURL(kind, s.newOneTimeToken(u, kind, now)), Time: now}
	s.st.emails = append(s.st.emails, e)
	return e
}

// lifecycleOp runs fn on the call's target with the lock held and delivers any
// emails afterwards.
func (s *Server) lifecycleOp(w http.ResponseWriter, c *apiCall, fn func(u *user, now time.Time, pending *[]Email) (any, error)) error {
	var pending []Email
	s.mu.Lock()
	u, err := s.target(c)
	var out any
	if err == nil {
		err = s.refuseWhileTransitioning(u, s.now())
	}
	if err == nil {
		out, err = fn(u, s.now(), &pending)
	}
	s.mu.Unlock()
	s.notify(pending)
	if err != nil {
		return err
	}
	switch out := out.(type) {
	case nil:
		// reset_factors and friends: 200, JSON content type, empty body.
		w.Header().Set("Content-Type", contentTypeJSON)
		w.WriteHeader(http.StatusOK)
	default:
		writeJSON(w, http.StatusOK, out)
	}
	return nil
}

// emptyJSON renders as {}, the body of most lifecycle operations.
type emptyJSON struct{}

// activate handles POST …/lifecycle/activate?sendEmail= (default true). For an
// asynchronous person the status changes when the transition completes.
func (s *Server) activate(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	sendEmail, err := boolParam(r, "sendEmail", true)
	if err != nil {
		return err
	}
	return s.lifecycleOp(w, c, func(u *user, now time.Time, pending *[]Email) (any, error) {
		if u.status != StatusStaged && u.status != StatusDeprovisioned {
			// Unconfirmed (USERS-API.md §5.2): every already-activated status
			// (not just ACTIVE) answers 403 E0000016.
			return nil, apiError(http.StatusForbidden, codeAlreadyActive)
		}
		// Unconfirmed (USERS-API.md §5.2): a reactivated DEPROVISIONED user keeps
		// their old password and becomes ACTIVE. Federated and social people need
		// no password (Okta: they become ACTIVE).
		final := StatusProvisioned
		if u.hasPassword || passwordless(u.provider().Type) {
			final = StatusActive
		}
		if u.async {
			s.startTransition(u, final, now, nil)
		} else {
			u.setStatus(final, now)
			u.activated = now
		}
		u.failedSign = 0
		if !sendEmail {
			tok := s.newOneTimeToken(u, ottActivation, now)
			return map[string]string{"activationUrl": s.ottURL(ottActivation, tok), "activationToken": tok}, nil
		}
		if final == StatusProvisioned {
			*pending = append(*pending, s.issueEmail(u, ottActivation, EmailActivation, now))
		}
		return emptyJSON{}, nil
	})
}

// reactivate handles POST …/lifecycle/reactivate?sendEmail=: it "restarts the activation
// workflow" of a PROVISIONED or RECOVERY person (Okta's reactivateUser) with a new
// activation link, emailed with sendEmail=true, else answered as activationUrl and
// activationToken; sendEmail defaults to false in the current spec. Any other status
// answers 403 E0000038 (USERS-API.md §5.2, Okta's example). The link's page sets a
// password and activates the person.
func (s *Server) reactivate(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	sendEmail, err := boolParam(r, "sendEmail", false)
	if err != nil {
		return err
	}
	return s.lifecycleOp(w, c, func(u *user, now time.Time, pending *[]Email) (any, error) {
		if u.status != StatusProvisioned && u.status != StatusRecovery {
			return nil, apiError(http.StatusForbidden, codeStatusConflict)
		}
		u.lastUpdated = now
		if !sendEmail {
			tok := s.newOneTimeToken(u, ottActivation, now)
			return map[string]string{"activationUrl": s.ottURL(ottActivation, tok), "activationToken": tok}, nil
		}
		*pending = append(*pending, s.issueEmail(u, ottActivation, EmailActivation, now))
		return emptyJSON{}, nil
	})
}

// deactivateLocked moves u to DEPROVISIONED, ending its sessions and tokens.
func (s *Server) deactivateLocked(u *user) {
	now := s.now()
	u.setStatus(StatusDeprovisioned, now)
	s.endAccess(u)
}

// endAccess ends a deactivated person's sessions, tokens and links.
func (s *Server) endAccess(u *user) {
	s.st.endSessions(u.id, "")
	s.st.revokeTokens(u.id)
	s.st.dropOneTimeTokens(u.id, ottActivation, ottReset, ottForgot)
}

// deactivate handles POST …/lifecycle/deactivate. "Prefer: respond-async"
// (or an asynchronous person) makes it a transition: the person keeps their
// status with transitioningToStatus DEPROVISIONED until it completes; their
// sessions and tokens end at once.
func (s *Server) deactivate(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	async := strings.EqualFold(strings.TrimSpace(r.Header.Get("Prefer")), "respond-async")
	return s.lifecycleOp(w, c, func(u *user, now time.Time, _ *[]Email) (any, error) {
		if u.status == StatusDeprovisioned {
			// Unconfirmed (USERS-API.md §5.2): chose 403 E0000038.
			return nil, apiError(http.StatusForbidden, codeStatusConflict)
		}
		if async || u.async {
			s.endAccess(u)
			s.startTransition(u, StatusDeprovisioned, now, nil)
			return emptyJSON{}, nil
		}
		s.deactivateLocked(u)
		return emptyJSON{}, nil
	})
}

// expirePassword handles POST …/lifecycle/expire_password?tempPassword=, the
// legacy form the portal's seed uses (USERS-API.md §4.11).
func (s *Server) expirePassword(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	temp, err := boolParam(r, "tempPassword", false)
	if err != nil {
		return err
	}
	if temp {
		// The request log names the legacy temp-password form like the current spec does.
		recordOf(r.Context()).op = "expirePasswordWithTempPassword"
	}
	return s.expire(w, c, temp, false)
}

// expirePasswordWithTempPassword handles POST
// …/lifecycle/expire_password_with_temp_password?revokeSessions=, the current
// spec's name for the temp-password form.
func (s *Server) expirePasswordWithTempPassword(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	revoke, err := boolParam(r, "revokeSessions", false)
	if err != nil {
		return err
	}
	return s.expire(w, c, true, revoke)
}

// expire expires the target's password; with temp it also replaces it with a
// temporary one and answers {"tempPassword"} instead of the User.
func (s *Server) expire(w http.ResponseWriter, c *apiCall, temp, revokeSessions bool) error {
	return s.lifecycleOp(w, c, func(u *user, now time.Time, _ *[]Email) (any, error) {
		// Unconfirmed (USERS-API.md §5.2): only ACTIVE is documented; chose to also
		// allow PASSWORD_EXPIRED, RECOVERY and LOCKED_OUT, and 403 E0000038 otherwise.
		switch u.status {
		case StatusActive, StatusPasswordExpired, StatusRecovery, StatusLockedOut:
		default:
			return nil, apiError(http.StatusForbidden, codeStatusConflict)
		}
		if !u.hasPassword {
			return nil, apiError(http.StatusForbidden, codeStatusConflict)
		}
		u.setStatus(StatusPasswordExpired, now)
		u.failedSign = 0
		if revokeSessions {
			s.st.endSessions(u.id, "")
		}
		if !temp {
			return s.userOut(u, true), nil
		}
		pw := s.tempPassword(u)
		u.setPassword(pw, now)
		return map[string]string{"tempPassword": pw}, nil
	})
}

// resetFactors handles POST …/lifecycle/reset_factors.
func (s *Server) resetFactors(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	return s.lifecycleOp(w, c, func(u *user, now time.Time, _ *[]Email) (any, error) {
		if u.status == StatusDeprovisioned {
			// Unconfirmed (USERS-API.md §5.2): chose 403 E0000038.
			return nil, apiError(http.StatusForbidden, codeStatusConflict)
		}
		u.factors = nil
		u.lastUpdated = now
		return nil, nil
	})
}

// resetPassword handles POST …/lifecycle/reset_password?sendEmail=&revokeSessions=&provider=.
// A FEDERATION or SOCIAL person is converted to an Okta password by the
// default call; ?provider=FEDERATION converts an Okta person the other way
// (providers.go).
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	// Unconfirmed (USERS-API.md §4.11): the current spec marks sendEmail
	// required; the emulator keeps the legacy default of true.
	sendEmail, err := boolParam(r, "sendEmail", true)
	if err != nil {
		return err
	}
	revoke, err := boolParam(r, "revokeSessions", false)
	if err != nil {
		return err
	}
	sendEmailGiven := r.URL.Query().Get("sendEmail") != ""
	toProvider := r.URL.Query().Get("provider")
	return s.lifecycleOp(w, c, func(u *user, now time.Time, pending *[]Email) (any, error) {
		switch u.status {
		case StatusActive, StatusPasswordExpired, StatusLockedOut, StatusRecovery, StatusProvisioned:
		default:
			// Unconfirmed (USERS-API.md §5.2): chose 403 E0000038; E0000017
			// "Password reset failed" is the other plausible code.
			return nil, apiError(http.StatusForbidden, codeStatusConflict)
		}
		converted, err := s.resetPasswordProvider(u, toProvider, sendEmailGiven, sendEmail, now)
		if err != nil {
			return nil, err
		}
		if converted {
			return emptyJSON{}, nil
		}
		u.setStatus(StatusRecovery, now)
		u.failedSign = 0
		if revoke {
			s.st.endSessions(u.id, "")
		}
		if !sendEmail {
			tok := s.newOneTimeToken(u, ottReset, now)
			return map[string]string{"resetPasswordUrl": s.ottURL(ottReset, tok)}, nil
		}
		*pending = append(*pending, s.issueEmail(u, ottReset, EmailResetPassword, now))
		return emptyJSON{}, nil
	})
}

// suspend handles POST …/lifecycle/suspend.
func (s *Server) suspend(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	return s.lifecycleOp(w, c, func(u *user, now time.Time, _ *[]Email) (any, error) {
		if u.status != StatusActive {
			return nil, validationError("suspendUser", "Cannot suspend a user that is not active")
		}
		u.setStatus(StatusSuspended, now)
		s.st.endSessions(u.id, "")
		s.st.revokeTokens(u.id)
		return emptyJSON{}, nil
	})
}

// unsuspend handles POST …/lifecycle/unsuspend.
func (s *Server) unsuspend(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	return s.lifecycleOp(w, c, func(u *user, now time.Time, _ *[]Email) (any, error) {
		if u.status != StatusSuspended {
			return nil, validationError("unsuspendUser", "Cannot unsuspend a user that is not suspended")
		}
		u.setStatus(StatusActive, now)
		return emptyJSON{}, nil
	})
}

// unlock handles POST …/lifecycle/unlock.
func (s *Server) unlock(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	return s.lifecycleOp(w, c, func(u *user, now time.Time, _ *[]Email) (any, error) {
		if directoryMastered(u.provider().Type) {
			// Okta: unlock "works with Okta-sourced users. It doesn't support
			// directory-sourced accounts such as Active Directory." The cause
			// text is the emulator's (Unconfirmed).
			return nil, apiError(http.StatusForbidden, codeUnlockNotAllowed, "This user's password is mastered by "+u.provider().Name+"; unlock them in the directory.")
		}
		if u.status != StatusLockedOut {
			return nil, apiError(http.StatusForbidden, codeUnlockNotAllowed, "The user is not locked out.")
		}
		u.setStatus(StatusActive, now)
		u.failedSign = 0
		u.lockedAt = time.Time{}
		return emptyJSON{}, nil
	})
}

// clearSessions handles DELETE /api/v1/users/{id}/sessions?oauthTokens=.
func (s *Server) clearSessions(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	oauth, err := boolParam(r, "oauthTokens", false)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	s.st.endSessions(u.id, "")
	if oauth {
		s.st.revokeTokens(u.id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
