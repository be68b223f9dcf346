package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	usersPath  = "/api/v1/users"
	groupsPath = "/api/v1/groups"
	// maxGroupPages bounds ListUserGroups so a looping next link cannot keep a
	// request busy until its deadline.
	maxGroupPages = 20
)

// ListUsersParams selects a page of users for ListUsers.
type ListUsersParams struct {
	// Status, when set, must be one of the eight statuses (see Status.Valid); it
	// becomes the filter `status eq "STATUS"`. It cannot be combined with Filter.
	// It is a plain string so that a query parameter can be passed as is.
	Status string
	// Filter is a raw Okta filter expression, for advanced use.
	Filter string
	// Search is an Okta search expression (Okta refuses it together with a
	// filter). Values in it are case-insensitive, unlike Filter's; build quoted
	// values with QuoteSearchValue.
	Search string
	// SortBy is the attribute a Search sorts by (e.g. "profile.lastName"); Okta
	// ignores it without Search.
	SortBy string
	// SortDescending sorts a SortBy search in descending order.
	SortDescending bool
	// After is the cursor from a previous page's NextAfter.
	After string
	// Limit is the page size; 0 leaves Okta's default (200).
	Limit int
}

// UserPage is one page of ListUsers.
type UserPage struct {
	Users []User
	// NextAfter is the cursor of the next page, taken from the Link rel="next"
	// header when it points at the org's host; "" on the last page.
	NextAfter string
}

// NewUser is what CreateUser sends. Password and the recovery question are
// optional; String, GoString and LogValue redact the secrets.
type NewUser struct {
	Profile          Profile
	Password         string
	RecoveryQuestion string
	RecoveryAnswer   string
	GroupIDs         []string // at most 20, Okta's limit at creation
	// Provider, when set, creates the user with that credentials provider
	// (?provider=true); Okta documents FEDERATION and SOCIAL, whose users have
	// no password or recovery question.
	Provider *Provider
}

type valueBody struct {
	Value string `json:"value"`
}

type questionBody struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

type credentialsBody struct {
	Password         *valueBody    `json:"password,omitempty"`
	RecoveryQuestion *questionBody `json:"recovery_question,omitempty"`
	Provider         *Provider     `json:"provider,omitempty"`
}

type createUserBody struct {
	Profile     Profile          `json:"profile"`
	GroupIDs    []string         `json:"groupIds,omitempty"`
	Credentials *credentialsBody `json:"credentials,omitempty"`
}

// FindUsers looks users up by a prefix of first name, last name or email
// (GET /api/v1/users?q=). Okta does not paginate it and hides DEPROVISIONED
// users; limit ≤ 0 leaves Okta's default of 10.
func (c *Client) FindUsers(ctx context.Context, q string, limit int) ([]User, error) {
	query := url.Values{"q": {q}}
	setLimit(query, limit)
	var users []User
	if _, err := c.call(ctx, request{op: "findUsers", method: http.MethodGet, path: usersPath, query: query}, &users); err != nil {
		return nil, err
	}
	return users, nil
}

// ListUsers returns one page of users (GET /api/v1/users?filter=&search=&after=&limit=).
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) (UserPage, error) {
	const op = "listUsers"
	query := url.Values{}
	switch {
	case p.Status != "" && p.Filter != "":
		return UserPage{}, invalidArg(op, "set Status or Filter, not both")
	case p.Status != "":
		if !Status(p.Status).Valid() {
			return UserPage{}, invalidArg(op, "unknown status")
		}
		query.Set("filter", `status eq "`+p.Status+`"`)
	case p.Filter != "":
		query.Set("filter", p.Filter)
	}
	if p.Search != "" {
		query.Set("search", p.Search)
		if p.SortBy != "" {
			query.Set("sortBy", p.SortBy)
			if p.SortDescending {
				query.Set("sortOrder", "desc")
			}
		}
	}
	if p.After != "" {
		query.Set("after", p.After)
	}
	setLimit(query, p.Limit)
	var page UserPage
	h, err := c.call(ctx, request{op: op, method: http.MethodGet, path: usersPath, query: query}, &page.Users)
	if err != nil {
		return UserPage{}, err
	}
	if next := c.nextLink(h); next != nil {
		page.NextAfter = next.Query().Get("after")
	}
	return page, nil
}

