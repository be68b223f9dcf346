package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/session"
)

// AdminOptions configures the admin console.
type AdminOptions struct {
	Now func() time.Time
	// StepUpAge is how recent a sign-in must be for destructive actions (default 15 min). The
	// middleware enforces it on the POST routes; the confirmation pages use it to offer a new
	// sign-in before the person fills in a form that would be refused.
	StepUpAge time.Duration
	// StepUpACR, when set, is the Okta acr value the step-up sign-in must satisfy
	// (GATEHOUSE_STEP_UP_ACR), e.g. urn:okta:loa:2fa:any.
	StepUpACR string
	// Policy checks an initial password when creating a person (default
	// DefaultPasswordPolicy).
	Policy PasswordPolicy
	// BulkConcurrency bounds the Okta calls in flight during a bulk action (default 4).
	BulkConcurrency int
	// BulkMinRemaining stops a bulk run from starting new calls when Okta's
	// X-Rate-Limit-Remaining falls to this value or below (default 5).
	BulkMinRemaining int
	// Protect decides whether a viewer may act on a person (protected accounts, helpdesk
	// scope). Nil refuses every helpdesk action on others (fail closed).
	Protect *Protection
}

// Admin serves the admin and helpdesk console: find people, look at one person, take the
// actions of the action table (lifecycle.go) on them, alone or in bulk, create people, and read
// the audit trail. Every action is authorised twice: by the route table's access level before
// the handler runs, and by the action table (role, status, own account) inside it.
type Admin struct {
	okta  *client.Client
	store *session.Store
	cache *PersonCache
	audit audit.Log
	log   *slog.Logger
	opts  AdminOptions
}

// NewAdmin returns the admin handlers.
func NewAdmin(okta *client.Client, store *session.Store, cache *PersonCache, auditLog audit.Log, log *slog.Logger, opts AdminOptions) *Admin {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StepUpAge <= 0 {
		opts.StepUpAge = 15 * time.Minute
	}
	if opts.Policy.MinLength == 0 {
		opts.Policy = DefaultPasswordPolicy()
	}
	if opts.BulkConcurrency <= 0 {
		opts.BulkConcurrency = 4
	}
	if opts.BulkMinRemaining <= 0 {
		opts.BulkMinRemaining = 5
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Admin{okta: okta, store: store, cache: cache, audit: auditLog, log: log, opts: opts}
}

// Index handles GET /admin/: the console starts at finding people.
func (a *Admin) Index(w http.ResponseWriter, r *http.Request) error {
	Redirect(w, r, "/admin/users")
	return nil
}

// staff returns the signed-in person, who must hold an admin or helpdesk role. The route table
// already guarantees it; this keeps a handler safe if it is ever wired differently.
func staff(r *http.Request) (*session.Record, error) {
	v, err := requireViewer(r)
	if err != nil {
		return nil, err
	}
	if !IsStaff(v) {
		return nil, Forbidden("This part of Gatehouse is for administrators and the helpdesk. If you need access, ask your administrator.")
	}
	return v, nil
}

func adminNav(v *session.Record, active string) views.AdminNav {
	return views.AdminNav{Active: active, CanCreate: v.HasRole(RoleAdmin)}
}

// personID reads and checks the {id} path segment. A malformed id is a 404 before any Okta
// call: it cannot name an Okta user, and it must never reach an Okta URL (SECURITY.md 29).
func personID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !ValidUserID(id) {
		return "", NotFound("There is no person at this address. Check the link, or find them with the search.")
	}
	return id, nil
}

// getPerson loads a person fresh from Okta (never from the per-person cache: admins must see
// the status as it is now).
func (a *Admin) getPerson(ctx context.Context, id string) (client.User, error) {
	u, err := a.okta.GetUser(ctx, id)
	if err != nil {
		if errors.Is(err, client.ErrNotFound) {
			return client.User{}, &Error{Status: http.StatusNotFound, Title: "Not found", Msg: "Okta has no account with this id. It may have been deleted.", Err: err}
		}
		return client.User{}, Classify(err)
	}
	return u, nil
}

// record writes one audit entry for an action by v on target. It never carries a one-time
// secret: callers pass only the fixed detail words and the Okta error, if any.
func (a *Admin) record(ctx context.Context, v *session.Record, target client.User, action, reason, result, detail string, err error) {
	if a.audit == nil {
		return
	}
	e := audit.Entry{
		Time: a.opts.Now(), ActorID: v.UserID, ActorLogin: v.Login, ActorIssuer: v.Issuer, Role: roleUsed(v),
		TargetID: target.ID, TargetLogin: target.Profile.Login, Action: action, Reason: reason,
		Result: result, Detail: detail, RequestID: RequestID(ctx),
	}
	if result == audit.ResultSuccess {
		// The request's collector (installed by web) holds Okta's id for the call just made.
		e.OktaRequestID = client.RequestIDsFrom(ctx).Last()
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
	// The trail logs the entry even when its store fails; the action has happened either way,
	// so a store failure is noted on the request rather than reported as the action failing.
	if rerr := a.audit.Record(ctx, e); rerr != nil {
		ScopeFrom(ctx).Note("audit_store", "failed")
	}
}
