package handlers

import (
	"context"
	"slices"

	"gatehouse/client"
	"gatehouse/views"
)

// Action keys: the last segment of POST /admin/users/{id}/{action} and of the confirmation
// page /admin/users/{id}/confirm/{action}.
const (
	actionActivate         = "activate"
	actionDeactivate       = "deactivate"
	actionSuspend          = "suspend"
	actionUnsuspend        = "unsuspend"
	actionUnlock           = "unlock"
	actionResetPassword    = "reset-password"
	actionExpirePassword   = "expire-password"
	actionResetFactors     = "reset-factors"
	actionClearSessions    = "clear-sessions"
	actionForgotPassword   = "forgot-password"
	actionRecoveryQuestion = "recovery-question"
)

// Action describes one thing staff can do to an account: who may do it, in which Okta statuses
// it applies (USERS-API.md §5.2), and how careful the portal must be about it. Actions is the
// only place these rules are written; the person page, the confirmation, the POST handlers and
// bulk actions all read them from here, and a test holds the route table to them.
type Action struct {
	Key string
	// LabelID is the catalog message of the button, e.g. "Reset password" (Label).
	LabelID string
	// Helpdesk is true when the helpdesk role may do it too; admins may do everything
	// (DESIGN.md §3).
	Helpdesk bool
	// Statuses lists the statuses the action applies in.
	Statuses []client.Status
	// NeedsPassword and NeedsRecoveryQuestion add credential preconditions to Statuses.
	// NeedsRecoveryQuestion is the Classic org's rule, used only when Okta's links are not
	// there to say (a person read from a list): Identity Engine recovers by email.
	NeedsPassword         bool
	NeedsRecoveryQuestion bool
	// Link is the relation in Okta's _links on a user whose absence means the operation does
	// not apply now, even when the status would allow it: resetFactors ("present only if the
	// user is currently enrolled in one or more MFA factors", [SPEC] resetFactors), unlock
	// (absent for directory people, unlockUser) and forgotPassword (present where the org's
	// recovery rules allow it: a recovery question on Classic, email on Identity Engine). For
	// the other operations Okta's recorded links are incomplete (a STAGED person is offered
	// only "activate", yet may be deactivated), so the status table decides. A present link
	// is only a hint: Gatehouse's own rules and Okta's answer still decide.
	Link string
	// Destructive actions need a reason or ticket number and a confirmation naming the
	// consequence; their routes also need a recent sign-in (StepUp).
	Destructive bool
	StepUp      bool
	// NotOnSelf forbids the action on the viewer's own account.
	NotOnSelf bool
	// EndsSessions ends every Gatehouse session of the target after Okta succeeds.
	EndsSessions bool
	// Bulk actions are offered for several selected people at once.
	Bulk bool
}

func statusesExcept(except ...client.Status) []client.Status {
	var out []client.Status
	for _, s := range client.Statuses() {
		if !slices.Contains(except, s) {
			out = append(out, s)
		}
	}
	return out
}

// Actions returns the action table, in the order the person page lists the buttons.
func Actions() []Action {
	return []Action{
		{Key: actionUnlock, LabelID: "action.unlock.label", Helpdesk: true, Bulk: true, Link: "unlock",
			Statuses: []client.Status{client.StatusLockedOut}},
		{Key: actionResetPassword, LabelID: "action.reset_password.label", Helpdesk: true, Destructive: true, StepUp: true, NotOnSelf: true, EndsSessions: true, Bulk: true,
			Statuses: []client.Status{client.StatusActive, client.StatusPasswordExpired, client.StatusLockedOut, client.StatusRecovery, client.StatusProvisioned}},
		{Key: actionExpirePassword, LabelID: "action.expire_password.label", Helpdesk: true, Destructive: true, StepUp: true, NotOnSelf: true, NeedsPassword: true,
			Statuses: []client.Status{client.StatusActive, client.StatusPasswordExpired, client.StatusRecovery, client.StatusLockedOut}},
		{Key: actionForgotPassword, LabelID: "action.forgot_password.label", Helpdesk: true, NeedsRecoveryQuestion: true, Link: "forgotPassword",
			Statuses: []client.Status{client.StatusActive}},
		{Key: actionResetFactors, LabelID: "action.reset_factors.label", Helpdesk: true, Destructive: true, StepUp: true, NotOnSelf: true, EndsSessions: true,
			Link:     "resetFactors",
			Statuses: statusesExcept(client.StatusDeprovisioned)},
		{Key: actionClearSessions, LabelID: "action.clear_sessions.label", Helpdesk: true, Destructive: true, StepUp: true, NotOnSelf: true, EndsSessions: true, Bulk: true,
			Statuses: statusesExcept(client.StatusDeprovisioned, client.StatusStaged, client.StatusProvisioned)},
		// Setting someone's recovery question bypasses their password, so it is treated like a
		// password reset: reason, recent sign-in, never on one's own account.
		{Key: actionRecoveryQuestion, LabelID: "action.recovery_question.label", Destructive: true, StepUp: true, NotOnSelf: true,
			Statuses: statusesExcept(client.StatusDeprovisioned)},
		{Key: actionActivate, LabelID: "action.activate.label",
			Statuses: []client.Status{client.StatusStaged, client.StatusDeprovisioned}},
		{Key: actionUnsuspend, LabelID: "action.unsuspend.label", Bulk: true,
			Statuses: []client.Status{client.StatusSuspended}},
		{Key: actionSuspend, LabelID: "action.suspend.label", Destructive: true, StepUp: true, NotOnSelf: true, EndsSessions: true, Bulk: true,
			Statuses: []client.Status{client.StatusActive}},
		{Key: actionDeactivate, LabelID: "action.deactivate.label", Destructive: true, StepUp: true, NotOnSelf: true, EndsSessions: true,
			Statuses: statusesExcept(client.StatusDeprovisioned)},
	}
}

