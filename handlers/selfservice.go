package handlers

import (
	"context"
	"fmt"
	"net/http"
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
	Policy    PasswordPolicy
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

// me loads the person's own user with their access token (GET /users/me, DESIGN §2) and checks
// Okta answered for the person the session belongs to.
func (s *SelfService) me(ctx context.Context, v Viewer) (client.User, error) {
	return cached(ctx, s.cache, v.UserID, "me", func(ctx context.Context) (client.User, error) {
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
	})
}

func (s *SelfService) appLinks(ctx context.Context, v Viewer) ([]client.AppLink, error) {
	return cached(ctx, s.cache, v.UserID, "apps", func(ctx context.Context) ([]client.AppLink, error) {
		c, id, err := s.target(ctx, v)
		if err != nil {
			return nil, err
		}
		links, err := c.ListAppLinks(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("list app links: %w", err)
		}
		return links, nil
	})
}

func (s *SelfService) groups(ctx context.Context, v Viewer) ([]client.Group, error) {
	return cached(ctx, s.cache, v.UserID, "groups", func(ctx context.Context) ([]client.Group, error) {
		c, id, err := s.target(ctx, v)
		if err != nil {
			return nil, err
		}
		groups, err := c.ListUserGroups(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		return groups, nil
	})
}

// sectionError turns a failed read into the in-place message of a page section: "Your apps
// could not be loaded" (whose is "Your", or "Their" on an admin's view of someone).
func sectionError(ctx context.Context, whose, what string, err error) *views.Alert {
	he := Classify(err)
	return &views.Alert{Kind: "error", Title: whose + " " + what + " could not be loaded", Text: he.Msg, RequestID: RequestID(ctx)}
}

// Home handles GET /: the landing page when signed out, the dashboard when signed in.
func (s *SelfService) Home(w http.ResponseWriter, r *http.Request) error {
	v, signedIn := ViewerFrom(r.Context())
	// Success banners come from a one-time flash the handler that did the work left, or from
	// Okta's return after a sign-out this browser started; never from the query string.
	flash := takeFlash(s.sessions, w, r)
	if !signedIn {
		var notice *views.Alert
		switch {
		case s.signOuts.SignedOut(w, r):
			notice = &views.Alert{Kind: "success", Title: "You have signed out", Text: "You are signed out of Gatehouse and Okta in this browser."}
		case flash == flashSignedOutEverywhere:
			notice = &views.Alert{Kind: "success", Title: "You have signed out everywhere", Text: "Your Okta and Gatehouse sessions on every device have ended."}
		}
		return Render(w, r, http.StatusOK, views.LandingPage(PageFor(r, "Welcome", views.NavHome), notice))
	}
	d := s.dashboard(r.Context(), v)
	if flash == flashOthersSignedOut {
		d.Notice = &views.Alert{Kind: "success", Title: "Your other sessions have ended", Text: "You are still signed in here. Everywhere else, you will need to sign in again."}
	}
	return Render(w, r, http.StatusOK, views.DashboardPage(PageFor(r, "Home", views.NavHome), d))
}

// dashboard loads the three sections concurrently: the page costs about one Okta round trip,
// and a failing section does not take the others down.
func (s *SelfService) dashboard(ctx context.Context, v Viewer) views.DashboardView {
	var (
		d                          views.DashboardView
		wg                         sync.WaitGroup
		me                         client.User
		links                      []client.AppLink
		groups                     []client.Group
		meErr, linksErr, groupsErr error
	)
	if s.opts.Sequential {
		me, meErr = s.me(ctx, v)
		links, linksErr = s.appLinks(ctx, v)
		groups, groupsErr = s.groups(ctx, v)
	} else {
		wg.Go(func() { me, meErr = s.me(ctx, v) })
		wg.Go(func() { links, linksErr = s.appLinks(ctx, v) })
		wg.Go(func() { groups, groupsErr = s.groups(ctx, v) })
		wg.Wait()
	}
	now := s.opts.Now()
	if meErr != nil {
		d.ProfileErr = sectionError(ctx, "Your", "profile", meErr)
	} else {
		d.Profile = profileSummary(me, now, views.LocaleFrom(ctx))
	}
	if linksErr != nil {
		d.AppsErr = sectionError(ctx, "Your", "apps", linksErr)
	} else {
		tiles := visibleApps(links, s.opts.Images)
		d.AppsTotal = len(tiles)
		d.Apps = tiles[:min(len(tiles), views.DashboardAppLimit)]
	}
	if groupsErr != nil {
		d.GroupsErr = sectionError(ctx, "Your", "groups", groupsErr)
	} else {
		d.Groups = groupItems(groups)
	}
	return d
}

// DashboardSection handles GET /dashboard/{section}: one dashboard card, for the retry button.
// Without htmx it sends the browser to the dashboard.
func (s *SelfService) DashboardSection(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if !IsHTMX(r) {
		redirect(w, r, "/")
		return nil
	}
	ctx := r.Context()
	switch r.PathValue("section") {
	case "profile":
		u, err := s.me(ctx, v)
		if err != nil {
			return Render(w, r, http.StatusOK, views.ProfileCard(nil, sectionError(ctx, "Your", "profile", err)))
		}
		return Render(w, r, http.StatusOK, views.ProfileCard(profileSummary(u, s.opts.Now(), views.LocaleFrom(ctx)), nil))
	case "apps":
		links, err := s.appLinks(ctx, v)
		if err != nil {
			return Render(w, r, http.StatusOK, views.AppsCard(nil, 0, sectionError(ctx, "Your", "apps", err)))
		}
		tiles := visibleApps(links, s.opts.Images)
		return Render(w, r, http.StatusOK, views.AppsCard(tiles[:min(len(tiles), views.DashboardAppLimit)], len(tiles), nil))
	case "groups":
		groups, err := s.groups(ctx, v)
		if err != nil {
			return Render(w, r, http.StatusOK, views.GroupsCard(nil, sectionError(ctx, "Your", "groups", err)))
		}
		return Render(w, r, http.StatusOK, views.GroupsCard(groupItems(groups), nil))
	}
	return NotFound("There is no such part of the dashboard.")
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
	links, err := s.appLinks(r.Context(), v)
	if err != nil {
		view.Err = sectionError(r.Context(), "Your", "apps", err)
	} else {
		all := visibleApps(links, s.opts.Images)
		view.Total = len(all)
		view.Apps = filterApps(all, q)
	}
	if htmxTarget(r) == views.AppResultsID {
		return Render(w, r, http.StatusOK, views.AppResults(view))
	}
	return Render(w, r, http.StatusOK, views.AppsPage(PageFor(r, "Apps", views.NavApps), view))
}

// Groups handles GET /groups.
func (s *SelfService) Groups(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	view := views.GroupsView{}
	groups, err := s.groups(r.Context(), v)
	if err != nil {
		view.Err = sectionError(r.Context(), "Your", "groups", err)
	} else {
		view.Groups = groupItems(groups)
	}
	return Render(w, r, http.StatusOK, views.GroupsPage(PageFor(r, "Groups", views.NavGroups), view))
}

// Profile handles GET /profile.
func (s *SelfService) Profile(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	view := views.ProfileView{}
	u, err := s.me(r.Context(), v)
	if err != nil {
		view.Err = sectionError(r.Context(), "Your", "profile", err)
	} else {
		now, loc := s.opts.Now(), views.LocaleFrom(r.Context())
		view = views.ProfileView{
			Name:            userName(u),
			Status:          string(u.Status),
			LastLogin:       formatTime(loc, u.LastLogin, now),
			PasswordChanged: formatTime(loc, u.PasswordChanged, now),
			Fields:          profileFields(u.Profile),
		}
	}
	return Render(w, r, http.StatusOK, views.ProfilePage(PageFor(r, "Profile", views.NavProfile), view))
}
