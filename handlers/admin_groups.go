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
func groupTypeLabel(t string) string {
	switch t {
	case "OKTA_GROUP":
		return "Okta group"
	case "APP_GROUP":
		return "from an app or directory"
	case "BUILT_IN":
		return "built into Okta"
	}
	return t
}

// groupFixed says why a group's membership cannot be changed here ("" when it can).
func groupFixed(g client.Group) string {
	switch g.Type {
	case "OKTA_GROUP":
		return ""
	case "APP_GROUP":
		return "Its members come from the app or directory it was imported from: change them there."
	case "BUILT_IN":
		return "Everyone in Okta is in this group."
	}
	return "Okta does not let Gatehouse change this group's members."
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
func (a *Admin) roleNote(name, role string, added bool) string {
	verb := "lose"
	if added {
		verb = "get"
	}
	return fmt.Sprintf(" %s will %s the Gatehouse %s role at their next role check: within %s on the admin pages, and at their next sign-in.",
		name, verb, role, shortTTL(a.opts.RoleTTL))
}

func shortTTL(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return plural(int(d/time.Minute), "minute")
	}
	return d.String()
}

// membershipView builds the person page's groups section.
func (a *Admin) membershipView(ctx context.Context, v Viewer, u client.User, groups []client.Group, gErr error, mayAct Verdict) views.PersonGroupsView {
	mv := views.PersonGroupsView{PersonID: u.ID, Name: userName(u)}
	if gErr != nil {
		mv.Err = sectionError(ctx, "Their", "groups", gErr)
		return mv
	}
	switch {
	case !v.HasRole(RoleAdmin):
		mv.Note = "Adding people to groups and removing them needs the admin role."
	case !mayAct.Allowed:
		mv.Note = mayAct.Reason
	default:
		mv.CanManage = true
	}
	for _, it := range groupItems(groups) { // sorted as everywhere: Everyone first, then by name
		g := findGroup(groups, it)
		pg := views.PersonGroup{ID: g.ID, Name: g.Profile.Name, Description: g.Profile.Description, Type: g.Type,
			TypeLabel: groupTypeLabel(g.Type), Role: a.roleOf(g), Fixed: groupFixed(g)}
		if mv.CanManage && pg.Fixed == "" && !(u.ID == v.UserID && pg.Role != "") {
			pg.RemoveURL = views.GroupRemoveURL(u.ID, g.ID)
		} else if mv.CanManage && pg.Fixed == "" {
			pg.Fixed = "Your own role group: another admin can remove you from it."
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
		return groupRequest{}, Forbidden("Changing group membership needs the admin role. Ask an administrator to do it.")
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
	return Render(w, r, http.StatusOK, views.PersonGroupSearchPage(PageFor(r, "Add "+name+" to a group", views.NavAdmin), adminNav(req.viewer, views.AdminPeople), name, sv))
}

// AddToGroup handles POST /admin/users/{id}/groups (group_id): PUT
// /api/v1/groups/{groupId}/users/{userId}, audited, then back to the person's page.
func (a *Admin) AddToGroup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	gid := r.PostFormValue("group_id")
	if !groupIDPattern.MatchString(gid) {
		return badRequest("Choose a group from the search results.")
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
		return NotFound("Okta has no group with this id. It may have been deleted: search again.")
	}
	g := page.Groups[0]
	for _, mine := range req.groups {
		if mine.ID == gid {
			return conflict(userName(u) + " is already in " + g.Profile.Name + ".")
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
		what := "remove " + userName(u) + " from"
		if adding {
			what = "add " + userName(u) + " to"
		}
		why := groupFixed(g)
		if why == "" {
			why = "Gatehouse's Okta credential may not manage this group's members (its admin role does not cover it)."
		}
		return &Error{Status: http.StatusForbidden, Title: "Okta did not change the group", Msg: "Okta does not let Gatehouse " + what + " " + g.Profile.Name + ". " + why, Err: err}
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
		return client.Group{}, NotFound("There is no group at this address.")
	}
	g, ok := req.personGroup(gid)
	if !ok {
		return client.Group{}, NotFound(userName(req.person) + " is not in this group (any more). Reload their page to see their groups.")
	}
	return g, nil
}

// ownRoleGroup refuses an admin removing their own role group: it could lock them out.
func (a *Admin) ownRoleGroup(req groupRequest, g client.Group) error {
	if req.person.ID == req.viewer.UserID && a.roleOf(g) != "" {
		return &Error{Status: http.StatusBadRequest, Title: "Not on your own account", Msg: "Removing yourself from a Gatehouse role group could lock you out. Another admin can do it."}
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
	name := userName(req.person)
	view := views.GroupConfirmView{Nav: adminNav(req.viewer, views.AdminPeople), PersonID: req.person.ID, Name: name, GroupID: g.ID, GroupName: g.Profile.Name, Role: a.roleOf(g)}
	if fixed := groupFixed(g); fixed != "" {
		view.Alert = &views.Alert{Kind: "warning", Title: "Okta will refuse this", Text: fixed}
	}
	return Render(w, r, http.StatusOK, views.GroupRemovePage(PageFor(r, "Remove "+name+" from "+g.Profile.Name, views.NavAdmin), view))
}

// RemoveFromGroup handles POST /admin/users/{id}/groups/{group}/remove: DELETE
// /api/v1/groups/{groupId}/users/{userId}, audited. An app group's removal goes to Okta too
// (Gatehouse follows Okta's answer) and its refusal is explained.
func (a *Admin) RemoveFromGroup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return badRequest("Please confirm first: use the button on the confirmation page, which says what will happen.")
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
func (a *Admin) personDoneAlert(done, name string) *views.Alert {
	ok := func(title, text string) *views.Alert { return &views.Alert{Kind: "success", Title: title, Text: text} }
	if role, found := strings.CutPrefix(done, flashRoleAdded); found && (role == RoleAdmin || role == RoleHelpdesk) {
		return ok("Added to the group", name+" is now in the group."+a.roleNote(name, role, true))
	}
	if role, found := strings.CutPrefix(done, flashRoleRemoved); found && (role == RoleAdmin || role == RoleHelpdesk) {
		return ok("Removed from the group", name+" is no longer in the group."+a.roleNote(name, role, false))
	}
	switch done {
	case auditEditProfile:
		return ok("Profile saved", "Okta has the changes to "+name+"'s profile; apps that read it from Okta see them from now on.")
	case flashUnchanged:
		return &views.Alert{Kind: "info", Title: "Nothing to save", Text: "You did not change anything in " + name + "'s profile."}
	case auditAddToGroup:
		return ok("Added to the group", name+" is now in the group: see their groups below.")
	case auditRemoveFromGroup:
		return ok("Removed from the group", name+" is no longer in the group.")
	case auditResetFactor:
		return ok("Sign-in method reset", "Okta removed it. "+name+" sets it up again at their next sign-in.")
	case auditResendActivation:
		return ok("Activation sent again", "Okta emailed "+name+" a new activation link. The old one no longer works.")
	}
	return nil
}