// Label is the action's name in the request's language, as its button says it.
func (act Action) Label(ctx context.Context) string { return tr(ctx, act.LabelID) }

// ActionByKey returns the action with that key.
func ActionByKey(key string) (Action, bool) {
	for _, a := range Actions() {
		if a.Key == key {
			return a, true
		}
	}
	return Action{}, false
}

// Roles returns the roles allowed to take the action.
func (act Action) Roles() []string {
	if act.Helpdesk {
		return []string{RoleAdmin, RoleHelpdesk}
	}
	return []string{RoleAdmin}
}

// AllowedFor reports whether the signed-in person's roles permit the action.
func (act Action) AllowedFor(v Viewer) bool {
	return slices.ContainsFunc(act.Roles(), v.HasRole)
}

// Applies reports whether the action makes sense for u now — by a transition in progress, by
// status, by where the person's credentials are mastered (credentials.provider) and by Okta's
// _links — and when it does not, says why in plain words naming the person, in the request's
// language. Okta's answer to the action itself remains the last word.
func (act Action) Applies(ctx context.Context, u client.User) (bool, string) {
	ok, why := act.applies(u)
	if ok {
		return true, ""
	}
	return false, why.text(ctx)
}

// applies is Applies with the reason as a message, for an Error (English in the log, the
// person's language on the page).
func (act Action) applies(u client.User) (bool, message) {
	name := userName(u)
	if u.Transitioning() {
		return false, transitioning(u)
	}
	if !slices.Contains(act.Statuses, u.Status) {
		return false, act.notInStatus(u, name)
	}
	if ok, why := act.providerAllows(u, name); !ok {
		return false, why
	}
	if act.NeedsPassword && !u.Credentials.HasPassword {
		return false, msg("lifecycle.no_password_to_expire", map[string]any{"Name": name})
	}
	if linksKnown(u) {
		if act.Link != "" && !u.HasLink(act.Link) {
			return false, act.notLinked(name)
		}
	} else if act.NeedsRecoveryQuestion && u.Credentials.RecoveryQuestion == "" {
		return false, msg("lifecycle.no_recovery_question", map[string]any{"Name": name})
	}
	return true, message{}
}

// linksKnown reports whether u carries Okta's lifecycle links: a single user read does, a user
// from a list carries only "self" (and so does one in the middle of a transition).
func linksKnown(u client.User) bool {
	for rel := range u.Links {
		if rel != "self" {
			return true
		}
	}
	return false
}

// notLinked explains an action Okta does not offer for the person now.
func (act Action) notLinked(name string) message {
	switch act.Key {
	case actionResetFactors:
		return msg("lifecycle.no_factors", map[string]any{"Name": name})
	case actionForgotPassword:
		return msg("lifecycle.forgot_not_offered", map[string]any{"Name": name})
	}
	return msg("lifecycle.not_offered", map[string]any{"Name": name, "Action": msg(act.LabelID, nil)})
}

