package client_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

// TestDefaultScopesCoverEveryOperation: the scopes the service app asks for by default cover
// the oauth2 security requirement, in Okta's own OpenAPI file, of every operation the client
// calls (the conformance cases exercise them all). A manage scope covers its read scope.
func TestDefaultScopesCoverEveryOperation(t *testing.T) {
	doc := requireOktaSpec(t)
	have := client.DefaultScopes()
	covered := func(scope string) bool {
		if slices.Contains(have, scope) {
			return true
		}
		base, isRead := strings.CutSuffix(scope, ".read")
		return isRead && slices.Contains(have, base+".manage")
	}
	// Operations the service app never performs: the MyAccount API takes the person's own
	// token, and Gatehouse never changes a password policy or an admin role assignment (the
	// conformance cases exercise those so that any Okta client can drive the emulator).
	notByTheServiceApp := []string{
		"getPasswordRequirements",
		"createPolicy", "replacePolicy", "deletePolicy", "activatePolicy", "deactivatePolicy",
		"createPolicyRule", "deletePolicyRule",
		"assignRoleToUser", "unassignRoleFromUser", "unassignRoleFromGroup",
		"updateUserProfile", // changes the user schema: an admin's job in Okta
	}
	seen := map[string]bool{}
	for _, cc := range conformanceCases() {
		if seen[cc.op] || slices.Contains(notByTheServiceApp, cc.op) {
			continue
		}
		seen[cc.op] = true
		route, err := specRouteByID(doc, cc.op)
		require.NoError(t, err)
		require.NotNil(t, route.Operation.Security, "%s lists its security", cc.op)
		var need []string
		for _, req := range *route.Operation.Security {
			if s, ok := req["oauth2"]; ok {
				need = s
			}
		}
		require.NotEmpty(t, need, "%s accepts OAuth access tokens", cc.op)
		for _, s := range need {
			assert.True(t, covered(s), "%s needs %s, which DefaultScopes lacks", cc.op, s)
		}
	}
	assert.GreaterOrEqual(t, len(seen), 15, "the conformance cases cover the client's operations")
}
