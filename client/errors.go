package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Sentinels that errors returned by the Client match with errors.Is.
var (
	// ErrNotFound matches Okta's HTTP 404 (E0000007: no such user).
	ErrNotFound = errors.New("okta: not found")
	// ErrInvalid matches Okta's HTTP 400 (validation failures) and arguments the
	// Client rejects before sending anything, such as an empty user id.
	ErrInvalid = errors.New("okta: invalid request")
	// ErrForbidden matches Okta's HTTP 403.
	ErrForbidden = errors.New("okta: forbidden")
	// ErrUnauthorized matches Okta's HTTP 401 (E0000011: invalid token).
	ErrUnauthorized = errors.New("okta: unauthorized")
	// ErrRateLimited matches Okta's HTTP 429 (E0000047).
	ErrRateLimited = errors.New("okta: rate limited")
	// ErrInvalidStatus matches the errors Okta returns when an operation is not
	// allowed in the user's current status (e.g. activating an active user,
	// unlocking a user who is not locked out, suspending one who is not active).
	ErrInvalidStatus = errors.New("okta: operation not allowed in the user's current status")
	// ErrTransitioning matches Okta's 409 E0000112: the user is still being
	// activated or deactivated (User.TransitioningToStatus); try again later.
	ErrTransitioning = errors.New("okta: the user's status is still changing")
	// ErrPasswordPolicy matches a new password that Okta's password policy
	// refused: E0000080, or E0000014 / E0000001 whose causes are policy texts
	// (requirements, history, common passwords, minimum age). Okta's causes
	// (Error.Causes) say which rule; show them.
	ErrPasswordPolicy = errors.New("okta: the password policy refused the new password")
	// ErrFeatureDisabled matches Okta's 401 E0000015: the org does not have the
	// feature (for example the MyAccount API on a Classic org).
	ErrFeatureDisabled = errors.New("okta: the org does not have this feature")
	// ErrConcurrencyLimited matches a 429 for Okta's concurrency limit (too many
	// requests in flight org-wide), which reports X-Rate-Limit-Limit 0. It also
	// matches ErrRateLimited.
	ErrConcurrencyLimited error = &sentinel{msg: "okta: too many requests in flight at Okta", parent: ErrRateLimited}
	// ErrBudgetSpent means the Client refused a GET without sending it: Okta's last answer
	// for the call's rate-limit bucket said the bucket was empty, and it has not reset yet
	// (WithBudgetGuard). RetryAfter says for how long. It also matches ErrRateLimited.
	ErrBudgetSpent error = &sentinel{msg: "okta: rate-limit bucket spent", parent: ErrRateLimited}
	// ErrUnavailable matches every failure to get an answer from Okta: 5xx, network
	// errors, timeouts, cancellation, an open circuit breaker and ErrBusy.
	ErrUnavailable = errors.New("okta: unavailable")
	// ErrBusy means the concurrency cap was reached and no slot freed up in time.
	// It also matches ErrUnavailable.
	ErrBusy error = &sentinel{msg: "okta: too many requests in flight", parent: ErrUnavailable}
	// ErrCircuitOpen means the circuit breaker is open and the call was refused
	// without contacting Okta. It also matches ErrUnavailable.
	ErrCircuitOpen error = &sentinel{msg: "okta: circuit breaker open", parent: ErrUnavailable}
	// ErrMissingScope matches Okta's 403 for an OAuth access token that lacks the scope the
	// operation needs (WWW-Authenticate error="insufficient_scope"); Error.Scope names it.
	// It also matches ErrForbidden.
	ErrMissingScope error = &sentinel{msg: "okta: the access token lacks a required scope", parent: ErrForbidden}
	// ErrInvalidPasscode matches Okta's 403 for a wrong one-time code when activating or
	// verifying a factor (E0000068 "Invalid Passcode/Answer"), a code used twice (E0000082)
	// or one outside the time window (E0000083).
	ErrInvalidPasscode = errors.New("okta: the passcode is not right")
	// ErrFactorAlreadyEnrolled matches Okta's 400 for enrolling a factor of a type and
	// provider the person already has (cause "A factor of this type is already set up.").
	// It also matches ErrInvalid.
	ErrFactorAlreadyEnrolled error = &sentinel{msg: "okta: a factor of this type is already set up", parent: ErrInvalid}
	// ErrReadOnlyAttribute matches Okta's 403 for a profile attribute the caller may not
	// change: E0000077 (read-only: a person's own token and an attribute the schema does
	// not let SELF write) or E0000078 (immutable). It also matches ErrForbidden.
	ErrReadOnlyAttribute error = &sentinel{msg: "okta: the attribute is read-only", parent: ErrForbidden}
	// ErrProfileMastered matches Okta's 403 E0000023: the person's profile is mastered by
	// a directory (Active Directory, LDAP), which owns the attribute. It also matches
	// ErrForbidden.
	ErrProfileMastered error = &sentinel{msg: "okta: the profile is mastered by another system", parent: ErrForbidden}
	// ErrMembershipRefused matches Okta's 403 to a group membership change that is not about
	// a missing scope: the group is an APP_GROUP or BUILT_IN (Okta manages memberships of
	// OKTA_GROUPs only), or the credential's admin role does not cover it. It also matches
	// ErrForbidden.
	ErrMembershipRefused error = &sentinel{msg: "okta: the group membership cannot be changed", parent: ErrForbidden}
	// ErrServiceCredential matches a refusal of the OAuth service app at Okta's token endpoint
	// (invalid_client, consent_required, invalid_scope, ...): a configuration problem that
	// retrying does not fix. See *TokenError.
	ErrServiceCredential = errors.New("okta: the service app credential was refused")
)

