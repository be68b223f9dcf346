package client_test

// Fixtures in Okta's wire format, from the examples in USERS-API.md (§3.1–§3.4,
// §3.5, §6) with a custom profile attribute added.

const userID = "00u1a2b3c4D5e6F7g8h9"

const userJSON = `{
  "id": "00u1a2b3c4D5e6F7g8h9",
  "status": "ACTIVE",
  "created": "2024-05-01T17:03:22.000Z",
  "activated": "2024-05-01T17:03:23.000Z",
  "statusChanged": "2024-05-01T17:03:23.000Z",
  "lastLogin": null,
  "lastUpdated": "2024-05-02T08:11:40.000Z",
  "passwordChanged": "2024-05-01T17:03:22.000Z",
  "type": { "id": "oty9z8y7x6W5v4U3t2s1" },
  "profile": {
    "firstName": "Ada", "lastName": "Quinn",
    "email": "ada.quinn@example.org", "login": "ada.quinn@example.org",
    "mobilePhone": null, "secondEmail": null,
    "badgeNumber": "B-1024"
  },
  "credentials": {
    "password": {},
    "recovery_question": { "question": "Name of your first pet?" },
    "provider": { "type": "OKTA", "name": "OKTA" }
  },
  "_links": {
    "suspend":        { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/lifecycle/suspend", "method": "POST" },
    "resetPassword":  { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/lifecycle/reset_password", "method": "POST" },
    "expirePassword": { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/lifecycle/expire_password", "method": "POST" },
    "forgotPassword": { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/credentials/forgot_password", "method": "POST" },
    "changeRecoveryQuestion": { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/credentials/change_recovery_question", "method": "POST" },
    "deactivate":     { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/lifecycle/deactivate", "method": "POST" },
    "changePassword": { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/credentials/change_password", "method": "POST" },
    "self":           { "href": "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9" }
  }
}`

// stagedUserJSON is a STAGED user in collection form: no password, only "self".
const stagedUserJSON = `{
  "id": "00u2staged0000000001",
  "status": "STAGED",
  "created": "2024-05-03T10:00:00.000Z",
  "activated": null,
  "statusChanged": null,
  "lastLogin": null,
  "lastUpdated": "2024-05-03T10:00:00.000Z",
  "passwordChanged": null,
  "type": { "id": "oty9z8y7x6W5v4U3t2s1" },
  "profile": { "firstName": "Dave", "lastName": "Stone", "email": "dave@example.com",
               "login": "dave@example.com", "mobilePhone": null, "secondEmail": null },
  "credentials": { "provider": { "type": "OKTA", "name": "OKTA" } },
  "_links": { "self": { "href": "https://acme.okta.com/api/v1/users/00u2staged0000000001" } }
}`

const credsJSON = `{ "password": {}, "recovery_question": { "question": "Name of your first pet?" },
  "provider": { "type": "OKTA", "name": "OKTA" } }`

const appLinksJSON = `[ { "id": "00u1a2b3c4D5e6F7g8h9", "label": "Expense Tracker",
    "linkUrl": "https://acme.okta.com/home/acme_expense/0oa11aa22BB33cc44DD5/aln5z7uhkbM6y7bMy0g7",
    "logoUrl": "https://ok12static.oktacdn.com/assets/img/logos/default.png",
    "appName": "acme_expense", "appInstanceId": "0oa11aa22BB33cc44DD5",
    "appAssignmentId": "0ua55ee66FF77gg88HH9", "credentialsSetup": false,
    "hidden": false, "sortOrder": 0 },
  { "id": "00u1a2b3c4D5e6F7g8h9", "label": "Legacy VPN",
    "linkUrl": "https://acme.okta.com/home/legacy_vpn/0oa99aa22BB33cc44DD5/aln1",
    "logoUrl": "https://ok12static.oktacdn.com/assets/img/logos/vpn.png",
    "appName": "legacy_vpn", "appInstanceId": "0oa99aa22BB33cc44DD5",
    "appAssignmentId": "0ua99ee66FF77gg88HH9", "credentialsSetup": true,
    "hidden": true, "sortOrder": 3 } ]`

