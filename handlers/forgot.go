package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/client"
	"gatehouse/views"
)

// ForgotOptions configures the public forgot-password form. NewApp fills every field from
// web.Config; Forgot adds no defaults of its own.
type ForgotOptions struct {
	// MinDuration, when positive, pads every answer to at least this long. The answer no
	// longer depends on Okta at all (the lookup and the email happen after it, in the
	// background queue), so this is only a floor against automated probing.
	MinDuration time.Duration
	Now         func() time.Time
	// Logger receives the queue's outcomes: they happen after the answer, so no error adaptor
	// sees them.
	Logger *slog.Logger
}

// forgotIDLimit limits requests for one username or email: it throttles emails to one person,
// over a window short enough that a stranger who spends it does not lock the person out of
// their own reset for long (SECURITY.md 47).
var forgotIDLimit = Limit{Name: "forgot-id", N: 3, Window: 15 * time.Minute}

// queueShape is the background queue's size: workers, requests waiting, and how long Close
// lets the queued ones finish at shutdown.
type queueShape struct {
	workers, size int
	drain         time.Duration
}

// forgotQueue is the queue production runs: two workers keep Okta calls few, 256 waiting
// absorb a burst, and 5 s of drain fit in the shutdown timeout.
var forgotQueue = queueShape{workers: 2, size: 256, drain: 5 * time.Second}

// Forgot serves GET and POST /forgot-password for people who are signed out. The answer
// never waits for Okta: a valid request is queued and answered at once, the same way whether
// or not the account exists (SECURITY.md 35, 51); workers look the account up and ask Okta
// for the email afterwards. A full queue drops the request with a log line rather than make
// anyone wait.
type Forgot struct {
	okta   ForgotOkta
	limits *Limits
	opts   ForgotOptions
	shape  queueShape
	log    *slog.Logger

	jobs    chan forgotJob
	stop    chan struct{}
	closing sync.Once
	closed  atomic.Bool
	workers sync.WaitGroup
	// base is the context of the workers' Okta calls; Close cancels it after the drain.
	base   context.Context
	cancel context.CancelFunc
}

// forgotJob is one queued request: the identifier typed and, for the log, the request id.
type forgotJob struct {
	identifier string
	requestID  string
}

// NewForgot returns the forgot-password handlers and starts their background workers; Close
// stops them.
func NewForgot(okta ForgotOkta, limits *Limits, opts ForgotOptions) *Forgot {
	return startForgot(okta, limits, opts, forgotQueue)
}

// startForgot is NewForgot with the queue's shape (a test makes it small).
func startForgot(okta ForgotOkta, limits *Limits, opts ForgotOptions, shape queueShape) *Forgot {
	f := &Forgot{okta: okta, limits: limits, opts: opts, shape: shape, log: opts.Logger,
		jobs: make(chan forgotJob, shape.size), stop: make(chan struct{})}
	f.base, f.cancel = context.WithCancel(context.Background())
	for range shape.workers {
		f.workers.Go(f.work)
	}
	return f
}

// Close stops taking requests, lets the queued ones finish for up to Drain, then cancels
// what is still running and drops the rest with a log line. It is safe to call twice.
func (f *Forgot) Close() {
	f.closing.Do(func() {
		f.closed.Store(true)
		close(f.stop)
		done := make(chan struct{})
		go func() { f.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(f.shape.drain):
			f.cancel()
			<-done
		}
		f.cancel()
		if n := len(f.jobs); n > 0 {
			f.log.Warn("forgot-password requests dropped at shutdown", "dropped", n)
		}
	})
}

// work serves the queue until Close, then finishes what is queued (Close bounds how long).
func (f *Forgot) work() {
	for {
		select {
		case job := <-f.jobs:
			f.process(job)
		case <-f.stop:
			for {
				select {
				case job := <-f.jobs:
					if f.base.Err() != nil {
						return // past the drain: Close reports what is left
					}
					f.process(job)
				default:
					return
				}
			}
		}
	}
}

// process looks the account up and sends the email; its outcome goes to the log, tied to the
// request by its id (never the identifier, which is personal data).
func (f *Forgot) process(job forgotJob) {
	outcome, err := f.send(f.base, job.identifier)
	attrs := []any{"request_id", job.requestID, "outcome", outcome}
	var ce *client.Error
	switch {
	case errors.As(err, &ce):
		attrs = append(attrs, "okta_error", ce.Code, "okta_request_id", ce.RequestID)
	case err != nil:
		// A transport error quotes the URL, whose filter holds the identifier: log its kind only.
		attrs = append(attrs, "err", Classify(err).Title)
	}
	f.log.Info("forgot password processed", attrs...)
}

