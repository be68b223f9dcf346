package handlers

import (
	"context"
	"slices"
	"strings"

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
// _links — and when it does not, says why in plain words naming the person. Okta's answer to
// the action itself remains the last word.
func (act Action) Applies(ctx context.Context, u client.User) (bool, string) {
	name := userName(u)
	if u.Transitioning() {
		return false, transitioningText(ctx, u)
	}
	if !slices.Contains(act.Statuses, u.Status) {
		return false, act.notInStatus(ctx, u, name)
	}
	if ok, why := act.providerAllows(ctx, u, name); !ok {
		return false, why
	}
	if act.NeedsPassword && !u.Credentials.HasPassword {
		return false, name + " has no password yet, so there is none to expire."
	}
	if linksKnown(u) {
		if act.Link != "" && !u.HasLink(act.Link) {
			return false, act.notLinked(ctx, name)
		}
	} else if act.NeedsRecoveryQuestion && u.Credentials.RecoveryQuestion == "" {
		return false, name + " has no recovery question, so Okta cannot send a forgot-password email. Reset the password instead."
	}
	return true, ""
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
func (act Action) notLinked(ctx context.Context, name string) string {
	switch act.Key {
	case actionResetFactors:
		return name + " has no MFA factors enrolled, so there is nothing to reset."
	case actionForgotPassword:
		return "Okta does not offer " + name + " a forgot-password email now (the organisation's recovery rules do not allow it for this account). Reset the password instead."
	}
	return "Okta does not offer “" + act.Label(ctx) + "” for " + name + "'s account right now."
}

// providerAllows applies what Okta documents for people whose credentials are mastered
// elsewhere (docs/OKTA.md "Providers"): federated and social people have no Okta password or
// recovery question — a reset would silently convert them to an Okta password, so Gatehouse
// refuses and points to their identity provider; directory people are unlocked in the
// directory, which Okta's unlock does not support.
func (act Action) providerAllows(ctx context.Context, u client.User, name string) (bool, string) {
	p := u.Credentials.Provider
	switch {
	case p.Passwordless():
		idp := "their identity provider"
		if p.Name != "" && p.Name != string(p.Type) {
			idp = "their identity provider (" + p.Name + ")"
		}
		switch act.Key {
		case actionResetPassword, actionExpirePassword, actionForgotPassword:
			return false, name + " signs in through " + idp + " and has no Okta password: their password is changed there. " +
				"Resetting it in Okta would convert them to an Okta password and stop them signing in through " + idp + ", so Gatehouse does not offer it; an Okta administrator can convert the account in Okta if that is really intended."
		case actionRecoveryQuestion:
			return false, name + " signs in through " + idp + ", so Okta keeps no recovery question for them."
		}
	case p.Directory():
		if act.Key == actionUnlock {
			return false, name + "'s account comes from a directory: unlock it in the directory (" + directoryName(p) + "). Okta cannot unlock directory accounts."
		}
	}
	return true, ""
}

// directoryName names a directory provider for people: its instance name, else its kind.
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
func transitioningText(ctx context.Context, u client.User) string {
	name := userName(u)
	switch u.TransitioningToStatus {
	case client.StatusActive:
		return "Okta is still activating " + name + "'s account. Nothing else can be changed until it finishes; try again in a moment."
	case client.StatusDeprovisioned:
		return "Okta is still deactivating " + name + "'s account. Nothing else can be changed until it finishes; try again in a moment."
	}
	return "Okta is still changing " + name + "'s account status. Nothing else can be changed until it finishes; try again in a moment."
}

// notInStatus explains why the action does not apply in u's status.
func (act Action) notInStatus(ctx context.Context, u client.User, name string) string {
	st := u.Status
	switch act.Key {
	case actionUnlock:
		return name + " is not locked out, so there is nothing to unlock."
	case actionUnsuspend:
		return name + " is not suspended, so there is nothing to unsuspend."
	case actionSuspend:
		if st == client.StatusSuspended {
			return name + " is already suspended."
		}
	case actionDeactivate:
		return name + " is already deactivated."
	case actionActivate:
		switch st {
		case client.StatusActive:
			return name + " is already active."
		case client.StatusProvisioned:
			return name + " is already activated and has not finished setting up the account yet. Reset the password to send a new setup link."
		}
		return name + " is already activated. Only staged or deactivated accounts can be activated."
	case actionClearSessions:
		if st == client.StatusStaged || st == client.StatusProvisioned {
			return name + " has never signed in, so there are no sessions to end."
		}
	case actionForgotPassword:
		return name + "'s account is " + strings.ToLower(views.StatusLabel(string(st))) + ". Okta only sends forgot-password emails to active accounts."
	}
	return name + "'s account is " + strings.ToLower(views.StatusLabel(string(st))) + ". " + act.Label(ctx) + " is only possible when the account is " + statusList(act.Statuses) + "."
}

// statusList names statuses in words: "Active, Locked out or Password expired".
func statusList(ss []client.Status) string {
	labels := make([]string, len(ss))
	for i, s := range ss {
		labels[i] = strings.ToLower(views.StatusLabel(string(s)))
	}
	switch len(labels) {
	case 0:
		return ""
	case 1:
		return labels[0]
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " or " + labels[len(labels)-1]
}

// firstName is how sentences after the first refer to the person.
func firstName(u client.User) string {
	if u.Profile.FirstName != "" {
		return u.Profile.FirstName
	}
	return userName(u)
}

// Consequence says, naming the person, what the action will do to them.
func (act Action) Consequence(u client.User) string {
	first := firstName(u)
	switch act.Key {
	case actionActivate:
		if u.Credentials.HasPassword {
			return first + " already has a password, so the account should become active at once and they can sign in with it. Should Okta ask them to choose a new one instead, it emails them an activation link."
		}
		return first + " gets an activation link to choose a password and finish setting up the account. Okta can email it, or you can pass it on yourself."
	case actionDeactivate:
		return first + " loses access to Okta and every app assigned to them, and all their sessions end now. Apps may remove their accounts. The account can be activated again later, but app access may have to be set up again."
	case actionSuspend:
		return first + " will not be able to sign in until the account is unsuspended, and all their Okta and Gatehouse sessions end now. Their apps and groups are kept."
	case actionUnsuspend:
		return first + " will be able to sign in again with their existing password."
	case actionUnlock:
		return first + " will be able to sign in again with their existing password. If they have forgotten it, reset the password instead."
	case actionResetPassword:
		if p := u.Credentials.Provider; p.Directory() {
			return first + "'s password lives in the directory (" + directoryName(p) + "): Okta resets it there. Their current password stops working at once and their sessions end. They need the reset link to choose a new password; it works for one hour."
		}
		return first + "'s current password stops working at once and their sessions end. They need the reset link to choose a new password; it works for one hour."
	case actionExpirePassword:
		if p := u.Credentials.Provider; p.Directory() {
			return first + "'s password lives in the directory (" + directoryName(p) + "): it is expired there too. They will have to choose a new password the next time they sign in."
		}
		return first + " will have to choose a new password the next time they sign in. With a temporary password, their current one stops working and they sign in with the temporary one instead."
	case actionResetFactors:
		return "Every MFA factor " + first + " has enrolled (authenticator apps, phones, security keys) is removed and their sessions end. They will set up MFA again at their next sign-in."
	case actionClearSessions:
		return first + " is signed out of Okta and Gatehouse everywhere, and the tokens Okta issued to their apps are revoked. They can sign in again straight away."
	case actionForgotPassword:
		if u.Credentials.RecoveryQuestion == "" {
			return "Okta emails " + first + " a link to reset their password. Their current password keeps working until then."
		}
		return "Okta emails " + first + " a link to reset their password; they answer their recovery question first. Their current password keeps working until then."
	case actionRecoveryQuestion:
		return first + "'s recovery question and answer are replaced. Give them the new answer in a safe way, not by email."
	}
	return ""
}

// Question is the confirmation's heading: "Suspend Alice Anderson (alice@example.com)?".
func (act Action) Question(ctx context.Context, u client.User) string {
	who := userName(u) + " (" + u.Profile.Login + ")"
	switch act.Key {
	case actionResetPassword:
		return "Reset the password of " + who + "?"
	case actionExpirePassword:
		return "Expire the password of " + who + "?"
	case actionForgotPassword:
		return "Send " + who + " a forgot-password email?"
	case actionResetFactors:
		return "Reset the MFA factors of " + who + "?"
	case actionClearSessions:
		return "End every session of " + who + "?"
	case actionRecoveryQuestion:
		return "Set a recovery question for " + who + "?"
	}
	return act.Label(ctx) + " " + who + "?"
}

// Done is the success message after the action, naming the person.
func (act Action) Done(u client.User) string {
	name := userName(u)
	switch act.Key {
	case actionActivate:
		// In the words of the status Okta reports after the call: a person who kept their
		// password is active at once; one without waits for the activation link.
		switch {
		case activeNow(u):
			return name + "'s account is active again."
		case u.Status == client.StatusProvisioned || u.TransitioningToStatus == client.StatusProvisioned:
			return name + "'s account is activated and waits for them to choose a password with the activation link."
		}
		return name + "'s account is activated."
	case actionDeactivate:
		return name + "'s account is deactivated and their sessions have ended."
	case actionSuspend:
		return name + " is suspended and their sessions have ended."
	case actionUnsuspend:
		return name + " is unsuspended and can sign in again."
	case actionUnlock:
		return name + " is unlocked and can sign in again."
	case actionResetPassword:
		return name + "'s password is reset and their sessions have ended."
	case actionExpirePassword:
		return name + "'s password is expired; they choose a new one at their next sign-in."
	case actionResetFactors:
		return name + "'s MFA factors are reset and their sessions have ended."
	case actionClearSessions:
		return name + "'s sessions have ended everywhere."
	case actionForgotPassword:
		return "Okta has emailed " + name + " a link to reset their password."
	case actionRecoveryQuestion:
		return name + "'s recovery question is set."
	}
	return "Done."
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
		if ok, why := act.providerAllows(ctx, u, userName(u)); !ok && !slices.Contains(notes, why) {
			notes = append(notes, why)
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
