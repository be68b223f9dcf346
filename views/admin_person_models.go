package views

import "net/url"

// The person page's sections of issue 19 (group membership, factors, resending a pending
// activation) and the admin profile editor. Each is its own component, so the page's layout
// can change around them.

// PersonGroupsView is the person's groups with what the viewer may do about each.
type PersonGroupsView struct {
	PersonID string
	Name     string
	Groups   []PersonGroup
	Err      *Alert
	// CanManage offers adding and removing (admins who may act on this person); Note says
	// why not otherwise.
	CanManage bool
	Note      string
}

// PersonGroup is one group of the person.
type PersonGroup struct {
	ID, Name, Description string
	Type                  string // OKTA_GROUP, APP_GROUP, BUILT_IN
	TypeLabel             string
	// Role names the Gatehouse role the group grants, in words ("" for none).
	Role string
	// RemoveURL is the removal's confirmation; empty when it cannot be removed here, with
	// Fixed saying why.
	RemoveURL string
	Fixed     string
}

// PersonGroupSearchView is the live search's result region on the person page.
type PersonGroupSearchView struct {
	PersonID string
	Query    string
	Searched bool
	Found    []GroupChoice
	Err      *Alert
}

// GroupConfirmView confirms removing the person from a group.
type GroupConfirmView struct {
	Nav                AdminNav
	PersonID, Name     string
	GroupID, GroupName string
	Role               string
	// RoleNote, when the group grants a Gatehouse role, says when they lose it.
	RoleNote string
	Alert    *Alert
}

// PersonFactorsView is the person's enrolled factors.
type PersonFactorsView struct {
	PersonID string
	Factors  []PersonFactorRow
	Err      *Alert
	// CanReset offers resetting one factor; Note says why not otherwise.
	CanReset bool
	Note     string
}

// PersonFactorRow is one factor of a person in words, on the admin person page.
type PersonFactorRow struct {
	ID       string
	Kind     string // "Okta Verify", "Authenticator app (Google Authenticator)", …
	Device   string
	Status   string // "In use", "Set-up not finished", …
	Enrolled string
	ResetURL string
}

// FactorConfirmView confirms resetting one factor, with a reason.
type FactorConfirmView struct {
	Nav            AdminNav
	PersonID, Name string
	FactorID       string
	Factor         string // the factor in words
	Reason         string
	Errors         FieldErrors
	Alert          *Alert
	ReauthURL      string
}

// ResendActivationView offers resending a pending activation (PROVISIONED people).
type ResendActivationView struct {
	PersonID string
	Email    string
}

// AdminProfileEditView is the admin's profile editor.
type AdminProfileEditView struct {
	Nav             AdminNav
	ID, Name, Login string
	Directory       string
	Fields          []ProfileFormField
	Alert           *Alert
}

// PersonEditURL is the profile editor of one person.
func PersonEditURL(id string) string { return PersonURL(id) + "/edit" }

// GroupRemoveURL is the confirmation of removing a person from a group.
func GroupRemoveURL(personID, groupID string) string {
	return PersonURL(personID) + "/groups/" + url.PathEscape(groupID) + "/remove"
}

// FactorResetURL is the confirmation of resetting one factor.
func FactorResetURL(personID, factorID string) string {
	return PersonURL(personID) + "/factors/" + url.PathEscape(factorID) + "/reset"
}

// PersonGroupResultsID is the live group search's result region on the person page.
const PersonGroupResultsID = "person-group-results"
