package client_test

import (
	"context"
	"net/http"

	"gatehouse/client/oktatest"
)

// whyDuplicateRole: Okta's error-code reference lists E0000090 "Duplicate role
// assignment exception" with status 409; the spec documents no 409.
const whyDuplicateRole = "Okta answers a role the principal already holds with 409 E0000090 (Okta error codes reference); assignRoleToUser documents no 409"

// roleCases covers Okta's admin role assignment API for users (and the group
// reads and unassignment), as the emulator models it (docs/OKTA.md "Admin roles").
func roleCases() []confCase {
	const nobody = "00uNoSuchUser0000000"
	const active = oktatest.StatusActive
	rolesOf := func(id string) string { return "/api/v1/users/" + id + "/roles" }
	groupRoles := func(env *confEnv, name string) string {
		return "/api/v1/groups/" + env.e.srv.GroupID(name) + "/roles"
	}
	assign := func(typ string) map[string]string { return map[string]string{"type": typ} }
	// bearer is a self-scoped token: it holds no okta.roles.* scope.
	bearer := func(env *confEnv) string {
		tok, _ := env.selfToken(readSelf)
		return "Bearer " + tok
	}
	var cases []confCase
	add := func(cs ...confCase) { cases = append(cases, cs...) }

	// GET /api/v1/users/{id}/roles
	add(
		confCase{name: "super admin, assigned to the user", op: "listAssignedRolesForUser", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.ListUserRoles(ctx, env.e.srv.UserID(oktatest.DemoOktaAdmin)))
		}},
		confCase{name: "help desk admin through a group", op: "listAssignedRolesForUser", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.ListUserRoles(ctx, env.e.srv.UserID(oktatest.DemoGroupAdmin)))
		}},
		confCase{name: "no admin role", op: "listAssignedRolesForUser", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.ListUserRoles(ctx, env.user(active)))
		}},
		confCase{name: "bearer lacks okta.roles.read", op: "listAssignedRolesForUser", status: 403, run: func(ctx context.Context, env *confEnv) error {
			bc, id := env.self(readSelf)
			return ok(bc.ListUserRoles(ctx, id))
		}},
		confCase{name: "unknown user", op: "listAssignedRolesForUser", status: 404, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.ListUserRoles(ctx, nobody))
		}},
		confCase{name: "rate limited", op: "listAssignedRolesForUser", status: 429, run: func(ctx context.Context, env *confEnv) error {
			id := env.user(active)
			env.rateLimit(rolesOf(id))
			return ok(env.c.ListUserRoles(ctx, id))
		}},
	)

	// POST /api/v1/users/{id}/roles
	add(
		confCase{name: "help desk admin", op: "assignRoleToUser", status: 201, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodPost, rolesOf(env.user(active))+"?disableNotifications=true", env.ssws(), assign(oktatest.RoleHelpDeskAdmin))
		}},
		confCase{name: "unknown role type", op: "assignRoleToUser", status: 400, offSpecRequest: "a role type outside Okta's enum is what draws the 400", run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodPost, rolesOf(env.user(active)), env.ssws(), assign("KING_OF_THE_ORG"))
		}},
		confCase{name: "bearer lacks okta.roles.manage", op: "assignRoleToUser", status: 403, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodPost, rolesOf(env.user(active)), bearer(env), assign(oktatest.RoleReadOnlyAdmin))
		}},
		confCase{name: "unknown user", op: "assignRoleToUser", status: 404, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodPost, rolesOf(nobody), env.ssws(), assign(oktatest.RoleReadOnlyAdmin))
		}},
		confCase{name: "already assigned", op: "assignRoleToUser", status: 409, undocumented: whyDuplicateRole, run: func(ctx context.Context, env *confEnv) error {
			id := env.user(active)
			env.e.srv.AssignUserRole(id, oktatest.RoleOrgAdmin)
			return env.raw(ctx, http.MethodPost, rolesOf(id), env.ssws(), assign(oktatest.RoleOrgAdmin))
		}},
		confCase{name: "rate limited", op: "assignRoleToUser", status: 429, run: func(ctx context.Context, env *confEnv) error {
			id := env.user(active)
			env.rateLimit(rolesOf(id))
			return env.raw(ctx, http.MethodPost, rolesOf(id), env.ssws(), assign(oktatest.RoleReadOnlyAdmin))
		}},
	)

	// GET and DELETE /api/v1/users/{id}/roles/{roleAssignmentId}
	for _, op := range []struct {
		op, method string
		status     int
	}{{"getUserAssignedRole", http.MethodGet, 200}, {"unassignRoleFromUser", http.MethodDelete, 204}} {
		add(
			confCase{name: "a role assigned to the user", op: op.op, status: op.status, run: func(ctx context.Context, env *confEnv) error {
				id := env.user(active)
				ra := env.e.srv.AssignUserRole(id, oktatest.RoleReportAdmin)
				return env.raw(ctx, op.method, rolesOf(id)+"/"+ra, env.ssws(), nil)
			}},
			confCase{name: "bearer lacks the roles scope", op: op.op, status: 403, run: func(ctx context.Context, env *confEnv) error {
				id := env.user(active)
				ra := env.e.srv.AssignUserRole(id, oktatest.RoleReportAdmin)
				return env.raw(ctx, op.method, rolesOf(id)+"/"+ra, bearer(env), nil)
			}},
			confCase{name: "unknown assignment", op: op.op, status: 404, run: func(ctx context.Context, env *confEnv) error {
				return env.raw(ctx, op.method, rolesOf(env.user(active))+"/ra1NoSuchAssignment00", env.ssws(), nil)
			}},
			confCase{name: "rate limited", op: op.op, status: 429, run: func(ctx context.Context, env *confEnv) error {
				id := env.user(active)
				ra := env.e.srv.AssignUserRole(id, oktatest.RoleReportAdmin)
				env.rateLimit(rolesOf(id))
				return env.raw(ctx, op.method, rolesOf(id)+"/"+ra, env.ssws(), nil)
			}},
		)
	}
	add(confCase{name: "a role held through a group", op: "getUserAssignedRole", status: 200, run: func(ctx context.Context, env *confEnv) error {
		id := env.e.srv.UserID(oktatest.DemoGroupAdmin)
		ra := env.e.srv.AssignGroupRole(oktatest.GroupOktaHelpDesk, oktatest.RoleHelpDeskAdmin)
		return env.raw(ctx, http.MethodGet, rolesOf(id)+"/"+ra, env.ssws(), nil)
	}})

	// GET /api/v1/groups/{groupId}/roles and DELETE …/roles/{roleAssignmentId}
	add(
		confCase{name: "help desk group", op: "listGroupAssignedRoles", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodGet, groupRoles(env, oktatest.GroupOktaHelpDesk), env.ssws(), nil)
		}},
		confCase{name: "bearer lacks okta.roles.read", op: "listGroupAssignedRoles", status: 403, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodGet, groupRoles(env, oktatest.GroupOktaHelpDesk), bearer(env), nil)
		}},
		confCase{name: "unknown group", op: "listGroupAssignedRoles", status: 404, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodGet, "/api/v1/groups/00gNoSuchGroup000000/roles", env.ssws(), nil)
		}},
		confCase{name: "rate limited", op: "listGroupAssignedRoles", status: 429, run: func(ctx context.Context, env *confEnv) error {
			env.rateLimit(groupRoles(env, oktatest.GroupOktaHelpDesk))
			return env.raw(ctx, http.MethodGet, groupRoles(env, oktatest.GroupOktaHelpDesk), env.ssws(), nil)
		}},
		confCase{name: "a group's role", op: "unassignRoleFromGroup", status: 204, isolated: true, run: func(ctx context.Context, env *confEnv) error {
			ra := env.e.srv.AssignGroupRole("Role Test Group", oktatest.RoleMobileAdmin)
			return env.raw(ctx, http.MethodDelete, groupRoles(env, "Role Test Group")+"/"+ra, env.ssws(), nil)
		}},
		confCase{name: "bearer lacks okta.roles.manage", op: "unassignRoleFromGroup", status: 403, run: func(ctx context.Context, env *confEnv) error {
			ra := env.e.srv.AssignGroupRole(oktatest.GroupOktaHelpDesk, oktatest.RoleHelpDeskAdmin)
			return env.raw(ctx, http.MethodDelete, groupRoles(env, oktatest.GroupOktaHelpDesk)+"/"+ra, bearer(env), nil)
		}},
		confCase{name: "unknown assignment", op: "unassignRoleFromGroup", status: 404, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodDelete, groupRoles(env, oktatest.GroupOktaHelpDesk)+"/graNoSuchAssignment0", env.ssws(), nil)
		}},
		confCase{name: "rate limited", op: "unassignRoleFromGroup", status: 429, run: func(ctx context.Context, env *confEnv) error {
			ra := env.e.srv.AssignGroupRole(oktatest.GroupOktaHelpDesk, oktatest.RoleHelpDeskAdmin)
			env.rateLimit(groupRoles(env, oktatest.GroupOktaHelpDesk))
			return env.raw(ctx, http.MethodDelete, groupRoles(env, oktatest.GroupOktaHelpDesk)+"/"+ra, env.ssws(), nil)
		}},
	)
	return cases
}
