// Package oktatest is an in-memory Okta org for tests and for Gatehouse's dev mode,
// in the spirit of net/http/httptest.
//
// A Server speaks two of Okta's surfaces over real HTTP on loopback:
//
//   - the Users API under /api/v1 (every operation in USERS-API.md §2, plus
//     GET /api/v1/groups?q= and a few neighbours such as DELETE /api/v1/users/{id}),
//     with Okta's statuses, error bodies, user state machine, Link paging and
//     X-Rate-Limit-* headers;
//   - Okta's admin role assignments for users and groups
//     (GET/POST /api/v1/users/{id}/roles, DELETE …/roles/{id}; roles.go);
//   - the user schema (GET/POST /api/v1/meta/schemas/user/{id}, schema.go) with the
//     SELF permission of each attribute; every profile write is validated against it;
//   - the Factors API (/api/v1/users/{id}/factors…, factors.go): list, TOTP enrolment
//     and activation checked per RFC 6238 (totp.go), unenrolment, a QR code image;
//   - group membership (PUT/DELETE /api/v1/groups/{groupId}/users/{userId},
//     membership.go);
//   - the Policies API for PASSWORD policies (/api/v1/policies and their rules)
//     and, on an Identity Engine org, the MyAccount API's
//     /idp/myaccount/password/complexity-requirements;
//   - the org authorization server (issuer = the base URL, endpoints under /oauth2/v1/):
//     discovery, JWKS, authorize with a sign-in page, token (authorization code with
//     PKCE S256, refresh token rotation), userinfo, revoke, introspect and logout.
//
// It also serves the pages Okta would serve to a person: the sign-in and
// expired-password pages, the one-time activation (/welcome/{token}) and reset
// password (/reset_password/{token}, /signin/reset-password/{token}) pages, an app
// landing page (/home/...) and SVG app logos (/logos/{appName}.svg).
//
// The org varies as real orgs do (docs/OKTA.md): password policies chosen per
// person by priority, groups and provider and enforced on every password
// operation; people whose credentials come from a federated identity provider
// or a directory; Classic or Identity Engine recovery (Config.IdentityEngine);
// case-sensitive filter= and search= expressions; asynchronous activation and
// deactivation with transitioningToStatus and 409 E0000112; _links per status,
// credentials and provider; and Okta's rate-limit buckets per endpoint family,
// the 50% share per API token or OAuth app and the org's concurrency limit
// (Config.RateTier and friends).
//
// All state lives in one mutex-protected store, so a Server may be used from many
// goroutines. Time comes from Config.Now, so tests can drive expiries with a fake clock.
//
// The package deliberately does not import gatehouse/client: it declares its own wire
// structs, so a wrong JSON tag in the client cannot hide behind the same wrong tag here.
// It imports only the standard library, go-jose and rsc.io/qr (the QR code image of a
// TOTP enrolment).
//
// # Test hooks
//
// Besides the Okta API, a Server offers Go methods to seed and inspect the org
// (AddUser, SetStatus, SetProvider, SetAsyncLifecycle, CompleteTransitions,
// Emails, SignInSessions, Factors, EnrollFactor, TOTPCode, SetSchemaPermission,
// ProfileValue, GroupMembers, ...), to inject faults (Inject, SetLatency,
// ForceRateLimit) and to tamper with ID tokens (TamperNextIDToken,
// RotateSigningKey, SetJWKSDown, SetDiscoveryIssuer).
//
// # Control API
//
// For out-of-process tests and benchmarks (cmd/okta-emulator), the same hooks are
// partly reachable over HTTP under /_emulator/. Every control call needs the
// header "Authorization: SSWS <API token>" and answers 401 without it. Control
// calls are not rate limited, not subject to faults and not recorded in Requests.
//
//	GET  /_emulator/stats           {"requests": {"<operation>": count, ...}, "total": n}
//	                                (counts since start or the last reset; "total" also
//	                                counts requests without an operation name)
//	POST /_emulator/reset-stats     clears the request log and the counters; 204
//	POST /_emulator/latency?d=50ms  sets the latency added to every /api/v1 call;
//	                                with &path=/prefix it sets a per-route latency; 204
//	POST /_emulator/fault?path=/api/v1/users&status=429&count=3
//	                                injects a fault (faults.go lists every parameter):
//	                                matching calls answer the status with Okta's
//	                                error body for it (E0000047 for 429, ...); 204
//	POST /_emulator/clear-faults    removes injected faults and forced rate limits; 204
//	GET  /_emulator/emails          the outbox as JSON [{"to","kind","link","code","time"}]
//	                                (the links and sign-in codes are one-time secrets:
//	                                dev use only)
package oktatest
