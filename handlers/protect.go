package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"gatehouse/client"
)

// GroupSet names Okta groups by id or by name. Names are what people type; ids are what
// cannot be imitated: anyone able to create a group of the same name (a directory import,
// an app's push) would otherwise inherit what the name stands for.
type GroupSet struct {
	IDs   []string
	Names []string
}

// ParseGroupRefs sorts configuration entries into ids (anything shaped like an Okta group id,
// groupIDPattern) and names.
func ParseGroupRefs(entries []string) GroupSet {
	var s GroupSet
	for _, e := range entries {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if groupIDPattern.MatchString(e) {
			s.IDs = append(s.IDs, e)
		} else {
			s.Names = append(s.Names, e)
		}
	}
	return s
}

// Empty reports whether the set names no group.
func (s GroupSet) Empty() bool { return len(s.IDs) == 0 && len(s.Names) == 0 }

// Grants reports whether membership of g confers what the set stands for (a role, a scope):
// g is named by id, or by name but only as an OKTA_GROUP. An APP_GROUP (imported from a
// directory or an app) or a BUILT_IN group never grants anything by its name (SECURITY.md 50).
func (s GroupSet) Grants(g client.Group) bool {
	if slices.Contains(s.IDs, g.ID) {
		return true
	}
	return g.Type == "OKTA_GROUP" && slices.ContainsFunc(s.Names, func(n string) bool { return strings.EqualFold(n, g.Profile.Name) })
}

// Mentions reports whether g is in the set by id, or by name whatever its type: for sets that
// restrict (protected groups), where matching more is the safe side.
func (s GroupSet) Mentions(g client.Group) bool {
	return slices.Contains(s.IDs, g.ID) || slices.ContainsFunc(s.Names, func(n string) bool { return strings.EqualFold(n, g.Profile.Name) })
}

// RoleGroups says which Okta groups make someone a Gatehouse admin or helpdesk member.
type RoleGroups struct {
	Admin, Helpdesk GroupSet
}

// Roles maps a person's Okta groups to their Gatehouse roles.
func (rg RoleGroups) Roles(groups []client.Group) []string {
	var roles []string
	for _, g := range groups {
		if rg.Admin.Grants(g) && !slices.Contains(roles, RoleAdmin) {
			roles = append(roles, RoleAdmin)
		}
		if rg.Helpdesk.Grants(g) && !slices.Contains(roles, RoleHelpdesk) {
			roles = append(roles, RoleHelpdesk)
		}
	}
	return roles
}

// CredentialOwner names the Okta user the service credential acts as. An SSWS API token has
// one (the administrator who created it); an OAuth service app has none, and says so with
// ok false.
type CredentialOwner interface {
	OwnerID(ctx context.Context) (id string, ok bool, err error)
}

// TokenOwner learns the API token's owner from Okta once, lazily (with an SSWS token, GET
// /api/v1/users/me answers the token's owner: USERS-API.md §4.3), and keeps it: the owner of
// a token never changes. A failed lookup is not kept, so the next check asks again.
type TokenOwner struct {
	okta CurrentUser
	mu   sync.Mutex
	id   string
}

// NewTokenOwner returns the owner lookup for the SSWS client okta.
func NewTokenOwner(okta CurrentUser) *TokenOwner { return &TokenOwner{okta: okta} }

// OwnerID implements CredentialOwner.
func (o *TokenOwner) OwnerID(ctx context.Context) (string, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.id != "" {
		return o.id, true, nil
	}
	u, err := o.okta.GetCurrentUser(ctx)
	if err != nil {
		return "", false, fmt.Errorf("learn the API token's owner: %w", err)
	}
	o.id = u.ID
	return o.id, true, nil
}

// NoOwner is the CredentialOwner of a credential that acts as no user.
type NoOwner struct{}

// OwnerID implements CredentialOwner.
func (NoOwner) OwnerID(context.Context) (string, bool, error) { return "", false, nil }

// ProtectionOptions configures Protection.
type ProtectionOptions struct {
	// Roles are the Gatehouse role groups: holders of a Gatehouse role are protected.
	Roles RoleGroups
	// Protected groups' members are changed by administrators only (GATEHOUSE_PROTECTED_GROUPS).
	Protected GroupSet
	// Scope, when not empty, limits the helpdesk to members of these groups, as Okta's Help
	// Desk Administrator is limited to its target groups (GATEHOUSE_HELPDESK_SCOPE_GROUPS).
	Scope GroupSet
	// Owner names the service credential's owner; nil refuses every helpdesk action (the
	// owner cannot be ruled out).
	Owner CredentialOwner
}

// Protection decides whether a viewer may act on a person (DESIGN.md §3, SECURITY.md 49-50).
// Its MayAct is the one place that decides it: single actions, confirmation pages, bulk
// preview and run (row by row) and the person page all ask it.
type Protection struct {
	okta RoleDirectory
	opts ProtectionOptions
}

// NewProtection returns the protected-account rule over okta.
func NewProtection(okta RoleDirectory, opts ProtectionOptions) *Protection {
	return &Protection{okta: okta, opts: opts}
}

// Verdict is MayAct's answer. When the viewer may not act, Reason says why in plain words
// naming the person, in the request's language; Err is set when Okta could not tell, in which
// case the answer is no.
type Verdict struct {
	Allowed bool
	Reason  string
	// why is Reason as a catalog message, for the error (English in the log).
	why message
	Err error
	// Detail is a few fixed words for the audit trail ("okta admin", "outside scope"…).
	Detail string
}