// sentinel is a sentinel error that also matches a broader one.
type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

// invalidStatusCode reports whether an Okta error code means "not in this status"
// (USERS-API.md §5.2 and §6).
func invalidStatusCode(code string) bool {
	switch code {
	case "E0000016", // activation failed because the user is already active
		"E0000017", // password reset failed
		"E0000032", // unlock is not allowed for this user
		"E0000034", // forgot password not allowed on specified user
		"E0000035", // change password not allowed on specified user
		"E0000036", // change recovery question not allowed on specified user
		"E0000038": // operation not allowed in the user's current status
		return true
	}
	return false
}

// Error is an error response from Okta: an HTTP status, usually with Okta's
// error object. Only Code is meant for program flow; Summary and Causes are
// human text that Okta may change.
type Error struct {
	StatusCode int
	Code       string   // errorCode, e.g. "E0000007"
	Summary    string   // errorSummary
	Link       string   // errorLink (today it repeats errorCode)
	ID         string   // errorId, unique per failure
	Causes     []string // errorCauses[].errorSummary
	RequestID  string   // the X-Okta-Request-Id response header
	// RetryAfter is, for 429, how long Okta asks us to wait, when the rate-limit
	// headers say so; zero otherwise.
	RetryAfter time.Duration
	// RateLimit is what the response's X-Rate-Limit-* headers said (Known false
	// without them); a concurrency 429 has Limit 0.
	RateLimit RateLimit
	Op        string // the operation, e.g. "getUser"
	// AuthError is the error parameter of Okta's WWW-Authenticate challenge, when it sent one:
	// "invalid_token", "insufficient_scope", "use_dpop_nonce", "invalid_dpop_proof".
	AuthError string
	// Scope is, with AuthError "insufficient_scope", the scope Okta says the call needs
	// (its challenge's scope parameter); "" if Okta did not name one.
	Scope string
}

