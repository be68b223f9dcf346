package client_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

var allSentinels = map[string]error{
	"ErrNotFound":      client.ErrNotFound,
	"ErrInvalid":       client.ErrInvalid,
	"ErrForbidden":     client.ErrForbidden,
	"ErrUnauthorized":  client.ErrUnauthorized,
	"ErrRateLimited":   client.ErrRateLimited,
	"ErrInvalidStatus": client.ErrInvalidStatus,
	"ErrUnavailable":   client.ErrUnavailable,
	"ErrBusy":          client.ErrBusy,
	"ErrCircuitOpen":   client.ErrCircuitOpen,

	"ErrTransitioning":      client.ErrTransitioning,
	"ErrPasswordPolicy":     client.ErrPasswordPolicy,
	"ErrFeatureDisabled":    client.ErrFeatureDisabled,
	"ErrConcurrencyLimited": client.ErrConcurrencyLimited,

	"ErrInvalidPasscode":       client.ErrInvalidPasscode,
	"ErrFactorAlreadyEnrolled": client.ErrFactorAlreadyEnrolled,
	"ErrReadOnlyAttribute":     client.ErrReadOnlyAttribute,
	"ErrProfileMastered":       client.ErrProfileMastered,
	"ErrMembershipRefused":     client.ErrMembershipRefused,
}

