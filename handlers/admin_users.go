package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
	"gatehouse/web/audit"
)

const (
	// usersPageSize is how many people a results page shows.
	usersPageSize = 25
	// maxTrail bounds the earlier-page cursors kept in the query for "Previous"; beyond it the
	// oldest are dropped and "First page" takes over.
	maxTrail = 20
	// personAuditLimit is how many audit entries a person's page shows.
	personAuditLimit = 10
)

// cursorPattern is what an Okta paging cursor may look like in our query string. Okta's are
// user ids today; anything else is refused before it reaches Okta.
var cursorPattern = regexp.MustCompile(`^[0-9A-Za-z._~-]{1,128}$`)

// userQuery is the find-people page's query: ?q=&status=&after=&prev=…
type userQuery struct {
	Q      string
	Status client.Status
	After  string
	// Prev holds the cursors of the earlier pages, oldest first ("" is the first page).
	Prev []string
}

// parseUserQuery validates the query before any Okta call: junk is a 400, not a search.
func parseUserQuery(r *http.Request) (userQuery, error) {
	v := r.URL.Query()
	uq := userQuery{Q: strings.TrimSpace(v.Get("q")), Status: client.Status(v.Get("status"))}
	if validText(uq.Q, 0, 100) != nil {
		return userQuery{}, badRequest(msgSearchTooLong)
	}
	if uq.Status != "" && !uq.Status.Valid() {
		return userQuery{}, badRequest("That status does not exist. Choose one from the list.")
	}
	uq.After = v.Get("after")
	if uq.After != "" && !cursorPattern.MatchString(uq.After) {
		return userQuery{}, badRequest(msgBrokenPageLink)
	}
	prev := v["prev"]
	if len(prev) > maxTrail {
		return userQuery{}, badRequest("This page link is too long. Start again from the first page.")
	}
	for _, p := range prev {
		if p != "" && !cursorPattern.MatchString(p) {
			return userQuery{}, badRequest(msgBrokenPageLink)
		}
	}
	uq.Prev = prev
	return uq, nil
}

// url is the page of this query at cursor after with the given trail.
func (uq userQuery) url(after string, prev []string) string {
	v := url.Values{}
	if uq.Q != "" {
		v.Set("q", uq.Q)
	}
	if uq.Status != "" {
		v.Set("status", string(uq.Status))
	}
	if after != "" {
		v.Set("after", after)
		for _, p := range prev {
			v.Add("prev", p)
		}
	}
	if len(v) == 0 {
		return "/admin/users"
	}
	return "/admin/users?" + v.Encode()
}

// ListUsers handles GET /admin/users?q=&status=&after=: find people by the start of their
// username, email or name, by status, or both (one Okta search= expression), with paging
// through Okta's cursor. An htmx request targeting the results gets only the results region.
func (a *Admin) ListUsers(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	uq, err := parseUserQuery(r)
	if err != nil {
		return err
	}
	view := a.searchUsers(r.Context(), uq)
	if htmxTarget(r) != views.UserResultsID && takeFlash(a.sessions, w, r) == flashBulkNoneSelected && view.Notice == nil {
		view.Notice = &views.Alert{Kind: "warning", Title: "Nobody is selected", Text: "Tick the people to act on in the list below first, then choose the action."}
	}
	a.markScope(r.Context(), v, view.Rows)
	view.Nav = adminNav(v, views.AdminPeople)
	view.Query, view.Status = uq.Q, string(uq.Status)
	for _, s := range client.Statuses() {
		view.Statuses = append(view.Statuses, views.Option{Value: string(s), Label: views.StatusLabel(string(s)), Selected: s == uq.Status})
	}
	view.BulkActions = bulkOptions(r.Context(), v, view.Rows)
	status := http.StatusOK
	if view.Err != nil {
		status = view.errStatus
	}
	if htmxTarget(r) == views.UserResultsID {
		return Render(w, r, status, views.UserResults(view.UserSearchView))
	}
	return Render(w, r, status, views.UsersPage(PageFor(r, "Find people", views.NavAdmin), view.UserSearchView))
}

