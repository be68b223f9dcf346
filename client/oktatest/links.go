package oktatest

import "time"

// actionLinks lists the _links relations of a single user, as Okta gives them
// (docs/OKTA.md "_links"): by status, by credentials (a password, a recovery
// question, enrolled factors) and by provider. They are hints, as Okta says:
// where Okta's own recorded or published examples advertise an operation that
// its rules then refuse, the emulator advertises it too —
//
//   - PASSWORD_EXPIRED offers forgotPassword and changeRecoveryQuestion (the
//     expirePassword response example of Okta's spec), though forgot_password
//     needs ACTIVE and change_recovery_question refuses PASSWORD_EXPIRED;
//   - a FEDERATION or SOCIAL user is offered resetPassword (which converts them
//     to an Okta password) and changeRecoveryQuestion (refused: they have no
//     password), as Okta's "Create User with Authentication Provider" example
//     shows.
//
// While a transition runs, only "self" is offered: every change answers 409.
// s.mu must be held.
func (s *Server) actionLinks(u *user, now time.Time) []string {
	if s.transitioning(u, now) {
		return nil
	}
	var rels []string
	add := func(ok bool, rel ...string) {
		if ok {
			rels = append(rels, rel...)
		}
	}
	prov := u.provider().Type
	pw := u.hasPassword
	fed := passwordless(prov)
	forgot := pw && s.forgotPasswordAllowed(u) == nil
	switch u.status {
	case StatusStaged, StatusDeprovisioned:
		add(true, "activate")
	case StatusProvisioned:
		add(true, "reactivate", "resetPassword", "deactivate")
	case StatusActive:
		add(true, "suspend", "resetPassword", "deactivate")
		add(pw, "expirePassword", "changePassword", "changeRecoveryQuestion")
		add(fed, "changeRecoveryQuestion")
		add(forgot, "forgotPassword")
	case StatusPasswordExpired:
		add(true, "resetPassword", "expirePassword", "forgotPassword", "changeRecoveryQuestion", "changePassword", "deactivate")
	case StatusRecovery:
		add(true, "resetPassword", "deactivate")
		add(pw, "expirePassword", "changePassword", "changeRecoveryQuestion")
	case StatusLockedOut:
		// Unlock is for Okta-sourced people only (unlockUser in Okta's spec).
		add(!directoryMastered(prov), "unlock")
		add(true, "resetPassword", "deactivate")
		add(pw, "expirePassword")
	case StatusSuspended:
		add(true, "unsuspend", "deactivate")
	}
	add(u.hasFactors() && u.status != StatusDeprovisioned, "resetFactors")
	return rels
}