const groupsJSON = `[ { "id": "00g0everyone00000001", "created": "2020-01-01T00:00:00.000Z",
    "lastUpdated": "2020-01-01T00:00:00.000Z", "lastMembershipUpdated": "2024-05-01T17:03:23.000Z",
    "objectClass": ["okta:user_group"], "type": "BUILT_IN",
    "profile": { "name": "Everyone", "description": "All users in your organization" },
    "_links": {
      "logo": [ { "name": "medium", "href": "https://ok12static.oktacdn.com/assets/img/logos/groups/okta-medium.png", "type": "image/png" },
                { "name": "large",  "href": "https://ok12static.oktacdn.com/assets/img/logos/groups/okta-large.png",  "type": "image/png" } ],
      "users": { "href": "https://acme.okta.com/api/v1/groups/00g0everyone00000001/users" },
      "apps":  { "href": "https://acme.okta.com/api/v1/groups/00g0everyone00000001/apps" } } },
  { "id": "00g1portal0users0001", "created": "2024-01-10T09:00:00.000Z",
    "lastUpdated": "2024-01-10T09:00:00.000Z", "lastMembershipUpdated": "2024-05-01T17:03:22.000Z",
    "objectClass": ["okta:user_group"], "type": "OKTA_GROUP",
    "profile": { "name": "Portal Users", "description": null },
    "_links": { "logo": [], "users": { "href": "https://acme.okta.com/api/v1/groups/00g1portal0users0001/users" },
                "apps": { "href": "https://acme.okta.com/api/v1/groups/00g1portal0users0001/apps" } } } ]`

// Error bodies (USERS-API.md §3.5, §4.4, §5.2, §6).
const (
	errNotFoundJSON = `{ "errorCode": "E0000007", "errorSummary": "Not found: Resource not found: nobody (User)",
  "errorLink": "E0000007", "errorId": "oaeNotFound0000000000000", "errorCauses": [] }`
	errDuplicateLoginJSON = `{ "errorCode": "E0000001", "errorSummary": "Api validation failed: login",
  "errorLink": "E0000001", "errorId": "oaeXq1Lz0aBcDeFgHiJkLmNo",
  "errorCauses": [ { "errorSummary": "login: An object with this field already exists in the current organization" } ] }`
	errCredentialsJSON = `{ "errorCode": "E0000014", "errorSummary": "Update of credentials failed",
  "errorLink": "E0000014", "errorId": "oaeZ9y8x7w6v5u4t3s2r1qP0o",
  "errorCauses": [ { "errorSummary": "Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username." } ] }`
	errAlreadyActiveJSON = `{ "errorCode": "E0000016", "errorSummary": "Activation failed because the user is already active",
  "errorLink": "E0000016", "errorId": "oaeQ2w3e4r5t6y7u8i9o0pA1b", "errorCauses": [] }`
	errSuspendJSON = `{ "errorCode": "E0000001", "errorSummary": "Api validation failed: suspendUser",
  "errorLink": "E0000001", "errorId": "oaeEZ0YOffyTiKJMrfTUGdGMg",
  "errorCauses": [ { "errorSummary": "Cannot suspend a user that is not active" } ] }`
	errUnsuspendJSON = `{ "errorCode": "E0000001", "errorSummary": "Api validation failed: unsuspendUser",
  "errorLink": "E0000001", "errorId": "oaeEZ0YOffyTiKJMrfTUGdGMh",
  "errorCauses": [ { "errorSummary": "Cannot unsuspend a user that is not suspended" } ] }`
	errUnlockJSON = `{ "errorCode": "E0000032", "errorSummary": "Unlock is not allowed for this user.",
  "errorLink": "E0000032", "errorId": "oaeUnlock000000000000000",
  "errorCauses": [ { "errorSummary": "The user is not locked out." } ] }`
	errInvalidTokenJSON = `{ "errorCode": "E0000011", "errorSummary": "Invalid token provided",
  "errorLink": "E0000011", "errorId": "oaeToken0000000000000000", "errorCauses": [] }`
	errRateLimitJSON = `{ "errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests.",
  "errorLink": "E0000047", "errorId": "oaeR4t3e2w1q0p9o8i7u6y5t4", "errorCauses": [] }`
	errServerJSON = `{ "errorCode": "E0000009", "errorSummary": "Internal Server Error",
  "errorLink": "E0000009", "errorId": "oaeServer000000000000000", "errorCauses": [] }`
)

// errorJSON builds an Okta error body with the given code and summary.
func errorJSON(code, summary string) string {
	return `{"errorCode":"` + code + `","errorSummary":"` + summary + `","errorLink":"` + code +
		`","errorId":"oaeGeneric00000000000000","errorCauses":[]}`
}
