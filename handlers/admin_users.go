package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
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
		return userQuery{}, badRequest("admin.search.bad_status")
	}
	uq.After = v.Get("after")
	if uq.After != "" && !cursorPattern.MatchString(uq.After) {
		return userQuery{}, badRequest(msgBrokenPageLink)
	}
	prev := v["prev"]
	if len(prev) > maxTrail {
		return userQuery{}, badRequest("admin.search.link_too_long")
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
		view.Notice = &views.Alert{Kind: "warning", Title: tr(r.Context(), "admin.bulk_bar.nobody_title"), Text: tr(r.Context(), "admin.bulk_bar.nobody_text")}
	}
	a.markScope(r.Context(), v, view.Rows)
	view.Nav = adminNav(v, views.AdminPeople)
	view.Query, view.Status = uq.Q, string(uq.Status)
	for _, s := range client.Statuses() {
		view.Statuses = append(view.Statuses, views.Option{Value: string(s), Label: views.StatusLabel(r.Context(), string(s)), Selected: s == uq.Status})
	}
	view.BulkActions = bulkOptions(r.Context(), v, view.Rows)
	status := http.StatusOK
	if view.Err != nil {
		status = view.errStatus
	}
	if htmxTarget(r) == views.UserResultsID {
		return Render(w, r, status, views.UserResults(view.UserSearchView))
	}
	return Render(w, r, status, views.UsersPage(PageFor(r, tr(r.Context(), "admin.search.title"), views.NavAdmin), view.UserSearchView))
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
			label = tr(ctx, "admin.bulk_bar.reset_password")
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
		res.Notice = &views.Alert{Kind: "info", Title: tr(ctx, "admin.search.restart_title"), Text: tr(ctx, "admin.search.restart_text")}
		p.After = ""
		page, err = a.okta.ListUsers(ctx, p)
	}
	users, next := page.Users, page.NextAfter
	if err != nil {
		// The page explains it in plain words; the log keeps the cause.
		ScopeFrom(ctx).Note("search_error", err.Error())
		he := Classify(err)
		_, text := he.Words(views.LocaleFrom(ctx))
		res.Err = &views.Alert{Kind: "error", Title: tr(ctx, "admin.search.failed"), Text: text, RequestID: RequestID(ctx)}
		res.RetryURL = self
		res.errStatus = he.Status
		return res
	}
	users = users[:min(len(users), usersPageSize)]
	for _, u := range users {
		res.Rows = append(res.Rows, views.UserRow{ID: u.ID, Name: userName(u), Login: u.Profile.Login, Status: string(u.Status), LastLogin: formatTime(views.LocaleFrom(ctx), u.LastLogin, now)})
	}
	a.describeResults(ctx, &res.UserSearchView, uq, next)
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
			rows[i].NoAction = tr(ctx, "protect.scope_unknown")
		case !ok:
			rows[i].NoAction = tr(ctx, "protect.outside_scope_short")
		}
	}, func(i int) {
		rows[i].NoAction = tr(ctx, "protect.scope_unknown")
	})
}

// describeResults fills the count line, the empty state and the paging links.
func (a *Admin) describeResults(ctx context.Context, view *views.UserSearchView, uq userQuery, next string) {
	loc := views.LocaleFrom(ctx)
	args := map[string]any{"Query": uq.Q, "Status": statusPhrase(uq.Status).in(loc)}
	n := len(view.Rows)
	switch {
	case uq.Q != "" && uq.Status != "":
		view.CountText = loc.Tnf("admin.count.query_status", n, args)
		view.EmptyTitle = loc.Tf("admin.empty.query_status_title", args)
		view.EmptyHint = loc.T("admin.empty.query_status_hint")
	case uq.Q != "":
		view.CountText = loc.Tnf("admin.count.query", n, args)
		view.EmptyTitle = loc.Tf("admin.empty.query_title", args)
		view.EmptyHint = loc.T("admin.empty.query_hint")
	case uq.Status != "":
		view.CountText = loc.Tnf("admin.count.status", n, args)
		view.EmptyTitle = loc.Tf("admin.empty.status_title", args)
		view.EmptyHint = loc.T("admin.empty.status_hint")
	default:
		view.CountText = loc.Tn("admin.count.all", n)
		view.EmptyTitle = loc.T("admin.empty.all_title")
		view.EmptyHint = loc.T("admin.empty.all_hint")
	}
	page := len(uq.Prev) + 1
	if uq.After != "" && (len(uq.Prev) == 0 || uq.Prev[0] != "") {
		page = 0 // the trail was cut short: the page number is unknown
	}
	if page > 0 && (page > 1 || next != "") {
		view.CountText = loc.Tf("admin.count.with_page", map[string]any{"Count": view.CountText, "Page": page})
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
			res.Alert = a.personDoneAlert(r.Context(), done, view.Name)
		}
		a.showResult(r.Context(), w, &view, done, res)
		if unrecorded && view.Panel.Alert != nil && view.Panel.Alert.Kind == "success" {
			view.Panel.Alert.Kind, view.Panel.Alert.Title = "warning", tr(r.Context(), "admin.done_unrecorded")
			view.Panel.Alert.Text += notRecorded(r.Context(), audit.ErrNotRecorded)
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
		Panel: a.panelWith(ctx, v, u, known), Dates: keyDates(u, a.opts.Now(), views.LocaleFrom(ctx)), Profile: profileFields(views.LocaleFrom(ctx), u.Profile), Credentials: credentialFacts(views.LocaleFrom(ctx), u),
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
		view.AppsErr = sectionFailure(ctx, "person.apps_error", lErr)
	} else {
		view.Apps = adminApps(links)
	}
	if eErr != nil {
		view.AuditErr = auditReadError(ctx)
	} else {
		view.Audit = auditRows(ctx, entries)
	}
	return view, nil
}

