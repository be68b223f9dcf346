package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gatehouse/client"
	"gatehouse/views"
)

// Group membership on the person page (issue 19; docs/OKTA.md "Group membership"). Admins
// only: a group can carry a Gatehouse role (admin, helpdesk), an app or an Okta admin role, so
// changing membership is the admin's. Okta changes members of OKTA_GROUPs only; Gatehouse
// offers those and shows the others with the reason, and still explains Okta's refusal
// (ErrMembershipRefused) when a forged request asks anyway.

// groupTypeLabel names a group's type for people.
func groupTypeLabel(ctx context.Context, t string) string {
	switch t {
	case "OKTA_GROUP":
		return tr(ctx, "groups.type.okta")
	case "APP_GROUP":
		return tr(ctx, "groups.type.app")
	case "BUILT_IN":
		return tr(ctx, "groups.type.built_in")
	}
	return t
}

// groupFixed says why a group's membership cannot be changed here ("" when it can).
func groupFixed(ctx context.Context, g client.Group) string {
	if why, fixed := groupFixedMsg(g); fixed {
		return why.text(ctx)
	}
	return ""
}

func groupFixedMsg(g client.Group) (message, bool) {
	switch g.Type {
	case "OKTA_GROUP":
		return message{}, false
	case "APP_GROUP":
		return msg("groups.fixed.app", nil), true
	case "BUILT_IN":
		return msg("groups.fixed.built_in", nil), true
	}
	return msg("groups.fixed.unknown", nil), true
}

// roleName is a Gatehouse role in words.
func roleName(ctx context.Context, role string) string {
	switch role {
	case RoleAdmin:
		return tr(ctx, "groups.role.admin")
	case RoleHelpdesk:
		return tr(ctx, "groups.role.helpdesk")
	}
	return role
}

// roleOf names the Gatehouse role membership of g grants ("" for none).
func (a *Admin) roleOf(g client.Group) string {
	switch {
	case a.opts.Roles.Admin.Grants(g):
		return RoleAdmin
	case a.opts.Roles.Helpdesk.Grants(g):
		return RoleHelpdesk
	}
	return ""
}

// roleNote says when a role change through a group takes effect: Gatehouse re-reads a
// signed-in person's roles from their Okta groups on privileged routes once the roles it
// holds are older than RoleTTL, and at every sign-in.
func (a *Admin) roleNote(ctx context.Context, name, role string, added bool) string {
	id := "groups.role_lose"
	if added {
		id = "groups.role_gain"
	}
	return trf(ctx, id, map[string]any{"Name": name, "Role": roleName(ctx, role), "Within": shortTTL(ctx, a.opts.RoleTTL)})
}

func shortTTL(ctx context.Context, d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return trn(ctx, "groups.minutes", int(d/time.Minute))
	}
	return d.String()
}

// membershipView builds the person page's groups section.
func (a *Admin) membershipView(ctx context.Context, v Viewer, u client.User, groups []client.Group, gErr error, mayAct Verdict) views.PersonGroupsView {
	mv := views.PersonGroupsView{PersonID: u.ID, Name: userName(u)}
	if gErr != nil {
		mv.Err = sectionFailure(ctx, "person.groups_error", gErr)
		return mv
	}
	switch {
	case !v.HasRole(RoleAdmin):
		mv.Note = tr(ctx, "groups.needs_admin_note")
	case !mayAct.Allowed:
		mv.Note = mayAct.Reason
	default:
		mv.CanManage = true
	}
	for _, it := range groupItems(groups) { // sorted as everywhere: Everyone first, then by name
		g := findGroup(groups, it)
		role := a.roleOf(g)
		pg := views.PersonGroup{ID: g.ID, Name: g.Profile.Name, Description: g.Profile.Description, Type: g.Type,
			TypeLabel: groupTypeLabel(ctx, g.Type), Role: roleName(ctx, role), Fixed: groupFixed(ctx, g)}
		if mv.CanManage && pg.Fixed == "" && !(u.ID == v.UserID && role != "") {
			pg.RemoveURL = views.GroupRemoveURL(u.ID, g.ID)
		} else if mv.CanManage && pg.Fixed == "" {
			pg.Fixed = tr(ctx, "groups.fixed.own_role")
		}
		mv.Groups = append(mv.Groups, pg)
	}
	return mv
}