// TestErrorMapping checks that each documented Okta error becomes an *Error with
// its fields and matches exactly the intended sentinels.
func TestErrorMapping(t *testing.T) {
	suspend := func(ctx context.Context, c *client.Client) error { return ok(c.Suspend(ctx, userID)) }
	getUser := func(ctx context.Context, c *client.Client) error { _, err := c.GetUser(ctx, "nobody"); return err }
	tests := []struct {
		name       string
		call       func(ctx context.Context, c *client.Client) error
		status     int
		body       string
		extra      []string
		op         string
		code       string
		causes     []string
		want       []string // sentinels that must match; all others must not
		retryAfter time.Duration
		message    string // expected Error() text
	}{
		{
			name: "404 unknown user", call: getUser, status: 404, body: errNotFoundJSON,
			op: "getUser", code: "E0000007", want: []string{"ErrNotFound"},
			message: "okta: getUser: 404 E0000007 Not found: Resource not found: nobody (User)",
		},
		{
			name: "400 duplicate login on create",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.CreateUser(ctx, client.NewUser{Profile: client.Profile{Login: "ada@example.com"}, Password: "Secret-Passw0rd"}, true)
				return err
			},
			status: 400, body: errDuplicateLoginJSON, op: "createUser", code: "E0000001",
			causes:  []string{"login: An object with this field already exists in the current organization"},
			want:    []string{"ErrInvalid"},
			message: "okta: createUser: 400 E0000001 Api validation failed: login: login: An object with this field already exists in the current organization",
		},
		{
			name: "403 E0000014 password policy on change password",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ChangePassword(ctx, userID, "Old-Secret-1", "new-secret", client.ChangePasswordOptions{})
				return err
			},
			status: 403, body: errCredentialsJSON, op: "changePassword", code: "E0000014",
			causes: []string{"Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username."},
			want:   []string{"ErrForbidden", "ErrPasswordPolicy"},
		},
		{
			name: "403 E0000016 activate an active user",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.Activate(ctx, userID, false)
				return err
			},
			status: 403, body: errAlreadyActiveJSON, op: "activateUser", code: "E0000016",
			want: []string{"ErrForbidden", "ErrInvalidStatus"},
		},
		{
			name: "400 suspend a user that is not active", call: suspend, status: 400, body: errSuspendJSON,
			op: "suspendUser", code: "E0000001", causes: []string{"Cannot suspend a user that is not active"},
			want: []string{"ErrInvalid", "ErrInvalidStatus"},
		},
		{
			name:   "400 unsuspend a user that is not suspended",
			call:   func(ctx context.Context, c *client.Client) error { return ok(c.Unsuspend(ctx, userID)) },
			status: 400, body: errUnsuspendJSON, op: "unsuspendUser", code: "E0000001",
			causes: []string{"Cannot unsuspend a user that is not suspended"},
			want:   []string{"ErrInvalid", "ErrInvalidStatus"},
		},
		{
			name:   "403 E0000032 unlock a user that is not locked",
			call:   func(ctx context.Context, c *client.Client) error { return ok(c.Unlock(ctx, userID)) },
			status: 403, body: errUnlockJSON, op: "unlockUser", code: "E0000032",
			causes: []string{"The user is not locked out."},
			want:   []string{"ErrForbidden", "ErrInvalidStatus"},
		},
		{
			name: "403 E0000034 forgot password not allowed",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ForgotPassword(ctx, userID, true)
				return err
			},
			status: 403, body: errorJSON("E0000034", "Forgot password not allowed on specified user."),
			op: "forgotPassword", code: "E0000034", want: []string{"ErrForbidden", "ErrInvalidStatus"},
		},
		{
			name: "403 E0000038 status conflict", call: suspend, status: 403,
			body: errorJSON("E0000038", "This operation is not allowed in the user's current status."),
			op:   "suspendUser", code: "E0000038", want: []string{"ErrForbidden", "ErrInvalidStatus"},
		},
		{
			name: "403 E0000006 missing permission", call: getUser, status: 403,
			body: errorJSON("E0000006", "You do not have permission to perform the requested action"),
			op:   "getUser", code: "E0000006", want: []string{"ErrForbidden"},
		},
		{
			name: "401 E0000011 invalid token", call: getUser, status: 401, body: errInvalidTokenJSON,
			op: "getUser", code: "E0000011", want: []string{"ErrUnauthorized"},
		},
		{
			name: "429 E0000047 on a mutation", call: suspend, status: 429, body: errRateLimitJSON,
			extra: []string{"X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", strconv.FormatInt(okDate.Unix()+9, 10)},
			op:    "suspendUser", code: "E0000047", want: []string{"ErrRateLimited"}, retryAfter: 10 * time.Second,
		},
		{
			name: "500 E0000009", call: suspend, status: 500, body: errServerJSON,
			op: "suspendUser", code: "E0000009", want: []string{"ErrUnavailable"},
		},
		{
			name: "502 with an HTML body from a proxy", call: suspend, status: 502,
			body:  "<html><body>Bad gateway: secret-internal-hostname</body></html>",
			extra: []string{"Content-Type", "text/html"},
			op:    "suspendUser", want: []string{"ErrUnavailable"},
			message: "okta: suspendUser: 502 Bad Gateway",
		},
		{
			name: "400 with truncated JSON", call: suspend, status: 400, body: `{"errorCode":"E00000`,
			op: "suspendUser", want: []string{"ErrInvalid"}, message: "okta: suspendUser: 400 Bad Request",
		},
		{
			name: "404 with an empty body", call: getUser, status: 404, body: "",
			op: "getUser", want: []string{"ErrNotFound"}, message: "okta: getUser: 404 Not Found",
		},
		{
			name: "400 with an oversize body", call: suspend, status: 400,
			body: errSuspendJSON + strings.Repeat(" ", 1<<20), // valid JSON, but too big to trust
			op:   "suspendUser", want: []string{"ErrInvalid"}, message: "okta: suspendUser: 400 Bad Request",
		},
		{
			name: "403 E0000068 wrong passcode",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ActivateFactor(ctx, userID, "ostf1fmaMGJLMNGNLIVG", "123456")
				return err
			},
			status: 403, body: `{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorLink":"E0000068","errorId":"oaei_IfXcpnTHit_YEKGInpFw","errorCauses":[{"errorSummary":"Your passcode doesn't match our records. Please try again."}]}`,
			op: "activateFactor", code: "E0000068", causes: []string{"Your passcode doesn't match our records. Please try again."},
			want: []string{"ErrForbidden", "ErrInvalidPasscode"},
		},
		{
			name: "400 a factor of this type is already set up",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.EnrollTOTP(ctx, userID, client.FactorProviderGoogle)
				return err
			},
			status: 400, body: `{"errorCode":"E0000001","errorSummary":"Api validation failed: factorEnrollRequest","errorLink":"E0000001","errorId":"oaeneEaQF8qQrepOWHSkdoejw","errorCauses":[{"errorSummary":"A factor of this type is already set up."}]}`,
			op: "enrollFactor", code: "E0000001", causes: []string{"A factor of this type is already set up."},
			want: []string{"ErrInvalid", "ErrFactorAlreadyEnrolled"},
		},
		{
			name: "403 E0000077 read-only attribute",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdateUserProfile(ctx, "me", map[string]any{"title": "Boss"})
				return err
			},
			status: 403, body: errorJSON("E0000077", "Cannot modify the title attribute because it is read-only."),
			op: "updateProfile", code: "E0000077", want: []string{"ErrForbidden", "ErrReadOnlyAttribute"},
		},
		{
			name: "403 E0000023 profile mastered by a directory",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.UpdateUserProfile(ctx, userID, map[string]any{"title": "Boss"})
				return err
			},
			status: 403, body: errorJSON("E0000023", "Operation failed because user profile is mastered under another system"),
			op: "updateProfile", code: "E0000023", want: []string{"ErrForbidden", "ErrProfileMastered"},
		},
		{
			name: "403 E0000006 on a membership change: an app group",
			call: func(ctx context.Context, c *client.Client) error {
				return c.AddUserToGroup(ctx, "00g1emaKYZTWRYYRRTSK", userID)
			},
			status: 403, body: errorJSON("E0000006", "You do not have permission to perform the requested action"),
			op: "addUserToGroup", code: "E0000006", want: []string{"ErrForbidden", "ErrMembershipRefused"},
		},
		{
			name: "409 E0000112 still activating", call: suspend, status: 409,
			body: errorJSON("E0000112", "Cannot update this user because they are still being activated."),
			op:   "suspendUser", code: "E0000112", want: []string{"ErrTransitioning"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, always(tt.status, tt.body, tt.extra...))
			c := newClient(t, f, nil)

			err := tt.call(t.Context(), c)

			require.Error(t, err)
			var oe *client.Error
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tt.status, oe.StatusCode)
			assert.Equal(t, tt.op, oe.Op)
			assert.Equal(t, tt.code, oe.Code)
			assert.Equal(t, tt.causes, oe.Causes)
			assert.Equal(t, "reqVy8wsvmBQN27h4soUE3ZEnA", oe.RequestID)
			assert.Equal(t, tt.retryAfter, oe.RetryAfter)
			if tt.code != "" {
				assert.Equal(t, tt.code, oe.Link)
				assert.NotEmpty(t, oe.ID)
				assert.NotEmpty(t, oe.Summary)
			}
			want := map[string]bool{}
			for _, w := range tt.want {
				want[w] = true
			}
			for name, s := range allSentinels {
				assert.Equal(t, want[name], errors.Is(err, s), "errors.Is(err, %s)", name)
			}
			if tt.message != "" {
				assert.Equal(t, tt.message, err.Error())
			}
			assert.NotContains(t, err.Error(), "secret", "never echo bodies or request secrets")
			assert.Equal(t, 1, f.count(), "no retry")
		})
	}
}