// enqueue hands a request to the workers without ever waiting.
func (f *Forgot) enqueue(ctx context.Context, identifier string) string {
	if f.closed.Load() {
		f.log.Warn("forgot-password request dropped: shutting down", "request_id", RequestID(ctx))
		return "dropped_shutdown"
	}
	select {
	case f.jobs <- forgotJob{identifier: identifier, requestID: RequestID(ctx)}:
		return "queued"
	default:
		f.log.Warn("forgot-password request dropped: queue full", "request_id", RequestID(ctx), "queue", cap(f.jobs))
		return "dropped_queue_full"
	}
}

// Form handles GET /forgot-password.
func (f *Forgot) Form(w http.ResponseWriter, r *http.Request) error {
	return Render(w, r, http.StatusOK, views.ForgotPage(PageFor(r, tr(r.Context(), "forgot.title"), ""), views.ForgotView{}))
}

// Submit handles POST /forgot-password. It answers with the same words, status and timing
// whether or not the account exists or may reset its password, because it answers before
// anything is asked of Okta; Okta sends the reset email, afterwards, only where it allows it.
func (f *Forgot) Submit(w http.ResponseWriter, r *http.Request) error {
	start := f.opts.Now()
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	id := field(r, "identifier")
	if msg := identifierProblem(id); msg != "" {
		view := views.ForgotView{Identifier: id, Errors: views.FieldErrors{"identifier": tr(ctx, msg)}}
		return f.render(w, r, http.StatusUnprocessableEntity, view)
	}
	limit := forgotIDLimit
	limit.Key = hashKey(id)
	if err := f.limits.Check(ctx, "", limit); err != nil {
		return err
	}
	ScopeFrom(ctx).Note("forgot", f.enqueue(ctx, id))
	if wait := f.opts.MinDuration - f.opts.Now().Sub(start); wait > 0 {
		sleep(ctx, wait)
	}
	return f.render(w, r, http.StatusOK, views.ForgotView{Sent: true})
}

// send looks the account up and asks Okta to email a reset link when Okta allows it. It runs
// in the background queue, after the answer: its outcome is for the log only.
func (f *Forgot) send(ctx context.Context, id string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Okta's filter= compares values case-sensitively (docs/OKTA.md "Finding people"), so a
	// person who types Alice@Example.com would not be found; search= compares values without
	// case. QuoteSearchValue escapes the value (identifierProblem already refuses quotes and
	// backslashes: SECURITY.md 34, belt and braces).
	q := client.QuoteSearchValue(id)
	search := "profile.login eq " + q + " or profile.email eq " + q
	page, err := f.okta.ListUsers(ctx, client.ListUsersParams{Search: search, Limit: 2})
	if err != nil {
		return "lookup_failed", err
	}
	if len(page.Users) != 1 {
		return "no_single_match", nil
	}
	u := page.Users[0]
	// No precheck of the status or the recovery question: which people may recover, and by
	// which authenticator, is the org's rule (a recovery question on Classic, the email
	// authenticator on Identity Engine; docs/OKTA.md "Identity Engine recovery"). Okta
	// answers, and its refusal is logged with its code.
	if _, err := f.okta.ForgotPassword(ctx, u.ID, true); err != nil {
		return "okta_refused", err
	}
	return "sent", nil
}

func (f *Forgot) render(w http.ResponseWriter, r *http.Request, status int, view views.ForgotView) error {
	if IsHTMX(r) {
		return Render(w, r, status, views.ForgotPanel(view))
	}
	return Render(w, r, status, views.ForgotPage(PageFor(r, tr(r.Context(), "forgot.title"), ""), view))
}

// identifierProblem validates a username or email: present, short, and made only of characters
// that logins use (no quotes, backslashes, spaces or control characters). It returns the
// catalog id of what is wrong, or "".
func identifierProblem(id string) string {
	if id == "" {
		return "forgot.enter"
	}
	if len(id) > 100 {
		return "forgot.too_long"
	}
	for _, r := range id {
		if r <= 0x20 || r == '"' || r == '\\' || r == 0x7f || r == '<' || r == '>' {
			return "forgot.not_identifier"
		}
	}
	return ""
}

// hashKey keeps identifiers out of limiter keys (and so out of Redis).
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(s)))
	return hex.EncodeToString(sum[:12])
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
