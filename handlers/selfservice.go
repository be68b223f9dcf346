package handlers

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"gatehouse/client"
	"gatehouse/views"
)

// SelfServiceOptions configures the employee pages. NewApp fills every field from web.Config;
// SelfService adds no defaults of its own.
type SelfServiceOptions struct {
	// Delegated makes self-service calls with the person's own access token on
	// /api/v1/users/me/… instead of the service credential on /api/v1/users/{id}/… (DESIGN §2).
	Delegated bool
	// Rules finds the password rules Okta applies to the person (never a list of our own).
	Rules *PasswordRules
	// StepUpAge is how recent a sign-in must be to change the password (SECURITY.md 31).
	StepUpAge time.Duration
	// StepUpACR is the acr value that sign-in must satisfy, when set (SECURITY.md 56).
	StepUpACR string
	Now       func() time.Time
	// Sequential makes the dashboard load its three sections one after another. It exists only
	// so the benchmark can show what the concurrent load saves; never set it in production.
	Sequential bool
	// Images are the origins app logos may come from; others show initials.
	Images ImageSources
	// LegacyArrivals restores the dashboard as it was before issue 15: reads wait on a 429 as
	// a retry would, and a rate limit is an error box. A benchmarking knob only (the arrivals
	// scenario's "today"); never set it in production.
	LegacyArrivals bool
	// Logger records each fall back from a refused self scope to the service credential.
	Logger *slog.Logger
}

// SelfService serves the signed-in person's own pages. The Okta user id always comes from the
// Viewer, never from the request.
type SelfService struct {
	okta     SelfServiceOkta
	sessions SelfSessions
	signOuts SignOutReturns
	cache    *PersonCache
	audit    AuditTrail
	// limits count password and recovery-question attempts that reach Okta.
	limits *Limits
	opts   SelfServiceOptions
	once   *onceGuard
}

// NewSelfService returns the self-service handlers.
func NewSelfService(okta SelfServiceOkta, sessions SelfSessions, signOuts SignOutReturns, cache *PersonCache, trail AuditTrail, limits *Limits, opts SelfServiceOptions) *SelfService {
	return &SelfService{okta: okta, sessions: sessions, signOuts: signOuts, cache: cache, audit: trail, limits: limits, opts: opts, once: newOnceGuard(onceTTL, opts.Now)}
}

// asPerson is the client acting with the person's own access token.
func (s *SelfService) asPerson(ctx context.Context) (*client.Client, error) {
	t, ok := s.sessions.Tokens(ctx)
	if !ok {
		return nil, fmt.Errorf("self-service call without a session: %w", client.ErrUnauthorized)
	}
	return s.okta.WithBearer(t.Access), nil
}

// target returns the client and path id for a self-service call on v's own account: the
// service credential on their id, or in delegated mode their own token on "me".
func (s *SelfService) target(ctx context.Context, v Viewer) (selfCalls, string, error) {
	if !s.opts.Delegated {
		return s.okta, v.UserID, nil
	}
	c, err := s.asPerson(ctx)
	return c, "me", err
}

// selfCall makes one self-service call on v's own account: with the service credential on
// their id, or in delegated mode with their own token on "me". Okta's scope documentation does
// not promise that okta.users.manage.self covers /users/me/groups, change_password and
// change_recovery_question, and an org may refuse them (docs/OKTA.md "Delegated mode"): when
// Okta refuses the person's token for lack of a scope, the call is made once more with the
// service credential on their id, and a log line says so. Any other refusal (a wrong current
// password, a policy) is Okta's answer and is returned as is.
func selfCall[T any](s *SelfService, ctx context.Context, v Viewer, op string, call func(c selfCalls, id string) (T, error)) (T, error) {
	c, id, err := s.target(ctx, v)
	if err != nil {
		var zero T
		return zero, err
	}
	res, err := call(c, id)
	if err == nil || !s.opts.Delegated || !selfScopeRefused(err) {
		return res, err
	}
	var ce *client.Error
	errors.As(err, &ce)
	if s.opts.Logger != nil {
		s.opts.Logger.Warn("okta refused the person's own token for a self-service call; using Gatehouse's service credential instead",
			"op", op, "okta_error", ce.Code, "okta_request_id", ce.RequestID, "required_scope", ce.Scope, "request_id", RequestID(ctx))
	}
	ScopeFrom(ctx).Note("delegated_fallback", op)
	return call(s.okta, v.UserID)
}

// selfScopeRefused reports Okta's refusal of a person's own token for lack of a scope: 403
// insufficient_scope, or 403 E0000006 ("You do not have permission…"), which Okta answers
// to a self-scoped token on an operation its scopes do not cover.
func selfScopeRefused(err error) bool {
	var ce *client.Error
	if !errors.As(err, &ce) || ce.StatusCode != 403 {
		return false
	}
	return errors.Is(err, client.ErrMissingScope) || ce.Code == "E0000006"
}