// bulkOptions are the bulk actions the viewer's role allows that fit someone selectable in the
// list, by status (a list of active people is not offered Unlock). Each carries its statuses,
// so the selection bar can narrow them to the people actually selected.
func bulkOptions(ctx context.Context, v Viewer, rows []views.UserRow) []views.Option {
	var out []views.Option
	for _, act := range Actions() {
		if !act.Bulk || !act.AllowedFor(v) {
			continue
		}
		fits := slices.ContainsFunc(rows, func(r views.UserRow) bool {
			return r.NoAction == "" && slices.Contains(act.Statuses, client.Status(r.Status))
		})
		if !fits {
			continue
		}
		label := act.Label(ctx)
		if act.Key == actionResetPassword {
			label = "Reset password (Okta emails a link)"
		}
		statuses := make([]string, len(act.Statuses))
		for i, st := range act.Statuses {
			statuses[i] = string(st)
		}
		out = append(out, views.Option{Value: act.Key, Label: label, Statuses: strings.Join(statuses, " ")})
	}
	return out
}

type searchResult struct {
	views.UserSearchView
	errStatus int
}

// searchUsers runs the query against Okta. A typed query is an Okta search= expression
// (userSearch), the status joined to it, sorted by last name and paged; a status alone is
// Okta's filter=; nothing lists everyone. Okta's q= is not used: it never matches the
// username and is not paged (docs/OKTA.md "Finding people").
func (a *Admin) searchUsers(ctx context.Context, uq userQuery) searchResult {
	var res searchResult
	self := uq.url(uq.After, uq.Prev)
	now := a.opts.Now()
	p := client.ListUsersParams{After: uq.After, Limit: usersPageSize}
	if uq.Q != "" {
		p.Search, p.SortBy = userSearch(uq.Q, uq.Status), "profile.lastName"
	} else {
		p.Status = string(uq.Status)
	}
	page, err := a.okta.ListUsers(ctx, p)
	if uq.After != "" && badCursor(err) {
		// Okta no longer accepts the cursor (an old or altered link): start the list over
		// rather than fail, and say so.
		ScopeFrom(ctx).Note("paging", "cursor refused by Okta, first page shown")
		uq.After, uq.Prev = "", nil
		self = uq.url("", nil)
		res.Notice = &views.Alert{Kind: "info", Title: "Back to the first page", Text: "That page link no longer works, so the list starts again from the first page."}
		p.After = ""
		page, err = a.okta.ListUsers(ctx, p)
	}
	users, next := page.Users, page.NextAfter
	if err != nil {
		// The page explains it in plain words; the log keeps the cause.
		ScopeFrom(ctx).Note("search_error", err.Error())
		he := Classify(err)
		res.Err = &views.Alert{Kind: "error", Title: "The search did not work", Text: he.Msg, RequestID: RequestID(ctx)}
		res.RetryURL = self
		res.errStatus = he.Status
		return res
	}
	users = users[:min(len(users), usersPageSize)]
	for _, u := range users {
		res.Rows = append(res.Rows, views.UserRow{ID: u.ID, Name: userName(u), Login: u.Profile.Login, Status: string(u.Status), LastLogin: formatTime(views.LocaleFrom(ctx), u.LastLogin, now)})
	}
	a.describeResults(&res.UserSearchView, uq, next)
	return res
}

// badCursor reports Okta's refusal of a paging cursor: 400 E0000029 "Invalid paging request"
// (docs/OKTA.md, "Paging cursors").
func badCursor(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Code == "E0000029"
}

// markScope marks the rows of people outside the viewer's helpdesk scope: they are still
// listed, but offer no action (no bulk selection). Without a scope, or for an administrator,
// it costs nothing; with one, one groups read per row, a few at a time. A row whose groups
// Okta cannot give is marked too (fail closed).
func (a *Admin) markScope(ctx context.Context, v Viewer, rows []views.UserRow) {
	if !a.opts.Protect.Scoped(v) {
		return
	}
	runBounded(ctx, len(rows), bulkConcurrency, func() bool { return false }, func(i int) {
		ok, err := a.opts.Protect.InScope(ctx, v, rows[i].ID)
		switch {
		case err != nil:
			rows[i].NoAction = "Could not check your helpdesk scope"
		case !ok:
			rows[i].NoAction = "Outside your helpdesk scope"
		}
	}, func(i int) {
		rows[i].NoAction = "Could not check your helpdesk scope"
	})
}

