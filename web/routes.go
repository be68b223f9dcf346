package web

import (
	"net/http"
	"time"

	"gatehouse/handlers"
)

// access is who may use a route. It is written on each line of the route table so that
// authorization is visible where the URL is, and the authorization matrix test can walk it.
type access int

const (
	public access = iota // anyone, signed in or not
	user                 // any signed-in person
	staff                // admin or helpdesk
	admin                // admin only
)

func (a access) String() string {
	return [...]string{"public", "user", "staff", "admin"}[a]
}

type route struct {
	pattern string
	access  access
	h       handlers.Func
	limits  []handlers.Limit
	// stepUp requires a recent sign-in (SECURITY.md 31) before the handler runs.
	stepUp bool
	// stepUpAnswer, on a stepUp route, answers a request whose sign-in is too old instead of
	// the bare redirect to sign in: the form again, saying that nothing was changed and why,
	// with the way to sign in and come back (issue 17, defect 4). It must change nothing.
	stepUpAnswer handlers.Func
	// refresh renews a signed-in person's tokens on a public route (requireUser does it on
	// the others).
	refresh bool
}

// Rate limits of SECURITY.md requirement 47.
var (
	loginLimit   = handlers.Limit{Name: "login", N: 30, Window: time.Minute, ByClient: true}
	forgotClient = handlers.Limit{Name: "forgot-client", N: 10, Window: time.Hour, ByClient: true}
	adminActions = handlers.Limit{Name: "admin-actions", N: 30, Window: time.Minute}
	checkLimit   = handlers.Limit{Name: "password-check", N: 120, Window: time.Minute}
)

// routes is the one route table: every URL Gatehouse answers, its method, who may use it and
// which limits apply.
func (s *Server) routes() []route {
	a, self, adm, forgot := s.o.Auth, s.o.Self, s.o.Admin, s.o.Forgot
	return []route{
		// Sign-in and sign-out.
		// Home is public, but for a signed-in person it is the dashboard, which needs fresh tokens.
		{pattern: "GET /{$}", access: public, h: self.Home, refresh: true},
		{pattern: "GET /login", access: public, h: a.Login, limits: []handlers.Limit{loginLimit}},
		{pattern: "GET /auth/callback", access: public, h: a.Callback},
		{pattern: "GET /auth/error", access: public, h: a.Failed},
		{pattern: "POST /logout", access: public, h: a.Logout},
		{pattern: "GET /forgot-password", access: public, h: forgot.Form},
		{pattern: "POST /forgot-password", access: public, h: forgot.Submit, limits: []handlers.Limit{forgotClient}},

		// Self-service: the signed-in person's own account. The user id always comes from the
		// session, never from the request.
		{pattern: "GET /dashboard/{section}", access: user, h: self.DashboardSection},
		{pattern: "GET /apps", access: user, h: self.Apps},
		{pattern: "GET /groups", access: user, h: self.Groups},
		{pattern: "GET /profile", access: user, h: self.Profile},
		{pattern: "GET /password", access: user, h: self.PasswordForm},
		// Password and recovery-question changes count attempts that reach Okta inside the
		// handler, against one budget of current-password guesses per person
		// (handlers.currentPasswordLimits), so a typo costs nothing.
		{pattern: "POST /password", access: user, h: self.ChangePassword, stepUp: true, stepUpAnswer: self.PasswordStepUp},
		{pattern: "POST /password/check", access: user, h: self.CheckPassword, limits: []handlers.Limit{checkLimit}},
		{pattern: "GET /recovery-question", access: user, h: self.RecoveryForm},
		{pattern: "POST /recovery-question", access: user, h: self.ChangeRecovery},
		{pattern: "GET /signout-everywhere", access: user, h: self.SignOutEverywhereForm},
		{pattern: "POST /signout-everywhere", access: user, h: self.SignOutEverywhere},

		// Administration: admins and helpdesk find people and fix accounts.
		{pattern: "GET /admin/{$}", access: staff, h: adm.Index},
		{pattern: "GET /admin/users", access: staff, h: adm.ListUsers},
		{pattern: "GET /admin/users/new", access: admin, h: adm.NewUserForm},
		{pattern: "POST /admin/users/new", access: admin, h: adm.CreateUser, limits: []handlers.Limit{adminActions}},
		{pattern: "GET /admin/groups/search", access: admin, h: adm.GroupSearch},
		{pattern: "GET /admin/users/{id}", access: staff, h: adm.ShowUser},
		{pattern: "GET /admin/users/{id}/confirm/{action}", access: staff, h: adm.Confirm},
		{pattern: "POST /admin/users/{id}/unlock", access: staff, h: adm.Unlock, limits: []handlers.Limit{adminActions}},
		{pattern: "POST /admin/users/{id}/reset-password", access: staff, h: adm.ResetPassword, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/expire-password", access: staff, h: adm.ExpirePassword, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/reset-factors", access: staff, h: adm.ResetFactors, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/clear-sessions", access: staff, h: adm.ClearSessions, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/forgot-password", access: staff, h: adm.ForgotPassword, limits: []handlers.Limit{adminActions}},
		{pattern: "POST /admin/users/{id}/activate", access: admin, h: adm.Activate, limits: []handlers.Limit{adminActions}},
		{pattern: "POST /admin/users/{id}/deactivate", access: admin, h: adm.Deactivate, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/suspend", access: admin, h: adm.Suspend, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/unsuspend", access: admin, h: adm.Unsuspend, limits: []handlers.Limit{adminActions}},
		{pattern: "POST /admin/users/{id}/recovery-question", access: admin, h: adm.SetRecoveryQuestion, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/bulk/preview", access: staff, h: adm.BulkPreview},
		{pattern: "POST /admin/bulk/run", access: staff, h: adm.BulkRun, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "GET /admin/bulk/result", access: staff, h: adm.BulkResult},
		{pattern: "GET /admin/audit", access: staff, h: adm.Audit},
	}
}

// wrap applies a route's access rule, step-up and limits around its handler, inside the error
// adaptor.
func (s *Server) wrap(rt route) http.Handler {
	h := rt.h
	if rt.stepUp {
		h = s.requireRecentAuth(h, rt.stepUpAnswer)
	}
	for i := len(rt.limits) - 1; i >= 0; i-- {
		h = s.rateLimit(rt.limits[i], h)
	}
	switch rt.access {
	case public:
		if rt.refresh {
			h = s.refreshIfSignedIn(h)
		}
	case user:
		h = s.requireUser(h)
	case staff:
		h = s.requireUser(s.requireRole(h, handlers.RoleAdmin, handlers.RoleHelpdesk))
	case admin:
		h = s.requireUser(s.requireRole(h, handlers.RoleAdmin))
	}
	return s.handle(h)
}