// CreateUser creates a user (POST /api/v1/users?activate=). With activate and a
// password the user is ACTIVE at once; with activate=false the user is STAGED
// and no email is sent. Okta answers 200, not 201.
func (c *Client) CreateUser(ctx context.Context, u NewUser, activate bool) (User, error) {
	body := createUserBody{Profile: u.Profile, GroupIDs: u.GroupIDs}
	var creds credentialsBody
	if u.Password != "" {
		creds.Password = &valueBody{Value: u.Password}
	}
	if u.RecoveryQuestion != "" || u.RecoveryAnswer != "" {
		creds.RecoveryQuestion = &questionBody{Question: u.RecoveryQuestion, Answer: u.RecoveryAnswer}
	}
	creds.Provider = u.Provider
	if creds != (credentialsBody{}) {
		body.Credentials = &creds
	}
	query := url.Values{"activate": {strconv.FormatBool(activate)}}
	if u.Provider != nil {
		query.Set("provider", "true")
	}
	return c.user(ctx, request{op: "createUser", method: http.MethodPost, path: usersPath, query: query, body: body})
}

// GetCurrentUser returns the user the credential belongs to (GET /api/v1/users/me).
// With the SSWS API token that is the admin who minted the token, never the
// signed-in person: call it on a WithBearer copy.
func (c *Client) GetCurrentUser(ctx context.Context) (User, error) {
	return c.user(ctx, request{op: "getCurrentUser", method: http.MethodGet, path: usersPath + "/me"})
}

// GetUser returns a user by id, login or "me" (GET /api/v1/users/{id}).
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	const op = "getUser"
	path, err := userPath(op, id, "")
	if err != nil {
		return User{}, err
	}
	return c.user(ctx, request{op: op, method: http.MethodGet, path: path})
}

// SetRecoveryQuestion sets a user's recovery question and answer as an admin,
// without the user's password. It uses the partial update POST /api/v1/users/{id}
// with only credentials.recovery_question, so the profile is left untouched
// (USERS-API.md §4.5 recommends POST over PUT).
func (c *Client) SetRecoveryQuestion(ctx context.Context, id, question, answer string) (User, error) {
	const op = "setRecoveryQuestion"
	path, err := userPath(op, id, "")
	if err != nil {
		return User{}, err
	}
	body := struct {
		Credentials credentialsBody `json:"credentials"`
	}{credentialsBody{RecoveryQuestion: &questionBody{Question: question, Answer: answer}}}
	return c.user(ctx, request{op: op, method: http.MethodPost, path: path, body: body})
}

// ListAppLinks returns the app tiles assigned to a user, directly or through
// groups (GET /api/v1/users/{id}/appLinks).
func (c *Client) ListAppLinks(ctx context.Context, id string) ([]AppLink, error) {
	const op = "listAppLinks"
	path, err := userPath(op, id, "/appLinks")
	if err != nil {
		return nil, err
	}
	var links []AppLink
	if _, err := c.call(ctx, request{op: op, method: http.MethodGet, path: path}, &links); err != nil {
		return nil, err
	}
	return links, nil
}