// describeResults fills the count line, the empty state and the paging links.
func (a *Admin) describeResults(view *views.UserSearchView, uq userQuery, next string) {
	status := strings.ToLower(views.StatusLabel(string(uq.Status)))
	count := people(len(view.Rows))
	switch {
	case uq.Q != "" && uq.Status != "":
		view.CountText = count + " matching “" + uq.Q + "” whose account is " + status
		view.EmptyTitle = "No one matches “" + uq.Q + "” with the status " + status
		view.EmptyHint = "Check the spelling, choose another status, or clear the search."
	case uq.Q != "":
		view.CountText = count + " matching “" + uq.Q + "”"
		view.EmptyTitle = "No one matches “" + uq.Q + "”"
		view.EmptyHint = "Gatehouse matches the start of a username, email address, first name or last name. Check the spelling, or type less."
	case uq.Status != "":
		view.CountText = count + " whose account is " + status
		view.EmptyTitle = "No one's account is " + status
		view.EmptyHint = "Nobody in Okta has this status right now."
	default:
		view.CountText = count
		view.EmptyTitle = "No one found"
		view.EmptyHint = "Okta has no people to list yet."
	}
	page := len(uq.Prev) + 1
	if uq.After != "" && (len(uq.Prev) == 0 || uq.Prev[0] != "") {
		page = 0 // the trail was cut short: the page number is unknown
	}
	if page > 0 && (page > 1 || next != "") {
		view.CountText += ", page " + strconv.Itoa(page)
	}
	if next != "" {
		trail := append(slices.Clone(uq.Prev), uq.After)
		if len(trail) > maxTrail {
			trail = trail[len(trail)-maxTrail:]
		}
		view.NextURL = uq.url(next, trail)
	}
	if uq.After != "" {
		if k := len(uq.Prev); k > 0 {
			view.PrevURL = uq.url(uq.Prev[k-1], uq.Prev[:k-1])
		}
		if len(uq.Prev) != 1 || uq.Prev[0] != "" {
			view.FirstURL = uq.url("", nil)
		}
	}
}

// ShowUser handles GET /admin/users/{id}: the person's status in plain words, the actions
// allowed now, key dates, profile, groups, apps and recent admin actions about them.
func (a *Admin) ShowUser(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	id, err := personID(r)
	if err != nil {
		return err
	}
	view, err := a.personView(r.Context(), v, id)
	if err != nil {
		return err
	}
	msg, res := a.takeResult(w, r)
	if done, unrecorded := doneFor(msg, id); done != "" {
		if res.Alert == nil {
			res.Alert = a.personDoneAlert(done, view.Name)
		}
		a.showResult(w, &view, done, res)
		if unrecorded && view.Panel.Alert != nil && view.Panel.Alert.Kind == "success" {
			view.Panel.Alert.Kind, view.Panel.Alert.Title = "warning", "Done, but not recorded"
			view.Panel.Alert.Text += notRecorded(audit.ErrNotRecorded)
		}
	}
	return Render(w, r, http.StatusOK, views.PersonPage(PageFor(r, view.Name, views.NavAdmin), view))
}