// showResult puts the one-time result of an action (or of adding the person) on their page:
// the message, from fixed words and the status Okta reports now (never from the URL), and a
// one-time secret, which makes the page uncacheable. An activation link Okta no longer needs —
// the person is active already — is not shown.
func (a *Admin) showResult(ctx context.Context, w http.ResponseWriter, view *views.PersonView, done string, res oneTimeResult) {
	p := &view.Panel
	if res.Secret != nil && done == auditCreate && activeNow(client.User{Status: client.Status(p.Status), TransitioningToStatus: client.Status(p.Transition)}) {
		res.Secret = nil
	}
	p.Alert, p.Secret = res.Alert, res.Secret
	if p.Alert == nil {
		p.Alert = doneAlert(ctx, done, view.Name, p.Status, p.Transition, res.Activation)
	}
	if p.Secret != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
}

// doneAlert is the success message after a redirect, from the one-time flash the action left
// (never from the URL). It is built from fixed words and the person as Okta has them now.
func doneAlert(ctx context.Context, done, name, status, transition, activation string) *views.Alert {
	if done == auditCreate {
		return &views.Alert{Kind: "success", Title: tr(ctx, "admin.created.title"), Text: createdText(ctx, name, client.Status(cmp.Or(transition, status)), activation)}
	}
	if act, ok := ActionByKey(done); ok {
		return &views.Alert{Kind: "success", Title: tr(ctx, "admin.done"), Text: act.Done(ctx, client.User{Profile: client.Profile{DisplayName: name}, Status: client.Status(status), TransitioningToStatus: client.Status(transition)})}
	}
	return nil
}

// createdText says what adding the person left them as, by the status Okta reports: never
// "activated" for an account still waiting for its activation link.
func createdText(ctx context.Context, name string, st client.Status, activation string) string {
	args := map[string]any{"Name": name}
	switch st {
	case client.StatusActive:
		return trf(ctx, "admin.created.active", args)
	case client.StatusProvisioned:
		if activation == activateLink {
			return trf(ctx, "admin.created.pending_link", args)
		}
		return trf(ctx, "admin.created.pending_email", args)
	case client.StatusStaged:
		return trf(ctx, "admin.created.staged", args)
	}
	args["Status"] = statusPhrase(st)
	return msg("admin.created.any_status", args).text(ctx)
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
		p.RoleNote = tr(ctx, "person.self_note")
	case !v.HasRole(RoleAdmin):
		p.RoleNote = tr(ctx, "person.helpdesk_note")
	}
	return p
}

func keyDates(u client.User, now time.Time, loc *i18n.Locale) []views.ProfileField {
	created := u.Created
	return []views.ProfileField{
		{Label: loc.T("person.dates.created"), Value: formatTime(loc, &created, now)},
		{Label: loc.T("person.dates.activated"), Value: formatTime(loc, u.Activated, now)},
		{Label: loc.T("person.dates.status_changed"), Value: formatTime(loc, u.StatusChanged, now)},
		{Label: loc.T("person.dates.last_sign_in"), Value: formatTime(loc, u.LastLogin, now)},
		{Label: loc.T("person.dates.password_changed"), Value: formatTime(loc, u.PasswordChanged, now)},
	}
}

// credentialFacts is what Okta says about the person's credentials (never their values),
// grouped apart from the profile.
func credentialFacts(loc *i18n.Locale, u client.User) []views.ProfileField {
	facts := []views.ProfileField{
		{Label: loc.T("person.credentials.password"), Value: yesNo(u.Credentials.HasPassword, loc.T("person.credentials.set"), loc.T("person.credentials.none_yet"))},
		{Label: loc.T("person.credentials.recovery_question"), Value: yesNo(u.Credentials.RecoveryQuestion != "", loc.T("person.credentials.set"), loc.T("person.credentials.none"))},
	}
	if u.Credentials.Provider.Type != "" && u.Credentials.Provider.Type != "OKTA" {
		facts = append(facts, views.ProfileField{Label: loc.T("person.credentials.provider"), Value: string(u.Credentials.Provider.Type)})
	}
	return facts
}

// auditReadError is the in-place message of the recent admin actions when the audit store
// cannot be read.
func auditReadError(ctx context.Context) *views.Alert {
	return &views.Alert{Kind: "error", Title: tr(ctx, "person.audit_error_title"), Text: tr(ctx, "person.audit_error_text"), RequestID: RequestID(ctx)}
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