// providerAllows applies what Okta documents for people whose credentials are mastered
// elsewhere (docs/OKTA.md "Providers"): federated and social people have no Okta password or
// recovery question — a reset would silently convert them to an Okta password, so Gatehouse
// refuses and points to their identity provider; directory people are unlocked in the
// directory, which Okta's unlock does not support.
func (act Action) providerAllows(u client.User, name string) (bool, message) {
	p := u.Credentials.Provider
	switch {
	case p.Passwordless():
		named := p.Name != "" && p.Name != string(p.Type)
		args := map[string]any{"Name": name, "IdP": p.Name}
		switch act.Key {
		case actionResetPassword, actionExpirePassword, actionForgotPassword:
			if named {
				return false, msg("lifecycle.idp_password_named", args)
			}
			return false, msg("lifecycle.idp_password", args)
		case actionRecoveryQuestion:
			if named {
				return false, msg("lifecycle.idp_recovery_named", args)
			}
			return false, msg("lifecycle.idp_recovery", args)
		}
	case p.Directory():
		if act.Key == actionUnlock {
			return false, msg("lifecycle.directory_unlock", map[string]any{"Name": name, "Directory": directoryName(p)})
		}
	}
	return true, message{}
}

// directoryName names a directory provider for people: its instance name, else its kind (a
// product's name, the same in every language).
func directoryName(p client.Provider) string {
	if p.Name != "" {
		return p.Name
	}
	if p.Type == client.ProviderLDAP {
		return "LDAP"
	}
	return "Active Directory"
}

// transitioningText says, in words, that Okta is still changing u's status.
func transitioningText(ctx context.Context, u client.User) string { return transitioning(u).text(ctx) }

func transitioning(u client.User) message {
	args := map[string]any{"Name": userName(u)}
	switch u.TransitioningToStatus {
	case client.StatusActive:
		return msg("lifecycle.activating", args)
	case client.StatusDeprovisioned:
		return msg("lifecycle.deactivating", args)
	}
	return msg("lifecycle.changing", args)
}

// statusPhrase is a status inside a sentence ("locked out"), in the sentence's language; a
// status Gatehouse does not know as Okta names it.
func statusPhrase(st client.Status) phrase {
	if id := views.StatusPhraseID(string(st)); id != "" {
		return msg(id, nil)
	}
	return verbatim(st)
}

// notInStatus explains why the action does not apply in u's status.
func (act Action) notInStatus(u client.User, name string) message {
	st := u.Status
	args := map[string]any{"Name": name}
	switch act.Key {
	case actionUnlock:
		return msg("lifecycle.not_locked_out", args)
	case actionUnsuspend:
		return msg("lifecycle.not_suspended", args)
	case actionSuspend:
		if st == client.StatusSuspended {
			return msg("lifecycle.already_suspended", args)
		}
	case actionDeactivate:
		return msg("lifecycle.already_deactivated", args)
	case actionActivate:
		switch st {
		case client.StatusActive:
			return msg("lifecycle.already_active", args)
		case client.StatusProvisioned:
			return msg("lifecycle.activated_not_set_up", args)
		}
		return msg("lifecycle.already_activated", args)
	case actionClearSessions:
		if st == client.StatusStaged || st == client.StatusProvisioned {
			return msg("lifecycle.never_signed_in", args)
		}
	case actionForgotPassword:
		args["Status"] = statusPhrase(st)
		return msg("lifecycle.forgot_not_active", args)
	}
	statuses := make(orList, len(act.Statuses))
	for i, s := range act.Statuses {
		statuses[i] = statusPhrase(s)
	}
	args["Status"], args["Action"], args["Statuses"] = statusPhrase(st), msg(act.LabelID, nil), statuses
	return msg("lifecycle.not_in_status", args)
}

// firstName is how sentences after the first refer to the person.
func firstName(u client.User) string {
	if u.Profile.FirstName != "" {
		return u.Profile.FirstName
	}
	return userName(u)
}

// Consequence says, naming the person, what the action will do to them.
func (act Action) Consequence(ctx context.Context, u client.User) string {
	args := map[string]any{"Name": firstName(u)}
	var id string
	switch act.Key {
	case actionActivate:
		id = "action.activate.consequence"
		if u.Credentials.HasPassword {
			id = "action.activate.consequence_password"
		}
	case actionDeactivate:
		id = "action.deactivate.consequence"
	case actionSuspend:
		id = "action.suspend.consequence"
	case actionUnsuspend:
		id = "action.unsuspend.consequence"
	case actionUnlock:
		id = "action.unlock.consequence"
	case actionResetPassword:
		id = "action.reset_password.consequence"
		if p := u.Credentials.Provider; p.Directory() {
			id, args["Directory"] = "action.reset_password.consequence_directory", directoryName(p)
		}
	case actionExpirePassword:
		id = "action.expire_password.consequence"
		if p := u.Credentials.Provider; p.Directory() {
			id, args["Directory"] = "action.expire_password.consequence_directory", directoryName(p)
		}
	case actionResetFactors:
		id = "action.reset_factors.consequence"
	case actionClearSessions:
		id = "action.clear_sessions.consequence"
	case actionForgotPassword:
		id = "action.forgot_password.consequence_question"
		if u.Credentials.RecoveryQuestion == "" {
			id = "action.forgot_password.consequence"
		}
	case actionRecoveryQuestion:
		id = "action.recovery_question.consequence"
	default:
		return ""
	}
	return trf(ctx, id, args)
}