// personView loads a person's page. The user (fresh, never from the per-person cache), groups,
// apps and audit entries load concurrently; all but the user fail in place.
func (a *Admin) personView(ctx context.Context, v Viewer, id string) (views.PersonView, error) {
	var (
		wg                     sync.WaitGroup
		u                      client.User
		groups                 []client.Group
		links                  []client.AppLink
		entries                []audit.Entry
		factors                []client.Factor
		uErr, gErr, lErr, eErr error
		fErr                   error
	)
	wg.Go(func() { u, uErr = a.getPerson(ctx, id) })
	wg.Go(func() { factors, fErr = a.okta.ListFactors(ctx, id) })
	wg.Go(func() { groups, gErr = a.okta.ListUserGroups(ctx, id) })
	wg.Go(func() { links, lErr = a.okta.ListAppLinks(ctx, id) })
	wg.Go(func() { entries, eErr = a.audit.Recent(ctx, audit.Filter{Target: id, Limit: personAuditLimit}) })
	wg.Wait()
	if uErr != nil {
		return views.PersonView{}, uErr
	}
	var known []client.Group
	if gErr == nil {
		known = groups
		if known == nil {
			known = []client.Group{} // loaded, and in no group: nothing to read again
		}
	}
	view := views.PersonView{
		Nav: adminNav(v, views.AdminPeople), ID: u.ID, Name: userName(u), Login: u.Profile.Login,
		Panel: a.panelWith(ctx, v, u, known), Dates: keyDates(u, a.opts.Now(), views.LocaleFrom(ctx)), Profile: profileFields(views.LocaleFrom(ctx), u.Profile), Credentials: credentialFacts(u),
	}
	// Issue 19's sections: what the viewer may do follows the same protected-account rule as
	// the panel's actions.
	mayAct := a.opts.Protect.mayAct(ctx, v, u, known)
	view.Membership = a.membershipView(ctx, v, u, groups, gErr, mayAct)
	view.Factors = a.factorsView(ctx, v, u, factors, fErr, mayAct)
	view.Resend = resendView(v, u, mayAct)
	if v.HasRole(RoleAdmin) && mayAct.Allowed {
		view.EditURL = views.PersonEditURL(u.ID)
	}
	if lErr != nil {
		view.AppsErr = sectionError(ctx, "Their", "apps", lErr)
	} else {
		view.Apps = adminApps(links)
	}
	if eErr != nil {
		view.AuditErr = &views.Alert{Kind: "error", Title: "The audit log could not be read", Text: "Please try again in a minute.", RequestID: RequestID(ctx)}
	} else {
		view.Audit = auditRows(ctx, entries)
	}
	return view, nil
}

// showResult puts the one-time result of an action (or of adding the person) on their page:
// the message, from fixed words and the status Okta reports now (never from the URL), and a
// one-time secret, which makes the page uncacheable. An activation link Okta no longer needs —
// the person is active already — is not shown.
func (a *Admin) showResult(w http.ResponseWriter, view *views.PersonView, done string, res oneTimeResult) {
	p := &view.Panel
	if res.Secret != nil && done == auditCreate && activeNow(client.User{Status: client.Status(p.Status), TransitioningToStatus: client.Status(p.Transition)}) {
		res.Secret = nil
	}
	p.Alert, p.Secret = res.Alert, res.Secret
	if p.Alert == nil {
		p.Alert = doneAlert(done, view.Name, p.Status, p.Transition, res.Activation)
	}
	if p.Secret != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
}

// doneAlert is the success message after a redirect, from the one-time flash the action left
// (never from the URL). It is built from fixed words and the person as Okta has them now.
func doneAlert(done, name, status, transition, activation string) *views.Alert {
	if done == auditCreate {
		return &views.Alert{Kind: "success", Title: "Person added", Text: createdText(name, client.Status(cmp.Or(transition, status)), activation)}
	}
	if act, ok := ActionByKey(done); ok {
		return &views.Alert{Kind: "success", Title: "Done", Text: act.Done(client.User{Profile: client.Profile{DisplayName: name}, Status: client.Status(status), TransitioningToStatus: client.Status(transition)})}
	}
	return nil
}

// createdText says what adding the person left them as, by the status Okta reports: never
// "activated" for an account still waiting for its activation link.
func createdText(name string, st client.Status, activation string) string {
	switch st {
	case client.StatusActive:
		return name + "'s account is active: they can sign in with the password you set."
	case client.StatusProvisioned:
		if activation == activateLink {
			return name + "'s account is waiting for activation: pass on the activation link below, with which they choose a password."
		}
		return name + "'s account is waiting for activation: Okta has emailed them the activation link, with which they choose a password."
	case client.StatusStaged:
		return name + "'s account is created and staged: nobody can use it until you activate it."
	}
	return name + "'s account is created. Its status is " + strings.ToLower(views.StatusLabel(string(st))) + "."
}

// panel builds the status-and-actions panel: only the actions that the status, the viewer's
// role and the own-account rule allow.
func (a *Admin) panel(ctx context.Context, v Viewer, u client.User) views.UserPanelView {
	return a.panelWith(ctx, v, u, nil)
}

