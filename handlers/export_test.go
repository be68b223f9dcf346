package handlers

// Exports for the handlers_test package only: what the black-box tests name but no other
// package needs.

const (
	ActionActivate         = actionActivate
	ActionDeactivate       = actionDeactivate
	ActionSuspend          = actionSuspend
	ActionUnsuspend        = actionUnsuspend
	ActionUnlock           = actionUnlock
	ActionResetPassword    = actionResetPassword
	ActionExpirePassword   = actionExpirePassword
	ActionResetFactors     = actionResetFactors
	ActionClearSessions    = actionClearSessions
	ActionForgotPassword   = actionForgotPassword
	ActionRecoveryQuestion = actionRecoveryQuestion
)

var (
	ACRSatisfied = acrSatisfied
	LocalPath    = localPath
	ValidUserID  = validUserID
)
