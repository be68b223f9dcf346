package client

import (
	"encoding/json"
	"time"
)

// Status is a user's lifecycle status (USERS-API.md §5).
type Status string

// The eight user statuses Okta defines.
const (
	StatusStaged          Status = "STAGED"
	StatusProvisioned     Status = "PROVISIONED"
	StatusActive          Status = "ACTIVE"
	StatusRecovery        Status = "RECOVERY"
	StatusLockedOut       Status = "LOCKED_OUT"
	StatusPasswordExpired Status = "PASSWORD_EXPIRED"
	StatusSuspended       Status = "SUSPENDED"
	StatusDeprovisioned   Status = "DEPROVISIONED"
)

// Statuses returns the eight statuses in lifecycle order, for filters and menus.
func Statuses() []Status {
	return []Status{
		StatusStaged, StatusProvisioned, StatusActive, StatusRecovery,
		StatusLockedOut, StatusPasswordExpired, StatusSuspended, StatusDeprovisioned,
	}
}

// Valid reports whether s is one of the eight statuses Okta defines.
func (s Status) Valid() bool {
	switch s {
	case StatusStaged, StatusProvisioned, StatusActive, StatusRecovery,
		StatusLockedOut, StatusPasswordExpired, StatusSuspended, StatusDeprovisioned:
		return true
	}
	return false
}

// User is an Okta user (USERS-API.md §3.1). Nullable timestamps are pointers,
// nil when Okta sends null or omits them.
type User struct {
	ID              string     `json:"id"`
	Status          Status     `json:"status"`
	Created         time.Time  `json:"created"`
	Activated       *time.Time `json:"activated"`
	StatusChanged   *time.Time `json:"statusChanged"`
	LastLogin       *time.Time `json:"lastLogin"`
	LastUpdated     time.Time  `json:"lastUpdated"`
	PasswordChanged *time.Time `json:"passwordChanged"`
	// TransitioningToStatus is set only while an asynchronous transition runs.
	TransitioningToStatus Status          `json:"transitioningToStatus,omitempty"`
	Type                  UserType        `json:"type"`
	Profile               Profile         `json:"profile"`
	Credentials           UserCredentials `json:"credentials"`
	// Links are Okta's HAL links. On a single user they hint at the operations
	// the user's status allows; collections carry only "self".
	Links Links `json:"_links,omitempty"`
	// Receipt names the answer that carried the user (a get, a create, a change);
	// empty for users read from a list.
	Receipt
}

// HasLink reports whether Okta sent the link relation rel (e.g. "suspend",
// "resetPassword") with the user. Links are Okta's hints, not promises: Okta's
// own examples advertise operations its rules then refuse (docs/OKTA.md
// "_links"), so a refusal is still Okta's last word.
func (u User) HasLink(rel string) bool {
	_, ok := u.Links[rel]
	return ok
}

// Transitioning reports whether an asynchronous activation or deactivation is
// in progress; until it ends, Okta refuses changes with 409 E0000112
// (ErrTransitioning).
func (u User) Transitioning() bool { return u.TransitioningToStatus != "" }

// UserType is the reference to a user's type.
type UserType struct {
	ID string `json:"id,omitempty"`
}

// UserCredentials is the credentials part of a user, also returned on its own by
// the change-password and change-recovery-question operations (§3.2). Okta never
// returns secrets: only whether a password exists and the recovery question.
type UserCredentials struct {
	// Password is non-nil when the user has a password; Okta sends it as {}.
	Password *struct{}
	// HasPassword reports the same as Password != nil.
	HasPassword bool
	// RecoveryQuestion is the question text, "" when none is set.
	RecoveryQuestion string
	Provider         Provider
	// Receipt names the answer of a change-password or change-recovery-question call;
	// empty inside a user.
	Receipt
}

// ProviderType is credentials.provider.type: where a user's password is
// validated (Okta's AuthenticationProviderType).
type ProviderType string

// Okta's provider types (docs/OKTA.md "Providers").
const (
	// ProviderOkta keeps the password in Okta.
	ProviderOkta ProviderType = "OKTA"
	// ProviderActiveDirectory and ProviderLDAP delegate the password to a
	// directory; Provider.Name is the directory instance.
	ProviderActiveDirectory ProviderType = "ACTIVE_DIRECTORY"
	ProviderLDAP            ProviderType = "LDAP"
	// ProviderFederation and ProviderSocial users have no password and no
	// recovery question: they sign in through an identity provider.
	ProviderFederation ProviderType = "FEDERATION"
	ProviderSocial     ProviderType = "SOCIAL"
	// ProviderImport marks an imported password hash.
	ProviderImport ProviderType = "IMPORT"
)

