package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gatehouse/client"
	"gatehouse/i18n"
)

// Error is a failure with a message fit for the person using the portal. Msg is a full sentence
// they can act on; Err is for the log only.
//
// Title and Msg are English: the log, and callers that still compose English around them, read
// them. TitleID and MsgID name the catalog messages they are the English of (with Args for
// the placeholders), and the error adaptor shows those in the person's language (Words). The
// constructors below take either a catalog id or, for messages not converted yet, English
// text, which is then shown as it is.
type Error struct {
	Status     int
	Title      string
	Msg        string
	TitleID    string
	MsgID      string
	Args       map[string]any
	Err        error
	RetryAfter time.Duration // sets Retry-After when positive
	SignIn     bool          // the page offers to sign in again
	// redirect, when set on a 401, sends the browser there (HX-redirect for htmx) instead of
	// rendering a page: the way an expired session or a step-up re-authentication reaches the
	// sign-in page.
	Redirect string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Title, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Words returns the title and message in loc's language. A catalog message is used only while
// Title or Msg still reads as its English: a caller that replaced the English after the
// constructor (he.Title = "Nothing was signed out") gets its own words shown.
func (e *Error) Words(loc *i18n.Locale) (title, msg string) {
	title, msg = e.Title, e.Msg
	english := resolveArgs(i18n.English(), e.Args)
	if e.TitleID != "" && e.Title == i18n.EnglishText(e.TitleID, english) {
		title = loc.Tf(e.TitleID, resolveArgs(loc, e.Args))
	}
	if e.MsgID != "" && e.Msg == i18n.EnglishText(e.MsgID, english) {
		msg = loc.Tf(e.MsgID, resolveArgs(loc, e.Args))
	}
	return title, msg
}

// newError builds an Error whose title is the catalog message titleID and whose message is the
// catalog message msg, or English text when msg is not a catalog id.
func newError(status int, titleID, msg string, args map[string]any) *Error {
	e := &Error{Status: status, Args: args}
	e.setTitle(titleID)
	e.setMsg(msg)
	return e
}

// setTitle makes the catalog message titleID e's title, with its English for the log.
func (e *Error) setTitle(titleID string) {
	e.TitleID, e.Title = titleID, i18n.EnglishText(titleID, resolveArgs(i18n.English(), e.Args))
}

// retitled is err's page with the catalog message titleID as its title (what was not done),
// shown in the person's language by the error adaptor.
func retitled(err error, titleID string) *Error {
	he := *Classify(err) // a copy: Classify may return an *Error the caller still holds
	he.setTitle(titleID)
	return &he
}

func (e *Error) setMsg(msg string) {
	if i18n.Has(msg) {
		e.MsgID, e.Msg = msg, i18n.EnglishText(msg, resolveArgs(i18n.English(), e.Args))
		return
	}
	e.MsgID, e.Msg = "", msg
}

// The sentences people read in more than one place. Each is said once, here, so the same
// situation is always explained the same way. All are catalog ids (i18n/catalog/*/common.toml):
// an Error carries the id and the error adaptor shows it in the person's language; other code
// puts it into a view model through tr.
const (
	// MsgNeedsAdmin refuses a helpdesk member an admin-only action (routes and handlers).
	MsgNeedsAdmin = "error.needs_admin"
	// MsgStaffOnly refuses the admin console to someone with neither role.
	MsgStaffOnly = "error.staff_only"
	// msgSignInUnavailable: the session store failed during a sign-in step.
	msgSignInUnavailable = "error.sign_in_unavailable"
	// msgSessionEnded sends someone whose session is gone to sign in.
	msgSessionEnded = "error.session_ended"
	// msgSearchTooLong refuses a search box over its bound.
	msgSearchTooLong = "error.search_too_long"
	// msgBrokenPageLink refuses a paging link that was tampered with.
	msgBrokenPageLink = "error.broken_page_link"
	// msgLanguageUnknown refuses a language the menu does not offer.
	msgLanguageUnknown = "error.language_unknown"
	// msgSessionCheck: the session store cannot answer.
	msgSessionCheck = "error.session_check"

	// msgFixOne and msgFixMany introduce the field errors of a form shown again.
	msgFixOne  = "form.fix_one"
	msgFixMany = "form.fix_many"
	// msgNotCurrentPassword marks a wrong current password, whichever form it was typed in.
	msgNotCurrentPassword = "form.not_current_password"
	// msgAnswerInQuestion refuses a recovery answer that appears in its question (Okta's rule).
	msgAnswerInQuestion = "form.answer_in_question"
	// msgNothingChangedYet heads a confirmation shown again because something needs correcting.
	msgNothingChangedYet = "form.nothing_changed_yet"
)

// fixText introduces the n field errors of a form shown again.
func fixText(ctx context.Context, n int) string {
	if n == 1 {
		return tr(ctx, msgFixOne)
	}
	return tr(ctx, msgFixMany)
}

// NotFound reports a missing page or person.
func NotFound(msg string) *Error {
	return newError(http.StatusNotFound, "error.not_found.title", msg, nil)
}

// Forbidden reports that the person may not do this.
func Forbidden(msg string) *Error {
	return newError(http.StatusForbidden, "error.not_allowed.title", msg, nil)
}

// MethodNotAllowed reports a request with a method the address does not take.
func MethodNotAllowed() *Error {
	return newError(http.StatusMethodNotAllowed, "error.not_allowed.title", "error.wrong_method", nil)
}

// badRequest reports a request that cannot be acted on as sent.
func badRequest(msg string) *Error {
	return newError(http.StatusBadRequest, "error.bad_request.title", msg, nil)
}

// tooMany reports a rate limit hit by this person or client.
func tooMany(msg string, args map[string]any, retryAfter time.Duration) *Error {
	e := newError(http.StatusTooManyRequests, "error.too_many.title", msg, args)
	e.RetryAfter = retryAfter
	return e
}

// Unavailable reports that a dependency (Okta, the session store) cannot serve the request now.
func Unavailable(msg string, err error) *Error {
	e := newError(http.StatusServiceUnavailable, "error.unavailable.title", msg, nil)
	e.Err = err
	return e
}

// Classify turns any error into an *Error with words for the person. Errors from Okta keep
// their meaning (busy, down, slow) without exposing Okta's own text.
func Classify(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	var ce *client.Error
	errors.As(err, &ce)
	switch {
	case errors.Is(err, client.ErrConcurrencyLimited):
		// Too many requests in flight at Okta, from every integration of the org: no bucket
		// is spent, and a slot frees within moments (the client already retried a read
		// twice). Okta's reset is only a suggestion, so the page asks for seconds, not a minute.
		e := Unavailable("error.okta_concurrency.msg", err)
		e.setTitle("error.okta_busy.title")
		e.RetryAfter = 5 * time.Second
		return e
	case errors.Is(err, client.ErrRateLimited):
		// Okta's 429, or a GET the client's budget guard did not send because Okta had said
		// its bucket was empty: either way Okta asked to slow down.
		e := Unavailable("error.okta_busy.msg", err)
		e.setTitle("error.okta_busy.title")
		e.RetryAfter = client.RetryAfter(err)
		if e.RetryAfter <= 0 {
			e.RetryAfter = 30 * time.Second
		}
		return e
	case errors.Is(err, client.ErrBusy):
		e := Unavailable("error.busy", err)
		e.RetryAfter = 5 * time.Second
		return e
	case errors.Is(err, context.DeadlineExceeded):
		e := newError(http.StatusGatewayTimeout, "error.okta_slow.title", "error.okta_slow.msg", nil)
		e.Err = err
		return e
	case errors.Is(err, client.ErrUnavailable):
		e := Unavailable("error.okta_down.msg", err)
		e.setTitle("error.okta_down.title")
		e.RetryAfter = 30 * time.Second
		return e
	case errors.Is(err, client.ErrMissingScope):
		return missingScope(ce, err)
	case errors.Is(err, client.ErrServiceCredential):
		e := newError(http.StatusBadGateway, "error.service_credential.title", "error.service_credential.msg", nil)
		e.Err = err
		return e
	case errors.Is(err, client.ErrUnauthorized):
		e := newError(http.StatusUnauthorized, "error.unauthorized.title", "error.unauthorized.msg", nil)
		e.Err, e.SignIn = err, true
		return e
	case errors.Is(err, client.ErrNotFound):
		e := NotFound("error.no_account")
		e.Err = err
		return e
	}
	e := newError(http.StatusInternalServerError, "error.internal.title", "error.internal.msg", nil)
	e.Err = err
	return e
}

// missingScope explains Okta's 403 insufficient_scope: Gatehouse's credential was not granted
// the OAuth scope the call needs. Okta names the scope; so does the page and the log line.
func missingScope(ce *client.Error, err error) *Error {
	msg, args := "error.missing_scope.unnamed", map[string]any(nil)
	if ce != nil && ce.Scope != "" {
		msg, args = "error.missing_scope.named", map[string]any{"Scope": ce.Scope}
	}
	e := newError(http.StatusBadGateway, "error.missing_scope.title", msg, args)
	e.Err = err
	return e
}