func findGroup(groups []client.Group, it views.GroupItem) client.Group {
	for _, g := range groups {
		if g.Profile.Name == it.Name && g.Type == it.Type && g.Profile.Description == it.Description {
			return g
		}
	}
	return client.Group{}
}

// groupRequest is a checked membership change: an admin who may act on the person.
type groupRequest struct {
	viewer Viewer
	person client.User
	groups []client.Group // the person's groups, as Okta has them now
}

// readGroupRequest checks the viewer, the person and the protected-account rule.
func (a *Admin) readGroupRequest(r *http.Request, action string) (groupRequest, error) {
	v, err := staff(r)
	if err != nil {
		return groupRequest{}, err
	}
	if !v.HasRole(RoleAdmin) {
		return groupRequest{}, Forbidden("groups.needs_admin")
	}
	id, err := personID(r)
	if err != nil {
		return groupRequest{}, err
	}
	ctx := r.Context()
	ScopeFrom(ctx).Note("target", id)
	u, err := a.getPerson(ctx, id)
	if err != nil {
		return groupRequest{}, err
	}
	groups, err := a.okta.ListUserGroups(ctx, id)
	if err != nil {
		return groupRequest{}, Classify(err)
	}
	if action != "" {
		if vd := a.opts.Protect.mayAct(ctx, v, u, groups); !vd.Allowed {
			a.denied(ctx, v, u, action, "", vd.Detail)
			return groupRequest{}, vd.AsError()
		}
	}
	return groupRequest{viewer: v, person: u, groups: groups}, nil
}

// PersonGroupSearch handles GET /admin/users/{id}/groups/search?q=: the Okta groups whose
// name starts with q that the person is not in (the live search, htmx), or a page with them.
func (a *Admin) PersonGroupSearch(w http.ResponseWriter, r *http.Request) error {
	req, err := a.readGroupRequest(r, "")
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if validText(q, 0, 100) != nil {
		return badRequest(msgSearchTooLong)
	}
	ctx := r.Context()
	sv := views.PersonGroupSearchView{PersonID: req.person.ID, Query: q}
	if q != "" {
		sv.Searched = true
		var chosen []views.GroupChoice
		for _, g := range req.groups {
			chosen = append(chosen, views.GroupChoice{ID: g.ID})
		}
		pv := a.pickGroups(ctx, q, chosen)
		sv.Found, sv.Err = pv.Found, pv.Err
	}
	if IsHTMX(r) {
		return Render(w, r, http.StatusOK, views.PersonGroupResults(sv))
	}
	name := userName(req.person)
	return Render(w, r, http.StatusOK, views.PersonGroupSearchPage(PageFor(r, trf(ctx, "groups.add_title", map[string]any{"Name": name}), views.NavAdmin), adminNav(req.viewer, views.AdminPeople), name, sv))
}

// AddToGroup handles POST /admin/users/{id}/groups (group_id): PUT
// /api/v1/groups/{groupId}/users/{userId}, audited, then back to the person's page.
func (a *Admin) AddToGroup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	gid := r.PostFormValue("group_id")
	if !groupIDPattern.MatchString(gid) {
		return badRequest("groups.choose_from_results")
	}
	ctx := r.Context()
	ScopeFrom(ctx).Note("admin_action", auditAddToGroup)
	req, err := a.readGroupRequest(r, auditAddToGroup)
	if err != nil {
		return err
	}
	v, u := req.viewer, req.person
	page, err := a.okta.ListGroups(ctx, client.ListGroupsParams{Filter: `id eq ` + client.QuoteSearchValue(gid), Limit: 1})
	if err != nil {
		return Classify(err)
	}
	if len(page.Groups) != 1 {
		return NotFound("groups.no_such_group")
	}
	g := page.Groups[0]
	for _, mine := range req.groups {
		if mine.ID == gid {
			return msg("groups.already_in", map[string]any{"Name": userName(u), "Group": g.Profile.Name}).conflictError()
		}
	}
	detail := groupDetail(g)
	if err := a.okta.AddUserToGroup(ctx, gid, u.ID); err != nil {
		a.failed(ctx, v, u, auditAddToGroup, "", withCode(err, detail), err)
		return membershipFailure(u, g, err, true)
	}
	return a.membershipChanged(w, r, v, u, g, auditAddToGroup, flashRoleAdded, detail)
}