// Question is the confirmation's heading: "Suspend Alice Anderson (alice@example.com)?".
func (act Action) Question(ctx context.Context, u client.User) string {
	args := map[string]any{"Name": userName(u), "Login": u.Profile.Login}
	var id string
	switch act.Key {
	case actionActivate:
		id = "action.activate.question"
	case actionDeactivate:
		id = "action.deactivate.question"
	case actionSuspend:
		id = "action.suspend.question"
	case actionUnsuspend:
		id = "action.unsuspend.question"
	case actionUnlock:
		id = "action.unlock.question"
	case actionResetPassword:
		id = "action.reset_password.question"
	case actionExpirePassword:
		id = "action.expire_password.question"
	case actionForgotPassword:
		id = "action.forgot_password.question"
	case actionResetFactors:
		id = "action.reset_factors.question"
	case actionClearSessions:
		id = "action.clear_sessions.question"
	case actionRecoveryQuestion:
		id = "action.recovery_question.question"
	default:
		return act.Label(ctx)
	}
	return trf(ctx, id, args)
}

// Done is the success message after the action, naming the person, in the request's language.
func (act Action) Done(ctx context.Context, u client.User) string {
	args := map[string]any{"Name": userName(u)}
	var id string
	switch act.Key {
	case actionActivate:
		// In the words of the status Okta reports after the call: a person who kept their
		// password is active at once; one without waits for the activation link.
		switch {
		case activeNow(u):
			id = "action.activate.done_active"
		case u.Status == client.StatusProvisioned || u.TransitioningToStatus == client.StatusProvisioned:
			id = "action.activate.done_pending"
		default:
			id = "action.activate.done"
		}
	case actionDeactivate:
		id = "action.deactivate.done"
	case actionSuspend:
		id = "action.suspend.done"
	case actionUnsuspend:
		id = "action.unsuspend.done"
	case actionUnlock:
		id = "action.unlock.done"
	case actionResetPassword:
		id = "action.reset_password.done"
	case actionExpirePassword:
		id = "action.expire_password.done"
	case actionResetFactors:
		id = "action.reset_factors.done"
	case actionClearSessions:
		id = "action.clear_sessions.done"
	case actionForgotPassword:
		id = "action.forgot_password.done"
	case actionRecoveryQuestion:
		id = "action.recovery_question.done"
	default:
		id = "lifecycle.done"
	}
	return trf(ctx, id, args)
}

// allowedActions lists the actions v may take on u now: by status and credentials, by role,
// and never a forbidden one on v's own account.
func allowedActions(ctx context.Context, v Viewer, u client.User) []Action {
	var out []Action
	for _, act := range Actions() {
		if !act.AllowedFor(v) {
			continue
		}
		if act.NotOnSelf && v.UserID == u.ID {
			continue
		}
		if ok, _ := act.Applies(ctx, u); ok {
			out = append(out, act)
		}
	}
	return out
}

// elsewhereNotes explains the actions v could take on u by status that must happen elsewhere:
// at the identity provider or in the directory (credentials.provider), or once Okta has
// finished an asynchronous status change. Each explanation once.
func elsewhereNotes(ctx context.Context, v Viewer, u client.User) []string {
	if u.Transitioning() {
		return []string{transitioningText(ctx, u)}
	}
	var notes []string
	for _, act := range Actions() {
		if !act.AllowedFor(v) || !slices.Contains(act.Statuses, u.Status) {
			continue
		}
		if ok, why := act.providerAllows(u, userName(u)); ok {
			continue
		} else if text := why.text(ctx); !slices.Contains(notes, text) {
			notes = append(notes, text)
		}
	}
	return notes
}

// roleUsed is the role an action was taken under, for the audit trail.
func roleUsed(v Viewer) string {
	if v.HasRole(RoleAdmin) {
		return RoleAdmin
	}
	return RoleHelpdesk
}
