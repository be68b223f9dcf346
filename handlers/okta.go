package handlers

import (
	"context"

	"gatehouse/client"
)

// What each area asks of Okta. *client.Client satisfies every one of these without knowing
// them (STYLE.md rule 3): a constructor's parameters say exactly which Okta operations its
// handlers may call, and the tests drive them with the real client against the emulator.

// UserDirectory reads people and groups with Gatehouse's own (service) credential.
type UserDirectory interface {
	GetUser(ctx context.Context, id string) (client.User, error)
	ListUserGroups(ctx context.Context, id string) ([]client.Group, error)
	ListAppLinks(ctx context.Context, id string) ([]client.AppLink, error)
}

// AuthOkta is what sign-in needs: the person's own /users/me with their fresh access token,
// and their groups (roles) with the service credential.
type AuthOkta interface {
	ListUserGroups(ctx context.Context, id string) ([]client.Group, error)
	// WithBearer is the same client acting with the person's own access token.
	WithBearer(accessToken string) *client.Client
}

// selfCalls are the self-service operations on one account, made either with the service
// credential on the person's id or, in delegated mode, with their own token on "me".
type selfCalls interface {
	ListAppLinks(ctx context.Context, id string) ([]client.AppLink, error)
	ListUserGroups(ctx context.Context, id string) ([]client.Group, error)
	ChangePassword(ctx context.Context, id, oldPassword, newPassword string, opts client.ChangePasswordOptions) (client.UserCredentials, error)
	ChangeRecoveryQuestion(ctx context.Context, id, password, question, answer string) (client.UserCredentials, error)
	// GetUser and UpdateUserProfile read and change the person's own profile (/profile/edit).
	GetUser(ctx context.Context, id string) (client.User, error)
	UpdateUserProfile(ctx context.Context, id string, changes map[string]any) (client.User, error)
}

// FactorsOkta is the person's own sign-in methods (/security). Okta's Factors API needs
// okta.users.manage, which no self scope grants, so these use the service credential on the
// person's own id in both modes.
type FactorsOkta interface {
	ListFactors(ctx context.Context, userID string) ([]client.Factor, error)
	EnrollTOTP(ctx context.Context, userID string, provider client.FactorProvider) (client.Factor, error)
	ActivateFactor(ctx context.Context, userID, factorID, passCode string) (client.Factor, error)
	DeleteFactor(ctx context.Context, userID, factorID string) error
}

// SelfServiceOkta is what the signed-in person's own pages need.
type SelfServiceOkta interface {
	selfCalls
	FactorsOkta
	// GetUserSchema reads which attributes a person may see and edit; it needs
	// okta.schemas.read, which no self scope grants: the service credential in both modes.
	GetUserSchema(ctx context.Context) (client.UserSchema, error)
	// ClearSessions ends the person's Okta sessions (sign out everywhere). It needs
	// okta.users.manage, which no self scope grants, so it uses the service credential in
	// both modes.
	ClearSessions(ctx context.Context, id string, revokeOAuthTokens bool) (client.Receipt, error)
	// WithBearer is the same client acting with the person's own access token: /users/me
	// always, and every self-service call in delegated mode (DESIGN.md §2).
	WithBearer(accessToken string) *client.Client
}

// AdminOkta is what the admin console needs: finding and reading people, the lifecycle and
// credential operations of the action table, creating people, and Okta's rate-limit budget
// (a bulk run stops before it drains it).
type AdminOkta interface {
	UserDirectory
	ListUsers(ctx context.Context, p client.ListUsersParams) (client.UserPage, error)
	SearchGroups(ctx context.Context, q string, limit int) ([]client.Group, error)
	CreateUser(ctx context.Context, u client.NewUser, activate bool) (client.User, error)
	Activate(ctx context.Context, id string, sendEmail bool) (client.ActivationResult, error)
	Deactivate(ctx context.Context, id string) (client.Receipt, error)
	Suspend(ctx context.Context, id string) (client.Receipt, error)
	Unsuspend(ctx context.Context, id string) (client.Receipt, error)
	Unlock(ctx context.Context, id string) (client.Receipt, error)
	ResetPassword(ctx context.Context, id string, sendEmail bool) (client.ResetPasswordResult, error)
	ExpirePassword(ctx context.Context, id string) (client.User, error)
	ExpirePasswordWithTempPassword(ctx context.Context, id string) (client.TempPasswordResult, error)
	ResetFactors(ctx context.Context, id string) (client.Receipt, error)
	ClearSessions(ctx context.Context, id string, revokeOAuthTokens bool) (client.Receipt, error)
	ForgotPassword(ctx context.Context, id string, sendEmail bool) (client.ForgotPasswordResult, error)
	SetRecoveryQuestion(ctx context.Context, id, question, answer string) (client.User, error)
	RateLimit() client.RateLimit
	AdminPersonOkta
}

// AdminPersonOkta is what the person page's own sections need beyond the action table
// (issue 19): the profile editor (the schema and a partial update), group membership, the
// person's factors, and resending a pending activation.
type AdminPersonOkta interface {
	GetUserSchema(ctx context.Context) (client.UserSchema, error)
	UpdateUserProfile(ctx context.Context, id string, changes map[string]any) (client.User, error)
	ListGroups(ctx context.Context, p client.ListGroupsParams) (client.GroupPage, error)
	AddUserToGroup(ctx context.Context, groupID, userID string) error
	RemoveUserFromGroup(ctx context.Context, groupID, userID string) error
	ListFactors(ctx context.Context, userID string) ([]client.Factor, error)
	DeleteFactor(ctx context.Context, userID, factorID string) error
	ReactivateUser(ctx context.Context, id string, sendEmail bool) (client.ActivationResult, error)
}

// ForgotOkta is what the public forgot-password queue needs: find the one account an
// identifier names, and ask Okta to email it.
type ForgotOkta interface {
	ListUsers(ctx context.Context, p client.ListUsersParams) (client.UserPage, error)
	ForgotPassword(ctx context.Context, id string, sendEmail bool) (client.ForgotPasswordResult, error)
}

// RoleDirectory is what Protection reads about a person: their groups and Okta admin roles.
type RoleDirectory interface {
	ListUserGroups(ctx context.Context, id string) ([]client.Group, error)
	ListUserRoles(ctx context.Context, id string) ([]client.Role, error)
}

// CurrentUser answers /users/me for the credential it holds: with an SSWS token, the token's
// owner (USERS-API.md §4.3).
type CurrentUser interface {
	GetCurrentUser(ctx context.Context) (client.User, error)
}