func allowed() Verdict { return Verdict{Allowed: true} }

func refused(ctx context.Context, detail string, why message) Verdict {
	return Verdict{Detail: detail, Reason: why.text(ctx), why: why}
}

// unknown fails closed: not knowing whether someone is privileged means not acting on them.
func unknown(ctx context.Context, name string, err error) Verdict {
	vd := refused(ctx, "protection unknown", msg("protect.unknown", map[string]any{"Name": name}))
	vd.Err = err
	return vd
}

// AsError turns a refusal into the error a handler returns: 403 for a protected account or
// one outside the helpdesk's scope; for an unknown answer, what Okta's failure means (busy,
// down, slow) or 502 when Okta refused to tell Gatehouse.
func (vd Verdict) AsError() error {
	switch {
	case vd.Allowed:
		return nil
	case vd.Err == nil:
		return vd.why.errorOf(http.StatusForbidden, "error.not_allowed.title")
	case errors.Is(vd.Err, client.ErrForbidden), errors.Is(vd.Err, client.ErrUnauthorized):
		e := msg("protect.roles_unreadable", map[string]any{"Reason": vd.why}).errorOf(http.StatusBadGateway, "confirm.okta_refused_title")
		e.Err = vd.Err
		return e
	}
	he := Classify(vd.Err)
	e := vd.why.errorOf(he.Status, "protect.unknown_title")
	e.Err, e.RetryAfter = vd.Err, he.RetryAfter
	return e
}

// MayAct decides whether v may act on u. An administrator may act on anyone (the own-account
// rules of the action table still apply). Anyone else may act only on a person who holds no
// Okta administrator role (assigned to them or to one of their groups), no Gatehouse role,
// is not the service credential's owner, is in no protected group and, when a helpdesk scope
// is set, is in one of its groups. A person's own account is left to the action table.
func (p *Protection) MayAct(ctx context.Context, v Viewer, u client.User) Verdict {
	return p.mayAct(ctx, v, u, nil)
}

// mayAct is MayAct with the person's groups, when the caller already loaded them (the person
// page does), so they are read from Okta once.
func (p *Protection) mayAct(ctx context.Context, v Viewer, u client.User, groups []client.Group) Verdict {
	if v.UserID == "" {
		return refused(ctx, "no viewer", msg("protect.sign_in_first", nil))
	}
	if v.HasRole(RoleAdmin) || u.ID == v.UserID {
		return allowed()
	}
	name := userName(u)
	if p == nil || p.opts.Owner == nil {
		return unknown(ctx, name, errors.New("protected-account check not configured"))
	}
	owner, hasOwner, err := p.opts.Owner.OwnerID(ctx)
	if err != nil {
		return unknown(ctx, name, err)
	}
	args := map[string]any{"Name": name}
	if hasOwner && owner == u.ID {
		return refused(ctx, "api token owner", msg("protect.token_owner", args))
	}
	var (
		wg               sync.WaitGroup
		roles            []client.Role
		rolesErr, grpErr error
	)
	wg.Go(func() { roles, rolesErr = p.okta.ListUserRoles(ctx, u.ID) })
	if groups == nil {
		wg.Go(func() { groups, grpErr = p.okta.ListUserGroups(ctx, u.ID) })
	}
	wg.Wait()
	if rolesErr != nil {
		return unknown(ctx, name, fmt.Errorf("list admin roles of %s: %w", u.ID, rolesErr))
	}
	if grpErr != nil {
		return unknown(ctx, name, fmt.Errorf("list groups of %s: %w", u.ID, grpErr))
	}
	if len(roles) > 0 {
		label := roles[0].Label
		if label == "" {
			label = roles[0].Type
		}
		args["Role"] = label // Okta's name for the role, as Okta gives it
		return refused(ctx, "okta admin", msg("protect.okta_admin", args))
	}
	if len(p.opts.Roles.Roles(groups)) > 0 {
		return refused(ctx, "gatehouse role", msg("protect.gatehouse_role", args))
	}
	for _, g := range groups {
		if p.opts.Protected.Mentions(g) {
			args["Group"] = g.Profile.Name
			return refused(ctx, "protected group", msg("protect.protected_group", args))
		}
	}
	if !p.inScope(groups) {
		return refused(ctx, "outside scope", msg("protect.outside_scope", args))
	}
	return allowed()
}

// Scoped reports whether the helpdesk scope applies to v: set, and v no administrator.
func (p *Protection) Scoped(v Viewer) bool {
	return p != nil && !p.opts.Scope.Empty() && !v.HasRole(RoleAdmin)
}

// inScope reports whether a person in groups is within the helpdesk scope (always, when no
// scope is set). Scope groups grant power over their members, so a name matches only an
// OKTA_GROUP, like a role group.
func (p *Protection) inScope(groups []client.Group) bool {
	if p.opts.Scope.Empty() {
		return true
	}
	return slices.ContainsFunc(groups, p.opts.Scope.Grants)
}

// InScope reports whether v may act on the person userID as far as the helpdesk scope goes:
// the search results use it to offer no action outside the scope, without the rest of the
// check. An error means Okta could not tell.
func (p *Protection) InScope(ctx context.Context, v Viewer, userID string) (bool, error) {
	if !p.Scoped(v) || userID == v.UserID {
		return true, nil
	}
	groups, err := p.okta.ListUserGroups(ctx, userID)
	if err != nil {
		return false, err
	}
	return p.inScope(groups), nil
}