// membershipChanged finishes an addition or removal Okta has made: the audit record, the
// person's cached data dropped, and their page with a one-time message, which names the role
// when the group grants one (roleFlash + role).
func (a *Admin) membershipChanged(w http.ResponseWriter, r *http.Request, v Viewer, u client.User, g client.Group, action, roleFlash, detail string) error {
	ctx := r.Context()
	recErr := a.succeeded(ctx, v, u, action, "", detail, client.Receipt{})
	a.cache.Invalidate(u.ID)
	flash := action
	if role := a.roleOf(g); role != "" {
		flash = roleFlash + role
	}
	setFlash(ctx, a.sessions, w, doneFlashOf(flash, u.ID, recErr))
	redirect(w, r, views.PersonURL(u.ID))
	return nil
}

// Done flashes of a role group's membership change (+ the role): the page says when it takes
// effect.
const (
	flashRoleAdded   = "role-group-added-"
	flashRoleRemoved = "role-group-removed-"
)

// groupDetail is the audit detail naming a group: its name, id and type (fixed words and
// Okta's own values; no secret).
func groupDetail(g client.Group) string {
	return fmt.Sprintf("group %q (%s, %s)", g.Profile.Name, g.ID, g.Type)
}

// membershipFailure explains Okta's refusal of a membership change in words.
func membershipFailure(u client.User, g client.Group, err error, adding bool) error {
	if errors.Is(err, client.ErrMembershipRefused) {
		why, fixed := groupFixedMsg(g)
		if !fixed {
			why = msg("groups.fixed.credential", nil)
		}
		id := "groups.refused_remove"
		if adding {
			id = "groups.refused_add"
		}
		e := msg(id, map[string]any{"Name": userName(u), "Group": g.Profile.Name, "Reason": why}).errorOf(http.StatusForbidden, "groups.refused_title")
		e.Err = err
		return e
	}
	return Classify(err)
}

// personGroup finds the group gid among the person's groups.
func (req groupRequest) personGroup(gid string) (client.Group, bool) {
	for _, g := range req.groups {
		if g.ID == gid {
			return g, true
		}
	}
	return client.Group{}, false
}

// groupFromPath reads {group} and finds it among the person's groups.
func (req groupRequest) groupFromPath(r *http.Request) (client.Group, error) {
	gid := r.PathValue("group")
	if !groupIDPattern.MatchString(gid) {
		return client.Group{}, NotFound("groups.no_such_address")
	}
	g, ok := req.personGroup(gid)
	if !ok {
		return client.Group{}, msg("groups.not_in_group", map[string]any{"Name": userName(req.person)}).errorOf(http.StatusNotFound, "error.not_found.title")
	}
	return g, nil
}

// ownRoleGroup refuses an admin removing their own role group: it could lock them out.
func (a *Admin) ownRoleGroup(req groupRequest, g client.Group) error {
	if req.person.ID == req.viewer.UserID && a.roleOf(g) != "" {
		return msg("groups.own_role_group", nil).errorOf(http.StatusBadRequest, titleOwnAccount)
	}
	return nil
}