// me loads the person's own user with their access token (GET /users/me, DESIGN §2) and checks
// Okta answered for the person the session belongs to.
func (s *SelfService) me(ctx context.Context, v Viewer) (client.User, error) {
	return cached(ctx, s.cache, v.UserID, kindMe, func(ctx context.Context) (client.User, error) { return s.loadMe(ctx, v) })
}

func (s *SelfService) loadMe(ctx context.Context, v Viewer) (client.User, error) {
	c, err := s.asPerson(ctx)
	if err != nil {
		return client.User{}, err
	}
	u, err := c.GetCurrentUser(ctx)
	if err != nil {
		return client.User{}, fmt.Errorf("get current user: %w", err)
	}
	if u.ID != v.UserID {
		return client.User{}, fmt.Errorf("users/me returned %s for session of %s", u.ID, v.UserID)
	}
	return u, nil
}

func (s *SelfService) appLinks(ctx context.Context, v Viewer) ([]client.AppLink, error) {
	return cached(ctx, s.cache, v.UserID, kindApps, func(ctx context.Context) ([]client.AppLink, error) { return s.loadAppLinks(ctx, v) })
}

func (s *SelfService) loadAppLinks(ctx context.Context, v Viewer) ([]client.AppLink, error) {
	links, err := selfCall(s, ctx, v, "listAppLinks", func(c selfCalls, id string) ([]client.AppLink, error) {
		return c.ListAppLinks(ctx, id)
	})
	if err != nil {
		return nil, fmt.Errorf("list app links: %w", err)
	}
	return links, nil
}

func (s *SelfService) groups(ctx context.Context, v Viewer) ([]client.Group, error) {
	return cached(ctx, s.cache, v.UserID, kindGroups, func(ctx context.Context) ([]client.Group, error) { return s.loadGroups(ctx, v) })
}

func (s *SelfService) loadGroups(ctx context.Context, v Viewer) ([]client.Group, error) {
	groups, err := selfCall(s, ctx, v, "listUserGroups", func(c selfCalls, id string) ([]client.Group, error) {
		return c.ListUserGroups(ctx, id)
	})
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return groups, nil
}

// sectionFailure turns a failed read into the in-place message of a page section: the
// catalog message titleID ("Your apps could not be loaded") and what went wrong, both in the
// request's language. Every page with sections (the dashboard, the account pages, a person's
// page) says it this way.
func sectionFailure(ctx context.Context, titleID string, err error) *views.Alert {
	_, text := classified(ctx, err)
	return &views.Alert{Kind: "error", Title: tr(ctx, titleID), Text: text, RequestID: RequestID(ctx)}
}

// Home handles GET /: the landing page when signed out, the dashboard when signed in.
func (s *SelfService) Home(w http.ResponseWriter, r *http.Request) error {
	v, signedIn := ViewerFrom(r.Context())
	// Success banners come from a one-time flash the handler that did the work left, or from
	// Okta's return after a sign-out this browser started; never from the query string.
	flash := takeFlash(s.sessions, w, r)
	ctx := r.Context()
	if !signedIn {
		var notice *views.Alert
		switch {
		case s.signOuts.SignedOut(w, r):
			notice = &views.Alert{Kind: "success", Title: tr(ctx, "signin.signed_out_title"), Text: tr(ctx, "signin.signed_out_text")}
		case flash == flashSignedOutEverywhere:
			notice = &views.Alert{Kind: "success", Title: tr(ctx, "signin.signed_out_everywhere_title"), Text: tr(ctx, "signin.signed_out_everywhere_text")}
		}
		return Render(w, r, http.StatusOK, views.LandingPage(PageFor(r, tr(ctx, "signin.welcome_title"), views.NavHome), notice))
	}
	d := s.dashboard(ctx, v)
	if flash == flashOthersSignedOut {
		d.Notice = &views.Alert{Kind: "success", Title: tr(ctx, "signin.others_ended_title"), Text: tr(ctx, "signin.others_ended_text")}
	}
	return Render(w, r, http.StatusOK, views.DashboardPage(PageFor(r, tr(ctx, "nav.home"), views.NavHome), d))
}