// Provider is where a user's credentials are mastered (credentials.provider).
// An empty Type means Okta did not say; treat it as unknown, not as OKTA.
type Provider struct {
	Type ProviderType `json:"type,omitempty"`
	Name string       `json:"name,omitempty"`
}

// Passwordless reports a provider whose users have no Okta password nor
// recovery question: FEDERATION and SOCIAL. Okta's reset_password converts
// such a user to an Okta password instead of refusing.
func (p Provider) Passwordless() bool {
	return p.Type == ProviderFederation || p.Type == ProviderSocial
}

// Directory reports a provider that masters passwords in a directory
// (ACTIVE_DIRECTORY or LDAP); Okta's unlock does not support such users.
func (p Provider) Directory() bool {
	return p.Type == ProviderActiveDirectory || p.Type == ProviderLDAP
}

type wireCredentials struct {
	Password         *struct{}     `json:"password,omitempty"`
	RecoveryQuestion *wireQuestion `json:"recovery_question,omitempty"`
	Provider         *Provider     `json:"provider,omitempty"`
}

type wireQuestion struct {
	Question string `json:"question"`
}

// UnmarshalJSON reads Okta's credentials object.
func (c *UserCredentials) UnmarshalJSON(b []byte) error {
	var w wireCredentials
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = UserCredentials{Password: w.Password, HasPassword: w.Password != nil}
	if w.RecoveryQuestion != nil {
		c.RecoveryQuestion = w.RecoveryQuestion.Question
	}
	if w.Provider != nil {
		c.Provider = *w.Provider
	}
	return nil
}

// MarshalJSON writes Okta's credentials object, so that a User round-trips.
func (c UserCredentials) MarshalJSON() ([]byte, error) {
	var w wireCredentials
	if c.HasPassword || c.Password != nil {
		w.Password = &struct{}{}
	}
	if c.RecoveryQuestion != "" {
		w.RecoveryQuestion = &wireQuestion{Question: c.RecoveryQuestion}
	}
	if c.Provider != (Provider{}) {
		w.Provider = &c.Provider
	}
	return json.Marshal(w)
}

// Link is one HAL link. Method is set on action links ("POST").
type Link struct {
	Href   string `json:"href"`
	Method string `json:"method,omitempty"`
}

// Links maps a link relation to its link.
type Links map[string]Link

// UnmarshalJSON accepts Okta's _links object. A relation may hold an array (a
// group's "logo" lists several sizes): the first entry is kept. Values of any
// other shape are skipped rather than failing the whole response.
func (l *Links) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil { // null
		*l = nil
		return nil
	}
	out := make(Links, len(raw))
	for rel, v := range raw {
		var one Link
		if json.Unmarshal(v, &one) == nil {
			if one.Href != "" {
				out[rel] = one
			}
			continue
		}
		var many []Link
		if json.Unmarshal(v, &many) == nil && len(many) > 0 && many[0].Href != "" {
			out[rel] = many[0]
		}
	}
	*l = out
	return nil
}

// AppLink is an app tile assigned to a user (§3.3). ID is the user's id in Okta's
// examples, not the link's: key rows by AppAssignmentID or AppInstanceID.
type AppLink struct {
	ID               string `json:"id"`
	Label            string `json:"label"`
	LinkURL          string `json:"linkUrl"`
	LogoURL          string `json:"logoUrl"`
	AppName          string `json:"appName"`
	AppInstanceID    string `json:"appInstanceId"`
	AppAssignmentID  string `json:"appAssignmentId"`
	CredentialsSetup bool   `json:"credentialsSetup"`
	Hidden           bool   `json:"hidden"`
	SortOrder        int    `json:"sortOrder"`
}

// Group is an Okta group (§3.4).
type Group struct {
	ID                    string       `json:"id"`
	Created               time.Time    `json:"created"`
	LastUpdated           time.Time    `json:"lastUpdated"`
	LastMembershipUpdated time.Time    `json:"lastMembershipUpdated"`
	ObjectClass           []string     `json:"objectClass"`
	Type                  string       `json:"type"` // OKTA_GROUP, APP_GROUP or BUILT_IN
	Profile               GroupProfile `json:"profile"`
	Links                 Links        `json:"_links,omitempty"`
}

// GroupProfile is a group's name and description ("" when Okta sends null).
type GroupProfile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}