// ConfirmGroupRemoval handles GET /admin/users/{id}/groups/{group}/remove: what removing the
// person from the group means, and the button.
func (a *Admin) ConfirmGroupRemoval(w http.ResponseWriter, r *http.Request) error {
	req, err := a.readGroupRequest(r, "")
	if err != nil {
		return err
	}
	g, err := req.groupFromPath(r)
	if err != nil {
		return err
	}
	if err := a.ownRoleGroup(req, g); err != nil {
		return err
	}
	if vd := a.opts.Protect.mayAct(r.Context(), req.viewer, req.person, req.groups); !vd.Allowed {
		return vd.AsError()
	}
	ctx := r.Context()
	name := userName(req.person)
	view := views.GroupConfirmView{Nav: adminNav(req.viewer, views.AdminPeople), PersonID: req.person.ID, Name: name, GroupID: g.ID, GroupName: g.Profile.Name}
	if role := a.roleOf(g); role != "" {
		view.Role, view.RoleNote = roleName(ctx, role), a.roleNote(ctx, name, role, false)
	}
	if fixed := groupFixed(ctx, g); fixed != "" {
		view.Alert = &views.Alert{Kind: "warning", Title: tr(ctx, "groups.will_refuse"), Text: fixed}
	}
	return Render(w, r, http.StatusOK, views.GroupRemovePage(PageFor(r, trf(ctx, "groups.remove_question", map[string]any{"Name": name, "Group": g.Profile.Name}), views.NavAdmin), view))
}

// RemoveFromGroup handles POST /admin/users/{id}/groups/{group}/remove: DELETE
// /api/v1/groups/{groupId}/users/{userId}, audited. An app group's removal goes to Okta too
// (Gatehouse follows Okta's answer) and its refusal is explained.
func (a *Admin) RemoveFromGroup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return badRequest(msgConfirmFirst)
	}
	ctx := r.Context()
	ScopeFrom(ctx).Note("admin_action", auditRemoveFromGroup)
	req, err := a.readGroupRequest(r, auditRemoveFromGroup)
	if err != nil {
		return err
	}
	g, err := req.groupFromPath(r)
	if err != nil {
		return err
	}
	if err := a.ownRoleGroup(req, g); err != nil {
		a.denied(ctx, req.viewer, req.person, auditRemoveFromGroup, "", "own role group")
		return err
	}
	v, u, detail := req.viewer, req.person, groupDetail(g)
	if err := a.okta.RemoveUserFromGroup(ctx, g.ID, u.ID); err != nil {
		a.failed(ctx, v, u, auditRemoveFromGroup, "", withCode(err, detail), err)
		return membershipFailure(u, g, err, false)
	}
	return a.membershipChanged(w, r, v, u, g, auditRemoveFromGroup, flashRoleRemoved, detail)
}

// personDoneAlert is the message after a redirect for the person page's own sections (nil for
// the action table's, which doneAlert words).
// The flash is a fixed code (flash.go); its words are said here, in the request's language.
func (a *Admin) personDoneAlert(ctx context.Context, done, name string) *views.Alert {
	args := map[string]any{"Name": name}
	ok := func(titleID, textID string) *views.Alert {
		return &views.Alert{Kind: "success", Title: tr(ctx, titleID), Text: trf(ctx, textID, args)}
	}
	if role, found := strings.CutPrefix(done, flashRoleAdded); found && (role == RoleAdmin || role == RoleHelpdesk) {
		al := ok("groups.done.added_title", "groups.done.added_role")
		al.Text += " " + a.roleNote(ctx, name, role, true)
		return al
	}
	if role, found := strings.CutPrefix(done, flashRoleRemoved); found && (role == RoleAdmin || role == RoleHelpdesk) {
		al := ok("groups.done.removed_title", "groups.done.removed")
		al.Text += " " + a.roleNote(ctx, name, role, false)
		return al
	}
	switch done {
	case auditEditProfile:
		return ok("person.done.profile_saved_title", "person.done.profile_saved")
	case flashUnchanged:
		al := ok("person.done.unchanged_title", "person.done.unchanged")
		al.Kind = "info"
		return al
	case auditAddToGroup:
		return ok("groups.done.added_title", "groups.done.added")
	case auditRemoveFromGroup:
		return ok("groups.done.removed_title", "groups.done.removed")
	case auditResetFactor:
		return ok("person.done.factor_reset_title", "person.done.factor_reset")
	case auditResendActivation:
		return ok("person.done.resent_title", "person.done.resent")
	}
	return nil
}
