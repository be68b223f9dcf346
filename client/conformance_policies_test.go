package client_test

import (
	"context"
	"net/http"
	"strings"

	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// policyConformanceCases covers the Policies API for PASSWORD policies. Some
// cases call it raw: ListPasswordPolicies also reads each policy's rules, and
// the client has no method for the operations Gatehouse does not use.
func policyConformanceCases() []confCase {
	const nope = "00pNoSuchPolicy00000"
	var cases []confCase
	add := func(cs ...confCase) { cases = append(cases, cs...) }
	policyID := func(env *confEnv, name string) string {
		ps, err := env.c.ListPasswordPolicies(env.t.Context())
		require.NoError(env.t, err)
		env.rec.reset()
		for _, p := range ps {
			if p.Name == name {
				return p.ID
			}
		}
		env.t.Fatalf("no policy %q", name)
		return ""
	}
	finance := func(env *confEnv) string { return policyID(env, oktatest.FinancePolicyName) }
	// fresh makes a policy of its own for a case that changes one.
	fresh := func(ctx context.Context, env *confEnv) string {
		p, err := env.c.CreatePasswordPolicy(ctx, client.PasswordPolicy{Name: "Conf " + env.t.Name(),
			GroupIDs: []string{env.e.srv.GroupID(oktatest.GroupSales)}, Complexity: client.PasswordComplexity{MinLength: 10}})
		require.NoError(env.t, err)
		env.rec.reset()
		return p.ID
	}
	bearer := func(env *confEnv) string { tok, _ := env.selfToken(readSelf); return "Bearer " + tok }
	path := func(id string, rest ...string) string { return "/api/v1/policies/" + id + strings.Join(rest, "") }
	newPolicy := func(env *confEnv, name string, minLength int) client.PasswordPolicy {
		return client.PasswordPolicy{Name: name, GroupIDs: []string{env.e.srv.GroupID(oktatest.GroupEngineering)},
			Complexity: client.PasswordComplexity{MinLength: minLength, MinLowerCase: 1, MinUpperCase: 1, MinNumber: 1, ExcludeUsername: true},
			Age:        client.PasswordAge{HistoryCount: 5}, Lockout: client.PasswordLockout{MaxAttempts: 6}}
	}
	rule := client.PolicyRule{Name: "Conf rule", PasswordChange: "ALLOW", SelfServicePasswordReset: "ALLOW", SelfServiceUnlock: "DENY"}

	// common adds the answers every policy-scoped operation shares: 404 for an
	// unknown policy, 403 for a person's token, 429 when rate limited. call runs
	// the operation through the client (nil: raw with body).
	common := func(op, method, suffix string, body any, call func(ctx context.Context, c *client.Client, id string) error) {
		run := func(ctx context.Context, env *confEnv, id, authz string) error {
			if call != nil {
				c := env.c
				if authz != "" {
					c = c.WithBearer(strings.TrimPrefix(authz, "Bearer "))
				}
				return call(ctx, c, id)
			}
			if authz == "" {
				authz = env.ssws()
			}
			return env.raw(ctx, method, path(id, suffix), authz, body)
		}
		add(
			confCase{name: "unknown policy", op: op, status: 404, run: func(ctx context.Context, env *confEnv) error { return run(ctx, env, nope, "") }},
			confCase{name: "a person's token", op: op, status: 403, run: func(ctx context.Context, env *confEnv) error {
				id := finance(env)
				return run(ctx, env, id, bearer(env))
			}},
			confCase{name: "rate limited", op: op, status: 429, run: func(ctx context.Context, env *confEnv) error {
				id := finance(env)
				env.rateLimit("/api/v1/policies")
				return run(ctx, env, id, "")
			}},
		)
	}

	// GET /api/v1/policies?type=PASSWORD
	list := func(authz func(env *confEnv) string, query string) func(ctx context.Context, env *confEnv) error {
		return func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodGet, "/api/v1/policies"+query, authz(env), nil)
		}
	}
	ssws := func(env *confEnv) string { return env.ssws() }
	add(
		confCase{name: "PASSWORD", op: "listPolicies", status: 200, run: list(ssws, "?type=PASSWORD")},
		confCase{name: "without a type", op: "listPolicies", status: 400, undocumented: whyPolicies400,
			offSpecRequest: "type is required", run: list(ssws, "")},
		confCase{name: "a person's token", op: "listPolicies", status: 403, run: list(bearer, "?type=PASSWORD")},
		confCase{name: "rate limited", op: "listPolicies", status: 429, run: func(ctx context.Context, env *confEnv) error {
			env.rateLimit("/api/v1/policies")
			return list(ssws, "?type=PASSWORD")(ctx, env)
		}},
	)
	// POST /api/v1/policies
	add(
		confCase{name: "created", op: "createPolicy", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.CreatePasswordPolicy(ctx, newPolicy(env, "Conf create", 12)))
		}},
		confCase{name: "minimum length out of range", op: "createPolicy", status: 400, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.CreatePasswordPolicy(ctx, newPolicy(env, "Conf too short", 3)))
		}},
		confCase{name: "a person's token", op: "createPolicy", status: 403, run: func(ctx context.Context, env *confEnv) error {
			tok, _ := env.selfToken(readSelf)
			return ok(env.c.WithBearer(tok).CreatePasswordPolicy(ctx, newPolicy(env, "Conf bearer", 12)))
		}},
		confCase{name: "rate limited", op: "createPolicy", status: 429, run: func(ctx context.Context, env *confEnv) error {
			env.rateLimit("/api/v1/policies")
			return ok(env.c.CreatePasswordPolicy(ctx, newPolicy(env, "Conf limited", 12)))
		}},
	)
	// GET /api/v1/policies/{id}
	add(confCase{name: "the Finance policy", op: "getPolicy", status: 200, run: func(ctx context.Context, env *confEnv) error {
		return env.raw(ctx, http.MethodGet, path(finance(env)), env.ssws(), nil)
	}})
	common("getPolicy", http.MethodGet, "", nil, nil)
	// PUT /api/v1/policies/{id}
	replace := func(minLength int) func(ctx context.Context, c *client.Client, id string) error {
		return func(ctx context.Context, c *client.Client, id string) error {
			p := client.PasswordPolicy{ID: id, Name: "Conf replaced " + id, Complexity: client.PasswordComplexity{MinLength: minLength}}
			return ok(c.ReplacePasswordPolicy(ctx, p))
		}
	}
	add(
		confCase{name: "replaced", op: "replacePolicy", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return replace(16)(ctx, env.c, fresh(ctx, env))
		}},
		confCase{name: "minimum length out of range", op: "replacePolicy", status: 400, run: func(ctx context.Context, env *confEnv) error {
			return replace(31)(ctx, env.c, fresh(ctx, env))
		}},
	)
	common("replacePolicy", http.MethodPut, "", nil, replace(12))
	// DELETE /api/v1/policies/{id}
	add(
		confCase{name: "deleted", op: "deletePolicy", status: 204, run: func(ctx context.Context, env *confEnv) error {
			return env.c.DeletePolicy(ctx, fresh(ctx, env))
		}},
		confCase{name: "the default policy", op: "deletePolicy", status: 403, run: func(ctx context.Context, env *confEnv) error {
			return env.c.DeletePolicy(ctx, policyID(env, oktatest.DefaultPolicyName))
		}},
	)
	common("deletePolicy", http.MethodDelete, "", nil, func(ctx context.Context, c *client.Client, id string) error { return c.DeletePolicy(ctx, id) })
	// POST …/lifecycle/activate and …/deactivate
	for _, lc := range []struct{ op, suffix string }{{"activatePolicy", "/lifecycle/activate"}, {"deactivatePolicy", "/lifecycle/deactivate"}} {
		add(confCase{name: "done", op: lc.op, status: 204, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodPost, path(fresh(ctx, env), lc.suffix), env.ssws(), nil)
		}})
		common(lc.op, http.MethodPost, lc.suffix, nil, nil)
	}
	// …/rules
	add(
		confCase{name: "the Finance policy's", op: "listPolicyRules", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.ListPolicyRules(ctx, finance(env)))
		}},
		confCase{name: "added", op: "createPolicyRule", status: 200, run: func(ctx context.Context, env *confEnv) error {
			return ok(env.c.CreatePolicyRule(ctx, fresh(ctx, env), rule))
		}},
		confCase{name: "an unknown access", op: "createPolicyRule", status: 400, offSpecRequest: "access is ALLOW or DENY", run: func(ctx context.Context, env *confEnv) error {
			bad := rule
			bad.PasswordChange = "MAYBE"
			return ok(env.c.CreatePolicyRule(ctx, fresh(ctx, env), bad))
		}},
	)
	common("listPolicyRules", http.MethodGet, "/rules", nil, func(ctx context.Context, c *client.Client, id string) error {
		return ok(c.ListPolicyRules(ctx, id))
	})
	common("createPolicyRule", http.MethodPost, "/rules", nil, func(ctx context.Context, c *client.Client, id string) error {
		return ok(c.CreatePolicyRule(ctx, id, rule))
	})
	// DELETE …/rules/{ruleId}
	const noRule = "/rules/0prNoSuchRule000000"
	add(
		confCase{name: "deleted", op: "deletePolicyRule", status: 204, run: func(ctx context.Context, env *confEnv) error {
			id := fresh(ctx, env)
			r, err := env.c.CreatePolicyRule(ctx, id, rule)
			require.NoError(env.t, err)
			env.rec.reset()
			return env.raw(ctx, http.MethodDelete, path(id, "/rules/", r.ID), env.ssws(), nil)
		}},
		confCase{name: "unknown rule", op: "deletePolicyRule", status: 404, run: func(ctx context.Context, env *confEnv) error {
			return env.raw(ctx, http.MethodDelete, path(finance(env), noRule), env.ssws(), nil)
		}},
		confCase{name: "a person's token", op: "deletePolicyRule", status: 403, run: func(ctx context.Context, env *confEnv) error {
			id := finance(env)
			return env.raw(ctx, http.MethodDelete, path(id, noRule), bearer(env), nil)
		}},
		confCase{name: "rate limited", op: "deletePolicyRule", status: 429, run: func(ctx context.Context, env *confEnv) error {
			id := finance(env)
			env.rateLimit("/api/v1/policies")
			return env.raw(ctx, http.MethodDelete, path(id, noRule), env.ssws(), nil)
		}},
	)
	return cases
}

// myAccountConformanceCases covers the MyAccount API's password rules,
// validated against Okta's MyAccount spec.
func myAccountConformanceCases() []confCase {
	mine := func(login string) func(ctx context.Context, env *confEnv) error {
		return func(ctx context.Context, env *confEnv) error {
			tok, err := env.e.srv.MintTokens(login, "openid", "okta.myAccount.password.read")
			require.NoError(env.t, err)
			return ok(env.c.WithBearer(tok.AccessToken).GetMyPasswordComplexity(ctx))
		}
	}
	return []confCase{
		{name: "a Finance member", op: "getPasswordRequirements", status: 200, identityEngine: true, run: mine("kate@example.com")},
		{name: "a Classic org", op: "getPasswordRequirements", status: 401, run: mine("alice@example.com")},
	}
}