// ListUserGroups returns every group a user belongs to (GET
// /api/v1/users/{id}/groups), following Link rel="next" on the org's host for at
// most 20 pages; more than that is an error rather than a silently short list,
// because roles are derived from it. Okta does not page this list, so a person
// in thousands of directory groups gets one answer of several MiB: this call
// reads up to 32 MiB where every other reads 1 MiB.
func (c *Client) ListUserGroups(ctx context.Context, id string) ([]Group, error) {
	const op = "listUserGroups"
	path, err := userPath(op, id, "/groups")
	if err != nil {
		return nil, err
	}
	// One deadline for the whole walk, not one per page.
	ctx, cancel := context.WithTimeout(ctx, c.s.cfg.callTimeout)
	defer cancel()
	var all []Group
	r := request{op: op, method: http.MethodGet, path: path, limit: maxGroupListBody}
	for range maxGroupPages {
		var page []Group
		h, err := c.call(ctx, r, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		r.next = c.nextLink(h)
		if r.next == nil {
			return all, nil
		}
	}
	return nil, fmt.Errorf("okta: %s: more than %d pages of groups", op, maxGroupPages)
}

// SearchGroups finds groups whose name starts with q (GET /api/v1/groups?q=&limit=);
// limit ≤ 0 leaves Okta's default.
func (c *Client) SearchGroups(ctx context.Context, q string, limit int) ([]Group, error) {
	query := url.Values{"q": {q}}
	setLimit(query, limit)
	var groups []Group
	if _, err := c.call(ctx, request{op: "searchGroups", method: http.MethodGet, path: groupsPath, query: query}, &groups); err != nil {
		return nil, err
	}
	return groups, nil
}

// ChangePasswordOptions tunes ChangePassword.
type ChangePasswordOptions struct {
	// Strict also enforces the minimum password age (?strict=true).
	Strict bool
	// RevokeSessions ends the user's other Okta sessions.
	RevokeSessions bool
}

// ChangePassword changes a user's password given the current one (POST
// /api/v1/users/{id}/credentials/change_password). A wrong old password or a
// policy violation is a 403 E0000014 whose Causes explain it.
func (c *Client) ChangePassword(ctx context.Context, id, oldPassword, newPassword string, opts ChangePasswordOptions) (UserCredentials, error) {
	const op = "changePassword"
	path, err := userPath(op, id, "/credentials/change_password")
	if err != nil {
		return UserCredentials{}, err
	}
	var query url.Values
	if opts.Strict {
		query = url.Values{"strict": {"true"}}
	}
	body := struct {
		OldPassword    valueBody `json:"oldPassword"`
		NewPassword    valueBody `json:"newPassword"`
		RevokeSessions bool      `json:"revokeSessions"`
	}{valueBody{oldPassword}, valueBody{newPassword}, opts.RevokeSessions}
	var creds UserCredentials
	if _, err := c.call(ctx, request{op: op, method: http.MethodPost, path: path, query: query, body: body}, &creds); err != nil {
		return UserCredentials{}, err
	}
	return creds, nil
}

// ChangeRecoveryQuestion changes a user's recovery question given their password
// (POST /api/v1/users/{id}/credentials/change_recovery_question).
func (c *Client) ChangeRecoveryQuestion(ctx context.Context, id, password, question, answer string) (UserCredentials, error) {
	const op = "changeRecoveryQuestion"
	path, err := userPath(op, id, "/credentials/change_recovery_question")
	if err != nil {
		return UserCredentials{}, err
	}
	body := struct {
		Password         valueBody    `json:"password"`
		RecoveryQuestion questionBody `json:"recovery_question"`
	}{valueBody{password}, questionBody{question, answer}}
	var creds UserCredentials
	if _, err := c.call(ctx, request{op: op, method: http.MethodPost, path: path, body: body}, &creds); err != nil {
		return UserCredentials{}, err
	}
	return creds, nil
}

// ForgotPassword starts the forgot-password flow for an ACTIVE user with a
// recovery question (POST /api/v1/users/{id}/credentials/forgot_password). With
// sendEmail Okta mails the link and the result is empty; without, the result
// holds the reset URL.
func (c *Client) ForgotPassword(ctx context.Context, id string, sendEmail bool) (ForgotPasswordResult, error) {
	const op = "forgotPassword"
	var res ForgotPasswordResult
	if _, err := c.postAction(ctx, op, id, "/credentials/forgot_password", url.Values{"sendEmail": {strconv.FormatBool(sendEmail)}}, &res); err != nil {
		return ForgotPasswordResult{}, err
	}
	return res, nil
}

// call runs r and decodes a JSON success body into out (unless out is nil, in
// which case the body is ignored). It returns the response headers.
func (c *Client) call(ctx context.Context, r request, out any) (http.Header, error) {
	res, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return res.header, nil
	}
	if len(bytes.TrimSpace(res.body)) == 0 {
		return nil, fmt.Errorf("okta: %s: decode response: empty body with status %d", r.op, res.status)
	}
	if err := json.Unmarshal(res.body, out); err != nil {
		return nil, fmt.Errorf("okta: %s: decode response: %w", r.op, err)
	}
	stampFrom(out, res)
	return res.header, nil
}

func (c *Client) user(ctx context.Context, r request) (User, error) {
	var u User
	if _, err := c.call(ctx, r, &u); err != nil {
		return User{}, err
	}
	if u.ID == "" {
		return User{}, fmt.Errorf("okta: %s: decode response: user without an id", r.op)
	}
	return u, nil
}

// userPath builds /api/v1/users/{id}{rest} with id escaped as one path segment,
// so that an id like "../x" cannot change the path.
func userPath(op, id, rest string) (string, error) {
	if id == "" {
		return "", invalidArg(op, "empty user id")
	}
	return usersPath + "/" + escapeSegment(id) + rest, nil
}

func escapeSegment(s string) string {
	e := url.PathEscape(s)
	if strings.Trim(e, ".") == "" {
		// "." and ".." survive PathEscape but would be resolved as dot-segments.
		e = strings.ReplaceAll(e, ".", "%2E")
	}
	return e
}

func setLimit(q url.Values, limit int) {
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
}

func invalidArg(op, msg string) error {
	return &callError{op: op, kind: ErrInvalid, cause: errors.New(msg)}
}

// QuoteSearchValue returns s as a quoted value for a search or filter
// expression: in double quotes, with backslashes and double quotes escaped by
// a backslash, as Okta's Users API reference says ("If you use the special
// character " within a quoted string, it must also be escaped \"). Control
// characters, which no profile value holds, are dropped.
func QuoteSearchValue(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
