package oktatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Okta error codes used by the emulator (USERS-API.md §6).
const (
	codeValidation       = "E0000001"
	codeMalformedBody    = "E0000003"
	codeForbidden        = "E0000006"
	codeNotFound         = "E0000007"
	codeInternal         = "E0000009"
	codeReadOnly         = "E0000010"
	codeInvalidToken     = "E0000011"
	codeCredentials      = "E0000014"
	codeFeatureDisabled  = "E0000015"
	codeAlreadyActive    = "E0000016"
	codeResetFailed      = "E0000017"
	codeMethod           = "E0000022"
	codeBadCursor        = "E0000029"
	codeUnlockNotAllowed = "E0000032"
	codeBadFilter        = "E0000031"
	codeSearchAndFilter  = "E0000033"
	codeForgotNotAllowed = "E0000034"
	codeChangePwNotAllow = "E0000035"
	codeChangeRQNotAllow = "E0000036"
	codeStatusConflict   = "E0000038"
	codeRateLimited      = "E0000047"
	codeUnsupported      = "E0000060"
	codeTooManyTargets   = "E0000093"
	codeNextLoginNoPw    = "E0000124"
	codeNextLoginStaged  = "E0000125"
	codeStillActivating  = "E0000112"
	codeNotAcceptable    = "E0000149"
	codeProfileMastered  = "E0000023"
	codeInvalidPasscode  = "E0000068"
	codeReadOnlyAttr     = "E0000077"
	codeEnumMismatch     = "E0000123"
)

const contentTypeJSON = "application/json;charset=UTF-8"

// summaryFor returns Okta's errorSummary for a code.
func summaryFor(code string) string {
	switch code {
	case codeValidation:
		return "Api validation failed"
	case codeMalformedBody:
		return "The request body was not well-formed."
	case codeForbidden:
		return "You do not have permission to perform the requested action"
	case codeNotFound:
		return "Not found: Resource not found"
	case codeInternal:
		return "Internal Server Error"
	case codeReadOnly:
		return "Service is in read only mode"
	case codeInvalidToken:
		return "Invalid token provided"
	case codeCredentials:
		return "Update of credentials failed"
	case codeFeatureDisabled:
		return "You do not have permission to access the feature you are requesting"
	case codeAlreadyActive:
		return "Activation failed because the user is already active"
	case codeResetFailed:
		return "Password reset failed"
	case codeMethod:
		return "The endpoint does not support the provided HTTP method"
	case codeBadCursor:
		return "Invalid paging request"
	case codeBadFilter:
		return "Bad request. Invalid filter parameter."
	case codeUnlockNotAllowed:
		return "Unlock is not allowed for this user."
	case codeSearchAndFilter:
		return "Can't specify a search query and filter in the same request."
	case codeForgotNotAllowed:
		return "Forgot password not allowed on specified user."
	case codeChangePwNotAllow:
		return "Change password not allowed on specified user."
	case codeChangeRQNotAllow:
		return "Change recovery question not allowed on specified user."
	case codeStatusConflict:
		return "This operation is not allowed in the user's current status."
	case codeRateLimited:
		return "API call exceeded rate limit due to too many requests."
	case codeUnsupported:
		return "Unsupported operation."
	case codeTooManyTargets:
		return "Target count limit exceeded"
	case codeNextLoginNoPw:
		return "Could not create user. To create a user and expire their password immediately, a password must be specified"
	case codeNextLoginStaged:
		return "Could not create user. To create a user and expire their password immediately, activate must be true"
	case codeStillActivating:
		return "Cannot update this user because they are still being activated. Please try again in a few minutes."
	case codeNotAcceptable:
		return "The HTTP request is not acceptable"
	case codeProfileMastered:
		return "Operation failed because user profile is mastered under another system"
	case codeInvalidPasscode:
		return "Invalid Passcode/Answer"
	case codeEnumMismatch:
		return "Array specified in enum field must match const values specified in oneOf field."
	default:
		return "Error"
	}
}

// codeForStatus is the error code a fault uses when it names only a status:
// the code Okta's error-code reference pairs with that status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeValidation
	case http.StatusUnauthorized:
		return codeInvalidToken
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethod
	case http.StatusNotAcceptable:
		return codeNotAcceptable
	case http.StatusConflict:
		return codeStillActivating
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusNotImplemented:
		return codeUnsupported
	case http.StatusServiceUnavailable:
		return codeReadOnly
	default:
		// Unconfirmed: Okta documents E0000009 for 500 only; the emulator uses it
		// for every other injected status.
		return codeInternal
	}
}

type errorCauseJSON struct {
	ErrorSummary string `json:"errorSummary"`
}

type errorJSON struct {
	ErrorCode    string           `json:"errorCode"`
	ErrorSummary string           `json:"errorSummary"`
	ErrorLink    string           `json:"errorLink"`
	ErrorID      string           `json:"errorId"`
	ErrorCauses  []errorCauseJSON `json:"errorCauses"`
}

// oktaError is a failure of an API call, rendered as Okta's error object.
type oktaError struct {
	status  int
	code    string
	summary string
	causes  []string
	header  http.Header // extra headers, e.g. WWW-Authenticate
}

func (e *oktaError) Error() string { return fmt.Sprintf("%d %s %s", e.status, e.code, e.summary) }

func apiError(status int, code string, causes ...string) *oktaError {
	return &oktaError{status: status, code: code, summary: summaryFor(code), causes: causes}
}

// validationError is Okta's 400 E0000001 "Api validation failed: {field}".
func validationError(field string, causes ...string) *oktaError {
	return &oktaError{status: http.StatusBadRequest, code: codeValidation,
		summary: "Api validation failed: " + field, causes: causes}
}

func notFoundUser(ref string) *oktaError {
	return &oktaError{status: http.StatusNotFound, code: codeNotFound,
		summary: "Not found: Resource not found: " + ref + " (User)"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, status, contentTypeJSON, v)
}

// writeJSONAs writes v as JSON with the given content type.
func writeJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Okta does not escape "&" or "<" in URLs inside JSON.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeOktaError(w http.ResponseWriter, e *oktaError) {
	writeOktaErrorAs(w, e, contentTypeJSON)
}

// writeOktaErrorAs writes Okta's error object with the given content type.
func writeOktaErrorAs(w http.ResponseWriter, e *oktaError, contentType string) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	causes := make([]errorCauseJSON, 0, len(e.causes))
	for _, c := range e.causes {
		causes = append(causes, errorCauseJSON{ErrorSummary: c})
	}
	writeJSONAs(w, e.status, contentType, errorJSON{
		ErrorCode:    e.code,
		ErrorSummary: e.summary,
		ErrorLink:    e.code,
		ErrorID:      newErrorID(),
		ErrorCauses:  causes,
	})
}

// writeOAuthError writes an RFC 6749 error body.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
