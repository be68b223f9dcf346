package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
)

// AdminOptions configures the admin console. NewApp fills every field from web.Config; Admin
// adds no defaults of its own.
type AdminOptions struct {
	Now func() time.Time
	// StepUpAge is how recent a sign-in must be for destructive actions. The middleware
	// enforces it on the POST routes; the confirmation pages use it to offer a new sign-in
	// before the person fills in a form that would be refused.
	StepUpAge time.Duration
	// StepUpACR, when set, is the Okta acr value the step-up sign-in must satisfy
	// (GATEHOUSE_STEP_UP_ACR), e.g. urn:okta:loa:2fa:any.
	StepUpACR string
	// Rules finds the password policy Okta will apply to a person being created (in the
	// chosen groups), to show and check an initial password.
	Rules *PasswordRules
	// Protect decides whether a viewer may act on a person (protected accounts, helpdesk
	// scope). Nil refuses every helpdesk action on others (fail closed).
	Protect *Protection
	// Roles are the Okta groups that grant Gatehouse roles, and RoleTTL how long a signed-in
	// person's roles are trusted before a privileged route re-reads them: the person page
	// marks role groups and says when a membership change takes effect.
	Roles   RoleGroups
	RoleTTL time.Duration
}

// Bulk actions (admin_bulk.go) and the helpdesk-scope marks on search results keep at most
// bulkConcurrency Okta calls in flight, and a bulk run stops starting calls once Okta's
// X-Rate-Limit-Remaining falls to bulkMinRemaining: a bulk run must not drain a bucket the
// whole org shares.
const (
	bulkConcurrency  = 4
	bulkMinRemaining = 5
)

// Admin serves the admin and helpdesk console: find people, look at one person, take the
// actions of the action table (lifecycle.go) on them, alone or in bulk, create people, and read
// the audit trail. Every action is authorised twice: by the route table's access level before
// the handler runs, and by the action table (role, status, own account) inside it.
type Admin struct {
	okta     AdminOkta
	sessions AdminSessions
	cache    *PersonCache
	audit    AuditTrail
	opts     AdminOptions
}

// NewAdmin returns the admin handlers.
func NewAdmin(okta AdminOkta, sessions AdminSessions, cache *PersonCache, trail AuditTrail, opts AdminOptions) *Admin {
	return &Admin{okta: okta, sessions: sessions, cache: cache, audit: trail, opts: opts}
}

// Index handles GET /admin/: the console starts at finding people.
func (a *Admin) Index(w http.ResponseWriter, r *http.Request) error {
	redirect(w, r, "/admin/users")
	return nil
}

// staff returns the signed-in person, who must hold an admin or helpdesk role. The route table
// already guarantees it; this keeps a handler safe if it is ever wired differently.
func staff(r *http.Request) (Viewer, error) {
	v, err := requireViewer(r)
	if err != nil {
		return Viewer{}, err
	}
	if !v.IsStaff() {
		return Viewer{}, Forbidden(MsgStaffOnly)
	}
	return v, nil
}

func adminNav(v Viewer, active string) views.AdminNav {
	return views.AdminNav{Active: active, CanCreate: v.HasRole(RoleAdmin)}
}

// personID reads and checks the {id} path segment. A malformed id is a 404 before any Okta
// call: it cannot name an Okta user, and it must never reach an Okta URL (SECURITY.md 29).
func personID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !validUserID(id) {
		return "", NotFound("person.no_such_address")
	}
	return id, nil
}

// getPerson loads a person fresh from Okta (never from the per-person cache: admins must see
// the status as it is now).
func (a *Admin) getPerson(ctx context.Context, id string) (client.User, error) {
	u, err := a.okta.GetUser(ctx, id)
	if err != nil {
		if errors.Is(err, client.ErrNotFound) {
			e := NotFound("person.no_such_account")
			e.Err = err
			return client.User{}, e
		}
		return client.User{}, Classify(err)
	}
	return u, nil
}

// record writes one audit entry for an action by v on target. It never carries a one-time
// secret: callers pass only the fixed detail words, the receipt of the Okta call on success and
// Okta's error, if any. It returns audit.ErrNotRecorded when the store failed: the trail has
// logged the entry, but the action it records has no durable record, and the person who took
// it must be told (notRecorded) rather than shown a clean success.
func (a *Admin) record(ctx context.Context, v Viewer, target client.User, action, reason, result, detail string, rc client.Receipt, err error) error {
	e := audit.Entry{
		Time: a.opts.Now(), ActorID: v.UserID, ActorLogin: v.Login, ActorIssuer: v.Issuer, Role: roleUsed(v),
		TargetID: target.ID, TargetLogin: target.Profile.Login, Action: action, Reason: reason,
		Result: result, Detail: detail, RequestID: RequestID(ctx), OktaRequestID: rc.RequestID,
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		e.OktaRequestID = ce.RequestID
		if e.Detail == "" {
			e.Detail = ce.Code
		}
	} else if err != nil && e.Detail == "" {
		e.Detail = "okta unavailable"
	}
	if rerr := a.audit.Record(ctx, e); rerr != nil {
		ScopeFrom(ctx).Note("audit_store", "failed")
		return rerr
	}
	return nil
}

// denied, failed and succeeded record an action's outcome (record's three uses). A refusal or
// a failure is reported to the person as such whether or not its record was stored (the log
// line holds it); a success that could not be recorded must say so: succeeded returns the
// error for notRecorded.
func (a *Admin) denied(ctx context.Context, v Viewer, target client.User, action, reason, detail string) {
	_ = a.record(ctx, v, target, action, reason, audit.ResultDenied, detail, client.Receipt{}, nil)
}

func (a *Admin) failed(ctx context.Context, v Viewer, target client.User, action, reason, detail string, err error) {
	_ = a.record(ctx, v, target, action, reason, audit.ResultFailure, detail, client.Receipt{}, err)
}

func (a *Admin) succeeded(ctx context.Context, v Viewer, target client.User, action, reason, detail string, rc client.Receipt) error {
	return a.record(ctx, v, target, action, reason, audit.ResultSuccess, detail, rc, nil)
}

// msgNotRecorded is what the person who acted reads when the action happened but its audit
// record could not be stored (audit.ErrNotRecorded).
const msgNotRecorded = "admin.not_recorded"

// notRecorded is the warning sentence for a record error, in the request's language (with a
// space before it, to follow the message it completes), "" when the entry was stored.
func notRecorded(ctx context.Context, err error) string {
	if err == nil {
		return ""
	}
	return " " + tr(ctx, msgNotRecorded)
}