// dashboard loads the three sections concurrently: the page costs about one Okta round trip,
// and a failing section does not take the others down.
func (s *SelfService) dashboard(ctx context.Context, v Viewer) views.DashboardView {
	var (
		d      views.DashboardView
		wg     sync.WaitGroup
		me     sectionRead[client.User]
		links  sectionRead[[]client.AppLink]
		groups sectionRead[[]client.Group]
	)
	ctx = s.readCtx(ctx)
	if s.opts.Sequential {
		me = readSection(ctx, v, s.cache, kindMe, s.loadMe)
		links = readSection(ctx, v, s.cache, kindApps, s.loadAppLinks)
		groups = s.readGroups(ctx, v)
	} else {
		wg.Go(func() { me = readSection(ctx, v, s.cache, kindMe, s.loadMe) })
		wg.Go(func() { links = readSection(ctx, v, s.cache, kindApps, s.loadAppLinks) })
		wg.Go(func() { groups = s.readGroups(ctx, v) })
		wg.Wait()
	}
	d.Profile, d.ProfileErr, d.ProfileState = s.profileSection(ctx, v, me, 0)
	d.Apps, d.AppsTotal, d.AppsErr, d.AppsState = s.appsSection(ctx, v, links, 0)
	d.Groups, d.GroupsErr, d.GroupsState = s.groupsSection(ctx, v, groups, 0)
	return d
}

// sectionRead is what reading one dashboard section from the cache or Okta gave.
type sectionRead[T any] struct {
	val   T
	stale bool
	err   error
}

func readSection[T any](ctx context.Context, v Viewer, c *PersonCache, kind string, load func(context.Context, Viewer) (T, error)) sectionRead[T] {
	val, stale, err := cachedState(ctx, c, v.UserID, kind, func(ctx context.Context) (T, error) { return load(ctx, v) })
	return sectionRead[T]{val: val, stale: stale, err: err}
}

// readGroups reads the dashboard's groups: the full groups when cached, else the names of the
// sign-in's groups claim when those are (the card shows names only), else from Okta.
func (s *SelfService) readGroups(ctx context.Context, v Viewer) sectionRead[[]client.Group] {
	if _, full := peek[[]client.Group](s.cache, v.UserID, kindGroups); !full {
		if g, ok := peek[[]client.Group](s.cache, v.UserID, kindClaimGroups); ok {
			return sectionRead[[]client.Group]{val: g}
		}
	}
	return readSection(ctx, v, s.cache, kindGroups, s.loadGroups)
}

// readCtx is the context of the dashboard's reads: no page waits on a 429 (the section is
// served stale, or polls); today's behaviour (LegacyArrivals) waits as a retry would.
func (s *SelfService) readCtx(ctx context.Context) context.Context {
	if s.opts.LegacyArrivals {
		return ctx
	}
	return client.WithoutRateLimitWait(ctx)
}

// Polling of a pending section: the first poll after pollBase, doubling with each attempt up to
// pollMax, and never before Okta's reset (client.RetryAfter), itself capped at pollMax.
const (
	pollBase     = 2 * time.Second
	pollMax      = 90 * time.Second
	pollAttempts = 16 // the attempt number kept in the URL stops counting here
)

// sectionState is the state of a section whose read gave stale data or err; pending (with the
// poll of the next attempt) when Okta is busy and there is nothing to show, so that the section
// appears by itself instead of an error box.
func (s *SelfService) sectionState(v Viewer, section string, stale bool, err error, attempt int) views.SectionState {
	if err == nil {
		return views.SectionState{Stale: stale}
	}
	if s.opts.LegacyArrivals || !(errors.Is(err, client.ErrRateLimited) || errors.Is(err, client.ErrBusy)) {
		return views.SectionState{}
	}
	wait := min(pollBase<<min(attempt, 6), pollMax)
	if ra := client.RetryAfter(err); ra > wait {
		wait = min(ra, pollMax)
	}
	// Everyone rate limited at the same moment learns the same reset: a per-person spread of
	// up to a second keeps their polls from arriving together.
	wait += pollSpread(v.UserID, section)
	next := strconv.Itoa(min(attempt+1, pollAttempts))
	return views.SectionState{Pending: true, PollURL: "/dashboard/" + section + "?attempt=" + next, PollAfter: wait}
}

// pollSpread is a stable share of a second for (person, section).
func pollSpread(person, section string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(person))
	h.Write([]byte{0})
	h.Write([]byte(section))
	return time.Duration(h.Sum32()%1000) * time.Millisecond
}

func (s *SelfService) profileSection(ctx context.Context, v Viewer, rd sectionRead[client.User], attempt int) (*views.ProfileSummary, *views.Alert, views.SectionState) {
	st := s.sectionState(v, "profile", rd.stale, rd.err, attempt)
	switch {
	case rd.err == nil:
		return profileSummary(rd.val, s.opts.Now(), views.LocaleFrom(ctx)), nil, st
	case st.Pending:
		return nil, nil, st
	}
	return nil, sectionFailure(ctx, "dash.profile_failed", rd.err), st
}