// panelWith is panel with the person's groups when the caller already has them.
func (a *Admin) panelWith(ctx context.Context, v Viewer, u client.User, groups []client.Group) views.UserPanelView {
	p := views.UserPanelView{
		ID: u.ID, Name: userName(u), Login: u.Profile.Login, Status: string(u.Status),
		Transition: string(u.TransitioningToStatus), SelfAccount: v.UserID == u.ID,
	}
	if vd := a.opts.Protect.mayAct(ctx, v, u, groups); !vd.Allowed {
		// Actions the viewer may not take are not offered, with the reason in plain words.
		p.RoleNote = vd.Reason
		return p
	}
	for _, act := range allowedActions(ctx, v, u) {
		// Red only for what destroys: deactivation takes the person's apps away.
		p.Actions = append(p.Actions, views.ActionButton{Key: act.Key, Label: act.Label(ctx), URL: views.ConfirmURL(u.ID, act.Key), Destructive: act.Key == actionDeactivate,
			Suggested: suggestedAction(u.Status) == act.Key})
	}
	p.Notes = elsewhereNotes(ctx, v, u)
	switch {
	case p.SelfAccount:
		p.RoleNote = "This is your own account: actions that could lock you out of it are not offered here."
	case !v.HasRole(RoleAdmin):
		p.RoleNote = "Activating, suspending, deactivating and setting recovery questions need the admin role."
	}
	return p
}

func keyDates(u client.User, now time.Time, loc *i18n.Locale) []views.ProfileField {
	created := u.Created
	return []views.ProfileField{
		{Label: "Created", Value: formatTime(loc, &created, now)},
		{Label: "Activated", Value: formatTime(loc, u.Activated, now)},
		{Label: "Status changed", Value: formatTime(loc, u.StatusChanged, now)},
		{Label: "Last sign-in", Value: formatTime(loc, u.LastLogin, now)},
		{Label: "Password changed", Value: formatTime(loc, u.PasswordChanged, now)},
	}
}

// credentialFacts is what Okta says about the person's credentials (never their values),
// grouped apart from the profile.
func credentialFacts(u client.User) []views.ProfileField {
	facts := []views.ProfileField{
		{Label: "Password", Value: yesNo(u.Credentials.HasPassword, "Set", "None yet")},
		{Label: "Recovery question", Value: yesNo(u.Credentials.RecoveryQuestion != "", "Set", "None")},
	}
	if u.Credentials.Provider.Type != "" && u.Credentials.Provider.Type != "OKTA" {
		facts = append(facts, views.ProfileField{Label: "Credentials from", Value: string(u.Credentials.Provider.Type)})
	}
	return facts
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func adminApps(links []client.AppLink) []views.AdminApp {
	apps := make([]views.AdminApp, len(links))
	for i, l := range links {
		apps[i] = views.AdminApp{Label: l.Label, Hidden: l.Hidden}
	}
	slices.SortFunc(apps, func(x, y views.AdminApp) int {
		return cmp.Compare(strings.ToLower(x.Label), strings.ToLower(y.Label))
	})
	return apps
}

// suggestedAction is the action that gives a person their access back, by status: the
// helpdesk's likely next click, shown as the prominent button.
func suggestedAction(st client.Status) string {
	switch st {
	case client.StatusLockedOut:
		return actionUnlock
	case client.StatusSuspended:
		return actionUnsuspend
	case client.StatusStaged, client.StatusDeprovisioned:
		return actionActivate
	}
	return ""
}

// userSearch is the Okta search= expression for what an admin typed: the start of the
// username, email, first or last name (Okta compares search values without case), or, for
// two words or more, a first name and a last name starting with them ("ada love"); and the
// status, when one is chosen. Every value goes through client.QuoteSearchValue.
func userSearch(q string, status client.Status) string {
	v := client.QuoteSearchValue(q)
	expr := "profile.login sw " + v + " or profile.email sw " + v + " or profile.firstName sw " + v + " or profile.lastName sw " + v
	if first, rest, ok := strings.Cut(q, " "); ok {
		if rest = strings.TrimSpace(rest); rest != "" {
			expr += " or (profile.firstName sw " + client.QuoteSearchValue(first) + " and profile.lastName sw " + client.QuoteSearchValue(rest) + ")"
		}
	}
	if status != "" {
		expr = "(" + expr + `) and status eq "` + string(status) + `"`
	}
	return expr
}
