package views

import "net/url"

// Element ids of the admin console that htmx targets and tests look up (UserResultsID,
// UserPanelID, createFormID, GroupPickerID and bulkID live in models.go).
const (
	GroupResultsID = "group-results"
	SecretValueID  = "one-time-secret"
	confirmFormID  = "confirm-form"
)

// Admin sub-navigation keys for AdminNav.Active.
const (
	AdminPeople = "people"
	AdminCreate = "create"
	AdminAudit  = "audit"
)

// AdminNav is the admin console's sub-navigation: People · Add person · Audit log.
type AdminNav struct {
	Active    string
	CanCreate bool // only admins may add people
}

// Option is one choice of a select or a radio group.
type Option struct {
	Value    string
	Label    string
	Selected bool
	// Statuses, for a bulk action, lists the Okta statuses it applies in (space-separated):
	// the selection bar offers it only when it fits someone selected.
	Statuses string
}

// UserRow is one person in the results table.
type UserRow struct {
	ID        string
	Name      string
	Login     string
	Status    string
	LastLogin string
	// NoAction, when set, says why the viewer may take no action on this person (outside
	// their helpdesk scope): the row offers no selection.
	NoAction string
}

// UserSearchView is the find-people page and its results region.
type UserSearchView struct {
	Nav      AdminNav
	Query    string
	Status   string
	Statuses []Option
	Rows     []UserRow
	// CountText is the line above the table ("25 people, page 2").
	CountText string
	// CapText, when set, says the results are cut short and how to refine them.
	CapText string
	// Paging links; empty when not applicable.
	NextURL, PrevURL, FirstURL string
	Err                        *Alert
	// Notice says something about the list shown (a paging link Okta refused, a preview
	// with nobody selected) above the results.
	Notice                *Alert
	RetryURL              string
	EmptyTitle, EmptyHint string
	// BulkActions are the bulk actions the viewer's role allows.
	BulkActions []Option
}

// ActionButton opens the confirmation of one action.
type ActionButton struct {
	Key   string
	Label string
	URL   string // the confirmation page
	// Destructive marks what destroys (shown in red): not every action that needs a reason.
	Destructive bool
	// Suggested marks the action that gives the person their access back in this status
	// (unlock a locked-out person, unsuspend a suspended one…): it is the prominent button.
	Suggested bool
}

// Secret is a one-time value (activation link, reset link, temporary password) shown once.
type Secret struct {
	Label string
	Value string
	Hint  string
}

// UserPanelView is the status-and-actions panel of a person's page; htmx replaces it after an
// action.
type UserPanelView struct {
	ID          string
	Name        string
	Login       string
	Status      string
	Alert       *Alert
	Secret      *Secret
	Actions     []ActionButton
	RoleNote    string // e.g. why fewer actions are offered to the helpdesk
	Transition  string // Okta's transitioningToStatus, when set
	SelfAccount bool
	// Notes explain, in words, actions done elsewhere rather than here: in the directory, at
	// the identity provider, or after Okta finishes changing the status.
	Notes []string
}

// AdminApp is one app assigned to a person.
type AdminApp struct {
	Label  string
	Hidden bool
}

// AuditRow is one audit entry as shown in tables: the action and its outcome in words
// (ActionLabel, ResultLabel, Detail), the stored keys kept for tests and data attributes.
type AuditRow struct {
	Time          string
	Actor         string
	Role          string
	Action        string
	ActionLabel   string
	TargetID      string
	Target        string
	Reason        string
	Result        string
	ResultLabel   string
	Detail        string
	OktaRequestID string
	RequestID     string
}

// PersonView is one person's page in the admin console.
type PersonView struct {
	Nav     AdminNav
	ID      string
	Name    string
	Login   string
	Panel   UserPanelView
	Dates   []ProfileField
	Profile []ProfileField
	// Credentials are the password and recovery facts, apart from the profile.
	Credentials []ProfileField
	Groups      []GroupItem
	GroupsErr   *Alert
	Apps        []AdminApp
	AppsErr     *Alert
	Audit       []AuditRow
	AuditErr    *Alert
	// Issue 19's sections (admin_person.templ): the profile editor's link (admins), group
	// membership, factors and resending a pending activation (nil when it does not apply).
	EditURL    string
	Membership PersonGroupsView
	Factors    PersonFactorsView
	Resend     *ResendActivationView
}