func (s *SelfService) appsSection(ctx context.Context, v Viewer, rd sectionRead[[]client.AppLink], attempt int) ([]views.AppTile, int, *views.Alert, views.SectionState) {
	st := s.sectionState(v, "apps", rd.stale, rd.err, attempt)
	switch {
	case rd.err == nil:
		tiles := visibleApps(rd.val, s.opts.Images)
		return tiles[:min(len(tiles), views.DashboardAppLimit)], len(tiles), nil, st
	case st.Pending:
		return nil, 0, nil, st
	}
	return nil, 0, sectionFailure(ctx, "apps.failed", rd.err), st
}

func (s *SelfService) groupsSection(ctx context.Context, v Viewer, rd sectionRead[[]client.Group], attempt int) ([]views.GroupItem, *views.Alert, views.SectionState) {
	st := s.sectionState(v, "groups", rd.stale, rd.err, attempt)
	switch {
	case rd.err == nil:
		return groupItems(rd.val), nil, st
	case st.Pending:
		return nil, nil, st
	}
	return nil, sectionFailure(ctx, "dash.groups_failed", rd.err), st
}

// DashboardSection handles GET /dashboard/{section}: one dashboard card, for the retry button
// and for a pending section's polling (?attempt=N, which sets its back-off). A section still
// pending answers with another placeholder and Retry-After. Without htmx it sends the browser
// to the dashboard.
func (s *SelfService) DashboardSection(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if !IsHTMX(r) {
		redirect(w, r, "/")
		return nil
	}
	ctx := s.readCtx(r.Context())
	attempt, _ := strconv.Atoi(r.URL.Query().Get("attempt"))
	attempt = min(max(attempt, 0), pollAttempts)
	pending := func(st views.SectionState) {
		if st.Pending {
			w.Header().Set("Retry-After", strconv.Itoa(int((st.PollAfter+time.Second-1)/time.Second)))
		}
	}
	switch r.PathValue("section") {
	case "profile":
		pr, failed, st := s.profileSection(ctx, v, readSection(ctx, v, s.cache, kindMe, s.loadMe), attempt)
		pending(st)
		return Render(w, r, http.StatusOK, views.ProfileCard(pr, failed, st))
	case "apps":
		tiles, total, failed, st := s.appsSection(ctx, v, readSection(ctx, v, s.cache, kindApps, s.loadAppLinks), attempt)
		pending(st)
		return Render(w, r, http.StatusOK, views.AppsCard(tiles, total, failed, st))
	case "groups":
		items, failed, st := s.groupsSection(ctx, v, s.readGroups(ctx, v), attempt)
		pending(st)
		return Render(w, r, http.StatusOK, views.GroupsCard(items, failed, st))
	}
	return NotFound("dash.no_section")
}

// Apps handles GET /apps: the launcher, filtered by ?q=. An htmx active search gets only the
// results region.
func (s *SelfService) Apps(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if len(q) > 100 {
		q = q[:100]
	}
	view := views.AppsView{Query: q}
	links, err := s.appLinks(s.readCtx(r.Context()), v)
	if err != nil {
		view.Err = sectionFailure(r.Context(), "apps.failed", err)
	} else {
		all := visibleApps(links, s.opts.Images)
		view.Total = len(all)
		view.Apps = filterApps(all, q)
	}
	if htmxTarget(r) == views.AppResultsID {
		return Render(w, r, http.StatusOK, views.AppResults(view))
	}
	return Render(w, r, http.StatusOK, views.AppsPage(PageFor(r, tr(r.Context(), "nav.apps"), views.NavApps), view))
}

// Groups handles GET /groups.
func (s *SelfService) Groups(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	view := views.GroupsView{}
	groups, err := s.groups(s.readCtx(r.Context()), v)
	if err != nil {
		view.Err = sectionFailure(r.Context(), "dash.groups_failed", err)
	} else {
		view.Groups = groupItems(groups)
	}
	return Render(w, r, http.StatusOK, views.GroupsPage(PageFor(r, tr(r.Context(), "nav.groups"), views.NavGroups), view))
}

// Profile handles GET /profile.
func (s *SelfService) Profile(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	view := views.ProfileView{}
	u, err := s.me(s.readCtx(r.Context()), v)
	if err != nil {
		view.Err = sectionFailure(r.Context(), "dash.profile_failed", err)
	} else {
		now, loc := s.opts.Now(), views.LocaleFrom(r.Context())
		view = views.ProfileView{
			Name:            userName(u),
			Status:          string(u.Status),
			LastLogin:       formatTime(loc, u.LastLogin, now),
			PasswordChanged: formatTime(loc, u.PasswordChanged, now),
			Fields:          profileFields(loc, u.Profile),
		}
	}
	return Render(w, r, http.StatusOK, views.ProfilePage(PageFor(r, tr(r.Context(), "nav.profile"), views.NavProfile), view))
}