// TestErrorNeverContainsRequestSecrets sends secrets in the request body and
// checks the error text stays free of them.
func TestErrorNeverContainsRequestSecrets(t *testing.T) {
	f := newFake(t, always(http.StatusForbidden, errCredentialsJSON))
	c := newClient(t, f, nil)
	_, err := c.ChangePassword(t.Context(), userID, "Old-Hunter2-Pw", "New-Hunter3-Pw", client.ChangePasswordOptions{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "Hunter2")
	assert.NotContains(t, err.Error(), "Hunter3")
	assert.NotContains(t, err.Error(), testToken)
}

func TestSentinelHierarchy(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{name: "busy is unavailable", err: client.ErrBusy, target: client.ErrUnavailable, want: true},
		{name: "circuit open is unavailable", err: client.ErrCircuitOpen, target: client.ErrUnavailable, want: true},
		{name: "unavailable is not busy", err: client.ErrUnavailable, target: client.ErrBusy, want: false},
		{name: "busy is not circuit open", err: client.ErrBusy, target: client.ErrCircuitOpen, want: false},
		{name: "5xx *Error is not circuit open", err: &client.Error{StatusCode: 503}, target: client.ErrCircuitOpen, want: false},
		{name: "E0000017 is an invalid status", err: &client.Error{StatusCode: 403, Code: "E0000017"}, target: client.ErrInvalidStatus, want: true},
		{name: "E0000035 is an invalid status", err: &client.Error{StatusCode: 403, Code: "E0000035"}, target: client.ErrInvalidStatus, want: true},
		{name: "E0000036 is an invalid status", err: &client.Error{StatusCode: 403, Code: "E0000036"}, target: client.ErrInvalidStatus, want: true},
		{name: "other E0000001 causes are not", err: &client.Error{StatusCode: 400, Code: "E0000001", Causes: []string{"firstName: The field cannot be left blank"}}, target: client.ErrInvalidStatus, want: false},
		{name: "4xx is not unavailable", err: &client.Error{StatusCode: 404}, target: client.ErrUnavailable, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, errors.Is(tt.err, tt.target))
		})
	}
}

// TestFieldCauses: Okta's validation causes grouped by the attribute they name, the
// summary's attribute taking causes without a prefix.
func TestFieldCauses(t *testing.T) {
	tests := []struct {
		name string
		e    client.Error
		want map[string][]string
	}{
		{name: "prefixed causes", e: client.Error{Summary: "Api validation failed: login", Causes: []string{
			"login: An object with this field already exists in the current organization", "firstName: The field cannot be left blank"}},
			want: map[string][]string{"login": {"An object with this field already exists in the current organization"}, "firstName": {"The field cannot be left blank"}}},
		{name: "a cause without a prefix belongs to the summary's attribute", e: client.Error{Summary: "Api validation failed: password",
			Causes: []string{"Password requirements were not met. Password requirements: at least 8 characters."}},
			want: map[string][]string{"password": {"Password requirements were not met. Password requirements: at least 8 characters."}}},
		{name: "no attribute at all", e: client.Error{Summary: "Update of credentials failed", Causes: []string{"Old Password is not correct"}},
			want: map[string][]string{"": {"Old Password is not correct"}}},
		{name: "a sentence with a colon is not an attribute", e: client.Error{Summary: "Api validation failed: factorEnrollRequest",
			Causes: []string{"Note this: a factor of this type is already set up."}},
			want: map[string][]string{"factorEnrollRequest": {"Note this: a factor of this type is already set up."}}},
		{name: "no causes", e: client.Error{Summary: "Api validation failed: login"}, want: map[string][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.e.FieldCauses())
		})
	}
}