// ConfirmView is the confirmation of one action: in the dialog with htmx, a page without.
type ConfirmView struct {
	// HasPassword: the person has a password (Activate then needs no link).
	HasPassword bool
	UserID      string
	Name        string
	Action      string
	Label       string
	Question    string
	Consequence string
	Destructive bool
	InDialog    bool
	// NotAllowed, when set, replaces the form: the action does not apply now.
	NotAllowed string
	// ReauthURL, when set, replaces the form: the viewer must sign in again first.
	ReauthURL string
	Alert     *Alert
	Errors    FieldErrors
	Reason    string
	// Action options.
	Delivery         string // activate and reset-password: "email" or "link"
	TempPassword     bool   // expire-password
	RecoveryQuestion string // recovery-question (the answer is never echoed)
	Suggestions      []string
}

// PostURL is where the confirmation form posts.
func (v ConfirmView) PostURL() string { return PersonURL(v.UserID) + "/" + v.Action }

// GroupChoice is one group in the picker.
type GroupChoice struct {
	ID          string
	Name        string
	Description string
	Checked     bool
}

// GroupPickerView is the picker's result region: chosen groups stay checked above new matches.
type GroupPickerView struct {
	Query    string
	Chosen   []GroupChoice
	Found    []GroupChoice
	Searched bool
	Err      *Alert
}

// CreateUserView is the add-person form. The password is never part of it.
type CreateUserView struct {
	Nav        AdminNav
	FirstName  string
	LastName   string
	Email      string
	Login      string
	Activation string // "email", "link" or "staged"
	Picker     GroupPickerView
	Rules      []PasswordRule
	Errors     FieldErrors
	Alert      *Alert
}

// BulkRow is one person in a bulk preview or result.
type BulkRow struct {
	ID     string
	Name   string
	Login  string
	Status string
	// Outcome is one of the Bulk* constants; Text says it in words.
	Outcome string
	Text    string
}

// Bulk row outcomes.
const (
	BulkApplies = "applies"
	BulkSkipped = "skipped"
	BulkDone    = "done"
	BulkFailed  = "failed"
	BulkNotRun  = "not-run"
)

// BulkView is the bulk preview (Done false) or the per-row results (Done true).
type BulkView struct {
	Nav         AdminNav
	Action      string
	ActionLabel string
	Rows        []BulkRow
	// RunIDs are the people the run will act on (re-checked on the server).
	RunIDs      []string
	Destructive bool
	Reason      string
	Errors      FieldErrors
	ReauthURL   string
	Done        bool
	Summary     string
	Alert       *Alert
}

// AuditView is the audit-log page: the filter as the URL carries it, one page of entries and
// the links to the pages around it and to the CSV export of the filtered view.
type AuditView struct {
	Nav                           AdminNav
	From, To, Actor, Target       string
	Action, Result                string
	Actions, Results              []Option
	Filtered                      bool
	Rows                          []AuditRow
	Errors                        FieldErrors
	Err                           *Alert
	Note                          *Alert // a bad page link, started over
	OlderURL, NewerURL, NewestURL string
	CanExport                     bool
	ExportURL                     string
}

// PersonURL is the admin page of one person.
func PersonURL(id string) string { return "/admin/users/" + url.PathEscape(id) }

// ConfirmURL is the confirmation page of one action on one person.
func ConfirmURL(id, action string) string { return PersonURL(id) + "/confirm/" + action }

// PersonRefresh is what an action changes on a person's page besides the panel, swapped in
// out of band with the panel after an htmx action so the page is current without a reload.
type PersonRefresh struct {
	ID          string
	Name        string
	Dates       []ProfileField
	Credentials []ProfileField
	Audit       []AuditRow
	AuditErr    *Alert
}

// Primary is the action the person page puts beside the name: the suggested one, if any.
func (v UserPanelView) Primary() (ActionButton, bool) {
	for _, a := range v.Actions {
		if a.Suggested {
			return a, true
		}
	}
	return ActionButton{}, false
}

// Others are the actions the "More actions" menu holds: all but the primary one.
func (v UserPanelView) Others() []ActionButton {
	var out []ActionButton
	for _, a := range v.Actions {
		if !a.Suggested {
			out = append(out, a)
		}
	}
	return out
}
