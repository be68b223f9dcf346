package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gatehouse/client"
	"gatehouse/views"
)

// ForgotOptions configures the public forgot-password form.
type ForgotOptions struct {
	// MinDuration pads every answer to at least this long, so the response time does not tell
	// whether the account exists (SECURITY.md 35). Default 800 ms.
	MinDuration time.Duration
	// PerIdentifier limits requests for one username or email (default 3 per hour).
	PerIdentifier       int
	PerIdentifierWindow time.Duration
	Now                 func() time.Time
	Sleep               func(ctx context.Context, d time.Duration)
}

// Forgot serves GET and POST /forgot-password for people who are signed out.
type Forgot struct {
	okta    *client.Client
	limiter Limiter
	opts    ForgotOptions
}

// NewForgot returns the forgot-password handlers.
func NewForgot(okta *client.Client, limiter Limiter, opts ForgotOptions) *Forgot {
	if opts.MinDuration == 0 {
		opts.MinDuration = 800 * time.Millisecond
	}
	if opts.PerIdentifier == 0 {
		opts.PerIdentifier, opts.PerIdentifierWindow = 3, time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
		}
	}
	return &Forgot{okta: okta, limiter: limiter, opts: opts}
}

// Form handles GET /forgot-password.
func (f *Forgot) Form(w http.ResponseWriter, r *http.Request) error {
	return Render(w, r, http.StatusOK, views.ForgotPage(PageFor(r, "Forgot password", ""), views.ForgotView{}))
}

// Submit handles POST /forgot-password. It answers with the same words, status and (padded)
// timing whether or not the account exists or may reset its password; Okta sends the reset
// email only where it allows it.
func (f *Forgot) Submit(w http.ResponseWriter, r *http.Request) error {
	start := f.opts.Now()
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	id := field(r, "identifier")
	if msg := identifierProblem(id); msg != "" {
		view := views.ForgotView{Identifier: id, Errors: views.FieldErrors{"identifier": msg}}
		return f.render(w, r, http.StatusUnprocessableEntity, view)
	}
	if err := CheckLimits(ctx, f.limiter, "", Limit{Name: "forgot-id", N: f.opts.PerIdentifier, Window: f.opts.PerIdentifierWindow, Key: hashKey(id)}); err != nil {
		return err
	}
	outcome := f.send(ctx, id)
	ScopeFrom(ctx).Note("forgot_outcome", outcome)
	if wait := f.opts.MinDuration - f.opts.Now().Sub(start); wait > 0 {
		f.opts.Sleep(ctx, wait)
	}
	return f.render(w, r, http.StatusOK, views.ForgotView{Sent: true})
}

// send looks the account up and asks Okta to email a reset link when Okta allows it. Its
// outcome (and any error) goes to the request's access-log line only; the person always sees
// the same answer.
func (f *Forgot) send(ctx context.Context, id string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// identifierProblem guarantees id has no quote or backslash, so it cannot break out of the
	// filter expression (SECURITY.md 34).
	filter := fmt.Sprintf(`profile.login eq "%s" or profile.email eq "%s"`, id, id)
	page, err := f.okta.ListUsers(ctx, client.ListUsersParams{Filter: filter, Limit: 2})
	if err != nil {
		ScopeFrom(ctx).Note("forgot_error", err.Error())
		return "lookup_failed"
	}
	if len(page.Users) != 1 {
		return "no_single_match"
	}
	u := page.Users[0]
	if u.Status != client.StatusActive || u.Credentials.RecoveryQuestion == "" {
		return "not_allowed"
	}
	if _, err := f.okta.ForgotPassword(ctx, u.ID, true); err != nil {
		ScopeFrom(ctx).Note("forgot_error", err.Error())
		return "okta_refused"
	}
	return "sent"
}

func (f *Forgot) render(w http.ResponseWriter, r *http.Request, status int, view views.ForgotView) error {
	if IsHTMX(r) {
		return Render(w, r, status, views.ForgotPanel(view))
	}
	return Render(w, r, status, views.ForgotPage(PageFor(r, "Forgot password", ""), view))
}

// identifierProblem validates a username or email: present, short, and made only of characters
// that logins use (no quotes, backslashes, spaces or control characters).
func identifierProblem(id string) string {
	if id == "" {
		return "Enter your username or email."
	}
	if len(id) > 100 {
		return "That is too long to be a username or email."
	}
	for _, r := range id {
		if r <= 0x20 || r == '"' || r == '\\' || r == 0x7f || r == '<' || r == '>' {
			return "That does not look like a username or email."
		}
	}
	return ""
}

// hashKey keeps identifiers out of limiter keys (and so out of Redis).
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(s)))
	return hex.EncodeToString(sum[:12])
}