// Error returns "okta: <op>: <status> <code> <summary>: <causes>". It never
// contains a request body.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("okta: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	summary := e.Summary
	if summary == "" {
		summary = http.StatusText(e.StatusCode)
	}
	if summary != "" {
		b.WriteString(" ")
		b.WriteString(summary)
	}
	if len(e.Causes) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Causes, "; "))
	}
	if e.AuthError == "insufficient_scope" {
		if e.Scope != "" {
			b.WriteString(": the access token lacks the scope " + e.Scope)
		} else {
			b.WriteString(": the access token lacks a required scope (Okta did not name it)")
		}
	} else if e.AuthError != "" {
		b.WriteString(" (" + e.AuthError + ")")
	}
	return b.String()
}

// Is lets errors.Is match an *Error against the package's sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrInvalid:
		return e.StatusCode == http.StatusBadRequest
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrMissingScope:
		return e.StatusCode == http.StatusForbidden && e.AuthError == "insufficient_scope"
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrConcurrencyLimited:
		return e.StatusCode == http.StatusTooManyRequests && e.RateLimit.Concurrency()
	case ErrUnavailable:
		return e.StatusCode >= 500
	case ErrInvalidStatus:
		return e.isInvalidStatus()
	case ErrTransitioning:
		return e.StatusCode == http.StatusConflict && e.Code == "E0000112"
	case ErrPasswordPolicy:
		return e.isPasswordPolicy()
	case ErrFeatureDisabled:
		return e.Code == "E0000015"
	case ErrInvalidPasscode:
		return e.Code == "E0000068" || e.Code == "E0000082" || e.Code == "E0000083"
	case ErrFactorAlreadyEnrolled:
		return e.StatusCode == http.StatusBadRequest && e.hasCause("a factor of this type is already set up")
	case ErrReadOnlyAttribute:
		return e.Code == "E0000077" || e.Code == "E0000078"
	case ErrProfileMastered:
		return e.Code == "E0000023"
	case ErrMembershipRefused:
		return e.StatusCode == http.StatusForbidden && e.AuthError != "insufficient_scope" &&
			(e.Op == "addUserToGroup" || e.Op == "removeUserFromGroup")
	}
	return false
}

// hasCause reports whether a cause starts with prefix (case-insensitively).
func (e *Error) hasCause(prefix string) bool {
	for _, c := range e.Causes {
		if strings.HasPrefix(strings.ToLower(c), prefix) {
			return true
		}
	}
	return false
}

// FieldCauses groups Okta's validation causes by the profile attribute they name: Okta
// writes each as "attribute: message" ("mobilePhone: The field must be between 0 and 100
// characters"), and names the first attribute in the summary ("Api validation failed:
// mobilePhone"), which also takes causes without a prefix. Causes naming no attribute are
// under "". Show the messages in the person's language from the attribute and Okta's
// code; Okta's texts are for the log.
func (e *Error) FieldCauses() map[string][]string {
	out := map[string][]string{}
	summaryField, _ := strings.CutPrefix(e.Summary, "Api validation failed: ")
	if summaryField == e.Summary || !causeField.MatchString(summaryField) {
		summaryField = ""
	}
	for _, c := range e.Causes {
		field, msg, ok := strings.Cut(c, ": ")
		if !ok || !causeField.MatchString(field) {
			field, msg = summaryField, c
		}
		out[field] = append(out[field], msg)
	}
	return out
}

// causeField is the shape of an attribute name in a cause ("profile.login" included).
var causeField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// passwordPolicyCauses are the beginnings of Okta's policy causes (docs/OKTA.md
// "Password policies" lists where each was observed).
func passwordPolicyCauses() []string {
	return []string{
		"password requirements were not met",
		"password has been used too recently",
		"password cannot be your current password",
		"this password was found in a list of commonly used passwords",
		"password cannot be changed more than once within the minimum password age",
	}
}

// isPasswordPolicy recognises a policy refusal: Okta's dedicated code, or the
// generic codes of the Users API with a policy cause (a cause may carry a
// "password: " field prefix).
func (e *Error) isPasswordPolicy() bool {
	if e.Code == "E0000080" {
		return true
	}
	if e.Code != "E0000014" && e.Code != "E0000001" {
		return false
	}
	for _, c := range e.Causes {
		lc := strings.ToLower(strings.TrimPrefix(c, "password: "))
		for _, p := range passwordPolicyCauses() {
			if strings.HasPrefix(lc, p) {
				return true
			}
		}
	}
	return false
}

