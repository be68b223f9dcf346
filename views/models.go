package views

// Element ids that htmx targets and tests look up. Keep them here, not as literals in templates.
const (
	AlertsID         = "alerts"
	DialogID         = "dialog"
	mainID           = "main"
	AppResultsID     = "app-results"
	UserResultsID    = "user-results"
	PasswordFormID   = "password-form"
	PasswordRulesID  = "password-rules"
	RecoveryFormID   = "recovery-form"
	forgotFormID     = "forgot-form"
	UserPanelID      = "user-panel"
	createFormID     = "create-user-form"
	GroupPickerID    = "group-picker"
	bulkID           = "bulk"
	ProfileCardID    = "profile-card"
	languageSelectID = "language"
	AppsCardID       = "apps-card"
	groupsCardID     = "groups-card"
)

// Nav is what the layout shows about the person looking at the page.
type Nav struct {
	SignedIn  bool
	Name      string
	ShowAdmin bool
	Active    string // one of the Nav* constants
}

// Navigation keys for Nav.Active.
const (
	NavHome     = "home"
	NavApps     = "apps"
	NavGroups   = "groups"
	NavProfile  = "profile"
	NavPassword = "password"
	NavSecurity = "security"
	NavSessions = "sessions"
	NavAdmin    = "admin"
)

// Page is the metadata every full page needs.
type Page struct {
	Title string
	Nav   Nav
	// Return is where the language menu comes back to: this page's own local path.
	Return string
}

// Alert is a message box. Kind is one of "info", "success", "warning", "error".
type Alert struct {
	Kind      string
	Title     string
	Text      string
	RequestID string
}

// FieldErrors maps a form field name to the message shown next to it.
type FieldErrors map[string]string

// Has reports whether the field has an error.
func (fe FieldErrors) Has(field string) bool { _, ok := fe[field]; return ok }

// ErrorID is the id of the element holding a field's error, for aria-describedby.
func ErrorID(field string) string { return field + "-error" }

// hintID is the id of the element holding a field's hint, for aria-describedby.
func hintID(field string) string { return field + "-hint" }
