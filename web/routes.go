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
	// factorCodes bounds guesses at an authenticator's first code per person, before Okta's
	// own limit (five activation attempts in five minutes).
	factorCodes = handlers.Limit{Name: "factor-codes", N: 10, Window: 5 * time.Minute}
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
		// The language menu on every page: a cookie, and the session when signed in.
		{pattern: "POST /language", access: public, h: s.o.Language.Choose},

		// Self-service: the signed-in person's own account. The user id always comes from the
		// session, never from the request.
		{pattern: "GET /dashboard/{section}", access: user, h: self.DashboardSection},
		{pattern: "GET /apps", access: user, h: self.Apps},
		{pattern: "GET /groups", access: user, h: self.Groups},
		{pattern: "GET /profile", access: user, h: self.Profile},
		// Editing one's own details: no step-up, except that changing an email address asks for
		// a recent sign-in inside the handler (it is where password resets go).
		{pattern: "GET /profile/edit", access: user, h: self.EditProfileForm},
		{pattern: "POST /profile/edit", access: user, h: self.SaveProfile},
		{pattern: "GET /password", access: user, h: self.PasswordForm},
		// Password and recovery-question changes count attempts that reach Okta inside the
		// handler, against one budget of current-password guesses per person
		// (handlers.currentPasswordLimits), so a typo costs nothing.
		{pattern: "POST /password", access: user, h: self.ChangePassword, stepUp: true, stepUpAnswer: self.PasswordStepUp},
		{pattern: "POST /password/check", access: user, h: self.CheckPassword, limits: []handlers.Limit{checkLimit}},
		{pattern: "GET /recovery-question", access: user, h: self.RecoveryForm},
		{pattern: "POST /recovery-question", access: user, h: self.ChangeRecovery},
		// Sign-in methods: adding (starting or finishing a setup) or removing one needs a recent
		// sign-in (step-up), so a stolen session can neither plant an authenticator nor strip one.
		{pattern: "GET /security", access: user, h: self.Security},
		{pattern: "POST /security/authenticator", access: user, h: self.StartAuthenticator, stepUp: true},
		{pattern: "GET /security/authenticator", access: user, h: self.AuthenticatorSetup},
		{pattern: "GET /security/authenticator/qr.png", access: user, h: self.AuthenticatorQR},
		{pattern: "POST /security/authenticator/activate", access: user, h: self.ActivateAuthenticator, limits: []handlers.Limit{factorCodes}, stepUp: true},
		{pattern: "GET /security/factors/{id}/remove", access: user, h: self.RemoveFactorForm},
		{pattern: "POST /security/factors/{id}/remove", access: user, h: self.RemoveFactor, stepUp: true},
		// Where the person is signed in to Gatehouse: end one session, or every other one.
		{pattern: "GET /sessions", access: user, h: self.Sessions},
		{pattern: "GET /sessions/end-others", access: user, h: self.EndOthersForm},
		{pattern: "POST /sessions/end-others", access: user, h: self.EndOthers},
		{pattern: "GET /sessions/{handle}/end", access: user, h: self.EndSessionForm},
		{pattern: "POST /sessions/{handle}/end", access: user, h: self.EndSession},
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
		// The person page's own sections (issue 19): the profile editor and group membership
		// (admins), one factor's reset (helpdesk and admins, like "Reset MFA factors"),
		// resending a pending activation (admins, like "Activate").
		{pattern: "GET /admin/users/{id}/edit", access: admin, h: adm.EditProfileForm},
		{pattern: "POST /admin/users/{id}/edit", access: admin, h: adm.SaveProfileEdit, limits: []handlers.Limit{adminActions}},
		{pattern: "GET /admin/users/{id}/groups/search", access: admin, h: adm.PersonGroupSearch},
		{pattern: "POST /admin/users/{id}/groups", access: admin, h: adm.AddToGroup, limits: []handlers.Limit{adminActions}},
		{pattern: "GET /admin/users/{id}/groups/{group}/remove", access: admin, h: adm.ConfirmGroupRemoval},
		{pattern: "POST /admin/users/{id}/groups/{group}/remove", access: admin, h: adm.RemoveFromGroup, limits: []handlers.Limit{adminActions}},
		{pattern: "GET /admin/users/{id}/factors/{factor}/reset", access: staff, h: adm.ConfirmFactorReset},
		{pattern: "POST /admin/users/{id}/factors/{factor}/reset", access: staff, h: adm.ResetFactor, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "POST /admin/users/{id}/resend-activation", access: admin, h: adm.ResendActivation, limits: []handlers.Limit{adminActions}},
		{pattern: "POST /admin/bulk/preview", access: staff, h: adm.BulkPreview},
		{pattern: "POST /admin/bulk/run", access: staff, h: adm.BulkRun, limits: []handlers.Limit{adminActions}, stepUp: true},
		{pattern: "GET /admin/bulk/result", access: staff, h: adm.BulkResult},
		{pattern: "GET /admin/audit", access: staff, h: adm.Audit},
		{pattern: "GET /admin/audit/export", access: admin, h: adm.AuditExport},
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