// isInvalidStatus recognises status conflicts. Suspend and unsuspend report them
// as a generic 400 E0000001, distinguishable only by the cause text.
func (e *Error) isInvalidStatus() bool {
	if invalidStatusCode(e.Code) {
		return true
	}
	if e.StatusCode != http.StatusBadRequest || e.Code != "E0000001" {
		return false
	}
	for _, c := range e.Causes {
		lc := strings.ToLower(c)
		if strings.HasPrefix(lc, "cannot suspend") || strings.HasPrefix(lc, "cannot unsuspend") {
			return true
		}
	}
	return false
}

// wireError is Okta's error object (USERS-API.md §3.5).
type wireError struct {
	ErrorCode    string `json:"errorCode"`
	ErrorSummary string `json:"errorSummary"`
	ErrorLink    string `json:"errorLink"`
	ErrorID      string `json:"errorId"`
	ErrorCauses  []struct {
		ErrorSummary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

// newError builds an *Error from a non-2xx response. A body that is not Okta's
// error object (an HTML page from a proxy, truncated JSON) still yields an *Error
// with the status, so callers can rely on the sentinels.
func newError(op string, status int, h http.Header, body []byte) *Error {
	e := &Error{Op: op, StatusCode: status, RequestID: h.Get("X-Okta-Request-Id")}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		var c challenge
		e.AuthError, c = authError(h)
		if e.AuthError == "insufficient_scope" {
			e.Scope = c.params["scope"]
		}
	}
	var w wireError
	if len(body) > 0 && json.Unmarshal(body, &w) == nil {
		e.Code, e.Summary, e.Link, e.ID = w.ErrorCode, w.ErrorSummary, w.ErrorLink, w.ErrorID
		for _, c := range w.ErrorCauses {
			if c.ErrorSummary != "" {
				e.Causes = append(e.Causes, c.ErrorSummary)
			}
		}
	}
	return e
}

// RetryAfter returns how long to wait before err's call may be tried again, when the Client
// knows: for Okta's 429 what its rate-limit headers say, for a GET the budget guard refused
// the time until its bucket resets. It returns 0 otherwise.
func RetryAfter(err error) time.Duration {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	var be *budgetError
	if errors.As(err, &be) {
		return be.retryAfter
	}
	return 0
}

// callError is a failure that is not an Okta answer: a network error, a timeout,
// a cancellation, or a call the breaker or the concurrency cap refused. It
// matches kind (ErrUnavailable, ErrBusy or ErrCircuitOpen) and the cause, so
// callers can also test for context.DeadlineExceeded or context.Canceled.
type callError struct {
	op    string
	kind  error
	cause error // may be nil
}

func (e *callError) Error() string {
	msg := "okta: " + e.op + ": " + strings.TrimPrefix(e.kind.Error(), "okta: ")
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

func (e *callError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// unavailable wraps a failure to get an answer from Okta.
func unavailable(op string, cause error) error {
	return &callError{op: op, kind: ErrUnavailable, cause: cause}
}

// TokenError is a refusal from Okta's token endpoint when the service app asked for an
// access token (RFC 6749 §5.2: error and error_description). A 4xx other than 429 matches
// ErrServiceCredential; 429 matches ErrRateLimited and 5xx ErrUnavailable.
type TokenError struct {
	StatusCode  int
	Code        string // error, e.g. "invalid_client", "consent_required"
	Description string // error_description, Okta's words
	RequestID   string // X-Okta-Request-Id
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("okta: service app token request: %d", e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is matches the sentinels by status.
func (e *TokenError) Is(target error) bool {
	switch target {
	case ErrServiceCredential:
		return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode >= 500
	}
	return false
}
