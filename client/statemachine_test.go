package client_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// Pseudo-statuses of the state-machine table besides Okta's eight.
const (
	// stagedNoPassword is a STAGED user created without credentials, the case in
	// which activation leads to PROVISIONED rather than ACTIVE.
	stagedNoPassword client.Status = "STAGED (no password)"
	// noSuchUser is an id the org does not know.
	noSuchUser client.Status = "no such user"

	// The provider dimension (docs/OKTA.md "Providers"): people whose
	// credentials come from a federated identity provider (no password, no
	// recovery question) or from Active Directory (a delegated password).
	fedActive client.Status = "ACTIVE (FEDERATION)"
	fedStaged client.Status = "STAGED (FEDERATION)"
	adActive  client.Status = "ACTIVE (ACTIVE_DIRECTORY)"
	adLocked  client.Status = "LOCKED_OUT (ACTIVE_DIRECTORY)"
)

// smStatuses is the order in which the table's rows run.
func smStatuses() []client.Status {
	return append(client.Statuses(), stagedNoPassword, noSuchUser, fedActive, fedStaged, adActive, adLocked)
}

// linkButRefused lists the (status, link) pairs where Okta's own examples
// advertise an operation that its rules refuse (docs/OKTA.md "_links"): links
// are hints, and the refusal is Okta's last word.
func linkButRefused() map[client.Status][]string {
	return map[client.Status][]string{
		// The expirePassword response example of Okta's spec.
		client.StatusPasswordExpired: {"forgotPassword", "changeRecoveryQuestion"},
		// "Create User with Authentication Provider" in Okta's Users reference.
		fedActive: {"changeRecoveryQuestion"},
	}
}

// outcome is what one operation does from one status: either the user ends up
// in status to (and, when provider is set, with that credentials provider), or
// the call fails with err and the user does not move.
type outcome struct {
	to       client.Status
	provider client.ProviderType
	err      *wantErr
}

func to(s client.Status) outcome { return outcome{to: s} }

// toAs is to with the provider the user ends with.
func toAs(s client.Status, p client.ProviderType) outcome { return outcome{to: s, provider: p} }

func fails(w wantErr) outcome { return outcome{err: &w} }

// smCall runs one operation through the client and returns its result.
type smCall func(ctx context.Context, c *client.Client, id string) (any, error)

// smNewPassword meets the policy and shares nothing with emuPassword or the
// names addUser gives.
const smNewPassword = "Fresh-Gr33n-tea"

// TestStateMachine drives every lifecycle and credential operation from every
// status through the client against the emulator. The expectations are
// USERS-API.md §5.2 (with §4.7–§4.12), written out here rather than derived
// from the emulator; "(U)" marks the cases the reference leaves unconfirmed,
// where the table pins the emulator's documented choice.
func TestStateMachine(t *testing.T) {
	const (
		staged      = client.StatusStaged
		provisioned = client.StatusProvisioned
		active      = client.StatusActive
		recovery    = client.StatusRecovery
		lockedOut   = client.StatusLockedOut
		expired     = client.StatusPasswordExpired
		suspended   = client.StatusSuspended
		deprov      = client.StatusDeprovisioned
	)
	var (
		alreadyActive = fails(forbiddenStatus("E0000016"))
		notAllowed    = fails(forbiddenStatus("E0000038"))
		notSuspendOK  = fails(badRequestStatus()) // suspend / unsuspend: 400 E0000001 (C)
		unlockDenied  = fails(forbiddenStatus("E0000032"))
		changePwNo    = fails(forbiddenStatus("E0000035"))
		changeRQNo    = fails(forbiddenStatus("E0000036"))
		forgotNo      = fails(forbiddenStatus("E0000034"))
		unknown       = fails(notFound())
	)
	activate := func(sendEmail bool) smCall {
		return func(ctx context.Context, c *client.Client, id string) (any, error) {
			return c.Activate(ctx, id, sendEmail)
		}
	}
	resetPassword := func(sendEmail bool) smCall {
		return func(ctx context.Context, c *client.Client, id string) (any, error) {
			return c.ResetPassword(ctx, id, sendEmail)
		}
	}
	// noResult adapts a method expression such as (*client.Client).Suspend.
	noResult := func(f func(c *client.Client, ctx context.Context, id string) (client.Receipt, error)) smCall {
		return func(ctx context.Context, c *client.Client, id string) (any, error) { return nil, ok(f(c, ctx, id)) }
	}

	tests := []struct {
		op   string
		call smCall
		// link is the _links relation that advertises the operation.
		link string
		// verify checks a successful call's result and side effects.
		verify func(t *testing.T, e *emulator, login string, res any)
		from   map[client.Status]outcome
	}{
		{
			op: "activate sendEmail=true", call: activate(true), link: "activate",
			verify: func(t *testing.T, e *emulator, login string, res any) {
				got := res.(client.ActivationResult)
				assert.Equal(t, client.ActivationResult{Receipt: got.Receipt}, got, "with sendEmail Okta mails the link and answers {}")
				assert.NotEmpty(t, got.RequestID, "the answer's X-Okta-Request-Id")
			},
			from: map[client.Status]outcome{
				// STAGED and DEPROVISIONED may be activated (C); a reactivated user
				// keeps their password and becomes ACTIVE (U).
				staged: to(active), stagedNoPassword: to(provisioned), deprov: to(active),
				// ACTIVE → 403 E0000016 (C); the other statuses likewise (U).
				active: alreadyActive, provisioned: alreadyActive, recovery: alreadyActive,
				lockedOut: alreadyActive, expired: alreadyActive, suspended: alreadyActive,
				noSuchUser: unknown,
				fedActive:  alreadyActive, fedStaged: toAs(active, client.ProviderFederation), adActive: alreadyActive, adLocked: alreadyActive,
			},
		},
		{
			op: "activate sendEmail=false", call: activate(false), link: "activate",
			verify: func(t *testing.T, e *emulator, login string, res any) {
				r := res.(client.ActivationResult)
				assert.NotEmpty(t, r.ActivationToken)
				assert.Equal(t, e.srv.URL()+"/welcome/"+r.ActivationToken, r.ActivationURL, "Classic activation URL (§4.11)")
				assert.Empty(t, e.emailsTo(login), "sendEmail=false sends nothing")
			},
			from: map[client.Status]outcome{
				staged: to(active), stagedNoPassword: to(provisioned), deprov: to(active),
				active: alreadyActive, provisioned: alreadyActive, recovery: alreadyActive,
				lockedOut: alreadyActive, expired: alreadyActive, suspended: alreadyActive,
				noSuchUser: unknown,
				fedActive:  alreadyActive, fedStaged: toAs(active, client.ProviderFederation), adActive: alreadyActive, adLocked: alreadyActive,
			},
		},
		{
			op: "deactivate", call: noResult((*client.Client).Deactivate), link: "deactivate",
			from: map[client.Status]outcome{
				// Any status but DEPROVISIONED (C); DEPROVISIONED → 403 E0000038 (U).
				staged: to(deprov), stagedNoPassword: to(deprov), provisioned: to(deprov), active: to(deprov),
				recovery: to(deprov), lockedOut: to(deprov), expired: to(deprov), suspended: to(deprov),
				deprov: notAllowed, noSuchUser: unknown,
				fedActive: to(deprov), fedStaged: to(deprov), adActive: to(deprov), adLocked: to(deprov),
			},
		},
		{
			op: "suspend", call: noResult((*client.Client).Suspend), link: "suspend",
			from: map[client.Status]outcome{
				active: to(suspended),
				staged: notSuspendOK, stagedNoPassword: notSuspendOK, provisioned: notSuspendOK, recovery: notSuspendOK,
				lockedOut: notSuspendOK, expired: notSuspendOK, suspended: notSuspendOK, deprov: notSuspendOK,
				noSuchUser: unknown,
				fedActive:  to(suspended), fedStaged: notSuspendOK, adActive: to(suspended), adLocked: notSuspendOK,
			},
		},
		{
			op: "unsuspend", call: noResult((*client.Client).Unsuspend), link: "unsuspend",
			from: map[client.Status]outcome{
				suspended: to(active),
				staged:    notSuspendOK, stagedNoPassword: notSuspendOK, provisioned: notSuspendOK, active: notSuspendOK,
				recovery: notSuspendOK, lockedOut: notSuspendOK, expired: notSuspendOK, deprov: notSuspendOK,
				noSuchUser: unknown,
				fedActive:  notSuspendOK, fedStaged: notSuspendOK, adActive: notSuspendOK, adLocked: notSuspendOK,
			},
		},
		{
			op: "unlock", call: noResult((*client.Client).Unlock), link: "unlock",
			from: map[client.Status]outcome{
				// LOCKED_OUT → ACTIVE (C). The emulator has no device blocks, so an
				// ACTIVE user is "not locked out" like every other status.
				lockedOut: to(active),
				staged:    unlockDenied, stagedNoPassword: unlockDenied, provisioned: unlockDenied, active: unlockDenied,
				recovery: unlockDenied, expired: unlockDenied, suspended: unlockDenied, deprov: unlockDenied,
				noSuchUser: unknown,
				// Okta's unlock "doesn't support directory-sourced accounts".
				fedActive: unlockDenied, fedStaged: unlockDenied, adActive: unlockDenied, adLocked: unlockDenied,
			},
		},
		{
			op: "reset_password sendEmail=true", call: resetPassword(true), link: "resetPassword",
			verify: func(t *testing.T, e *emulator, login string, res any) {
				assert.Equal(t, client.ResetPasswordResult{Receipt: res.(client.ResetPasswordResult).Receipt}, res)
				mails := e.emailsTo(login)
				require.Len(t, mails, 1)
				assert.Equal(t, oktatest.EmailResetPassword, mails[0].Kind)
			},
			from: map[client.Status]outcome{
				// → RECOVERY from ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY (U)
				// and PROVISIONED (C); STAGED, SUSPENDED, DEPROVISIONED → 403 E0000038 (U).
				active: to(recovery), expired: to(recovery), lockedOut: to(recovery), recovery: to(recovery),
				provisioned: to(recovery),
				staged:      notAllowed, stagedNoPassword: notAllowed, suspended: notAllowed, deprov: notAllowed,
				noSuchUser: unknown,
				// Okta converts a federated user back to an Okta password (Users
				// reference, "Reset password"); a directory password is reset too.
				fedActive: toAs(recovery, client.ProviderOkta), fedStaged: notAllowed,
				adActive: toAs(recovery, client.ProviderActiveDirectory), adLocked: toAs(recovery, client.ProviderActiveDirectory),
			},
		},
		{
			op: "reset_password sendEmail=false", call: resetPassword(false), link: "resetPassword",
			verify: func(t *testing.T, e *emulator, login string, res any) {
				r := res.(client.ResetPasswordResult)
				assert.True(t, strings.HasPrefix(r.ResetPasswordURL, e.srv.URL()+"/reset_password/"), "URL %q", r.ResetPasswordURL)
				assert.Empty(t, e.emailsTo(login))
			},
			from: map[client.Status]outcome{
				active: to(recovery), expired: to(recovery), lockedOut: to(recovery), recovery: to(recovery),
				provisioned: to(recovery),
				staged:      notAllowed, stagedNoPassword: notAllowed, suspended: notAllowed, deprov: notAllowed,
				noSuchUser: unknown,
				fedActive:  toAs(recovery, client.ProviderOkta), fedStaged: notAllowed,
				adActive: toAs(recovery, client.ProviderActiveDirectory), adLocked: toAs(recovery, client.ProviderActiveDirectory),
			},
		},
		{
			op: "expire_password", link: "expirePassword", call: func(ctx context.Context, c *client.Client, id string) (any, error) {
				return c.ExpirePassword(ctx, id)
			},
			verify: func(t *testing.T, e *emulator, login string, res any) {
				u := res.(client.User)
				assert.Equal(t, client.StatusPasswordExpired, u.Status, "the answer is the updated User")
				assert.Equal(t, login, u.Profile.Login)
			},
			from: map[client.Status]outcome{
				// Users with a password: ACTIVE (C); PASSWORD_EXPIRED, RECOVERY,
				// LOCKED_OUT (U). Otherwise 403 E0000038 (U).
				active: to(expired), expired: to(expired), recovery: to(expired), lockedOut: to(expired),
				staged: notAllowed, stagedNoPassword: notAllowed, provisioned: notAllowed, suspended: notAllowed,
				deprov: notAllowed, noSuchUser: unknown,
				// No password to expire for a federated user; a directory password
				// expires in the directory too (Okta's expirePassword).
				fedActive: notAllowed, fedStaged: notAllowed, adActive: to(expired), adLocked: to(expired),
			},
		},
		{
			op: "expire_password tempPassword=true", link: "expirePassword", call: func(ctx context.Context, c *client.Client, id string) (any, error) {
				return c.ExpirePasswordWithTempPassword(ctx, id)
			},
			verify: func(t *testing.T, e *emulator, login string, res any) {
				r := res.(client.TempPasswordResult)
				assert.GreaterOrEqual(t, len(r.TempPassword), 8, "a usable temporary password")
				assert.NotEqual(t, emuPassword, r.TempPassword)
			},
			from: map[client.Status]outcome{
				active: to(expired), expired: to(expired), recovery: to(expired), lockedOut: to(expired),
				staged: notAllowed, stagedNoPassword: notAllowed, provisioned: notAllowed, suspended: notAllowed,
				deprov: notAllowed, noSuchUser: unknown,
				fedActive: notAllowed, fedStaged: notAllowed, adActive: to(expired), adLocked: to(expired),
			},
		},
		{
			op: "reset_factors", call: noResult((*client.Client).ResetFactors), link: "resetFactors",
			from: map[client.Status]outcome{
				// Status unchanged (C) for any non-deprovisioned user (U);
				// DEPROVISIONED → 403 E0000038 (U).
				staged: to(staged), stagedNoPassword: to(staged), provisioned: to(provisioned), active: to(active),
				recovery: to(recovery), lockedOut: to(lockedOut), expired: to(expired), suspended: to(suspended),
				deprov: notAllowed, noSuchUser: unknown,
				fedActive: to(active), fedStaged: to(staged), adActive: to(active), adLocked: to(lockedOut),
			},
		},
		{
			op: "clear sessions", call: noResult(func(c *client.Client, ctx context.Context, id string) (client.Receipt, error) {
				return c.ClearSessions(ctx, id, true)
			}),
			from: map[client.Status]outcome{
				// Any status, unchanged (C); 404 for an unknown user (C, §4.12).
				staged: to(staged), stagedNoPassword: to(staged), provisioned: to(provisioned), active: to(active),
				recovery: to(recovery), lockedOut: to(lockedOut), expired: to(expired), suspended: to(suspended),
				deprov: to(deprov), noSuchUser: unknown,
				fedActive: to(active), fedStaged: to(staged), adActive: to(active), adLocked: to(lockedOut),
			},
		},
		{
			op: "change_password", link: "changePassword", call: func(ctx context.Context, c *client.Client, id string) (any, error) {
				return c.ChangePassword(ctx, id, emuPassword, smNewPassword, client.ChangePasswordOptions{})
			},
			verify: func(t *testing.T, e *emulator, login string, res any) {
				creds := res.(client.UserCredentials)
				assert.True(t, creds.HasPassword)
				assert.Equal(t, emuQuestion, creds.RecoveryQuestion)
				u, err := e.c.GetUser(t.Context(), login)
				require.NoError(t, err)
				assert.Equal(t, u.Credentials.Provider, creds.Provider, "UserCredentials carries the user's provider")
			},
			from: map[client.Status]outcome{
				// STAGED, ACTIVE, PASSWORD_EXPIRED, RECOVERY with a password (C):
				// RECOVERY → ACTIVE (C), PASSWORD_EXPIRED → ACTIVE (U), others
				// unchanged. Otherwise 403 E0000035 (U mapping).
				staged: to(staged), active: to(active), expired: to(active), recovery: to(active),
				stagedNoPassword: changePwNo, provisioned: changePwNo, lockedOut: changePwNo, suspended: changePwNo,
				deprov: changePwNo, noSuchUser: unknown,
				fedActive: changePwNo, fedStaged: changePwNo, adActive: toAs(active, client.ProviderActiveDirectory), adLocked: changePwNo,
			},
		},
		{
			op: "change_recovery_question", link: "changeRecoveryQuestion", call: func(ctx context.Context, c *client.Client, id string) (any, error) {
				return c.ChangeRecoveryQuestion(ctx, id, emuPassword, "Which street did you grow up on?", "Acacia Avenue")
			},
			verify: func(t *testing.T, e *emulator, login string, res any) {
				assert.Equal(t, "Which street did you grow up on?", res.(client.UserCredentials).RecoveryQuestion)
			},
			from: map[client.Status]outcome{
				// STAGED, ACTIVE, RECOVERY with a password, unchanged (C);
				// otherwise 403 E0000036 (U mapping).
				staged: to(staged), active: to(active), recovery: to(recovery),
				stagedNoPassword: changeRQNo, provisioned: changeRQNo, expired: changeRQNo, lockedOut: changeRQNo,
				suspended: changeRQNo, deprov: changeRQNo, noSuchUser: unknown,
				fedActive: changeRQNo, fedStaged: changeRQNo, adActive: to(active), adLocked: changeRQNo,
			},
		},
		{
			op: "forgot_password sendEmail=false", link: "forgotPassword", call: func(ctx context.Context, c *client.Client, id string) (any, error) {
				return c.ForgotPassword(ctx, id, false)
			},
			verify: func(t *testing.T, e *emulator, login string, res any) {
				r := res.(client.ForgotPasswordResult)
				assert.True(t, strings.HasPrefix(r.ResetPasswordURL, e.srv.URL()+"/signin/reset-password/"), "URL %q", r.ResetPasswordURL)
			},
			from: map[client.Status]outcome{
				// ACTIVE with a recovery question, unchanged (C); else 403 E0000034.
				active: to(active),
				staged: forgotNo, stagedNoPassword: forgotNo, provisioned: forgotNo, recovery: forgotNo,
				lockedOut: forgotNo, expired: forgotNo, suspended: forgotNo, deprov: forgotNo,
				noSuchUser: unknown,
				fedActive:  forgotNo, fedStaged: forgotNo, adActive: to(active), adLocked: forgotNo,
			},
		},
		{
			op: "forgot_password sendEmail=true", link: "forgotPassword", call: func(ctx context.Context, c *client.Client, id string) (any, error) {
				return c.ForgotPassword(ctx, id, true)
			},
			verify: func(t *testing.T, e *emulator, login string, res any) {
				assert.Equal(t, client.ForgotPasswordResult{Receipt: res.(client.ForgotPasswordResult).Receipt}, res)
				mails := e.emailsTo(login)
				require.Len(t, mails, 1)
				assert.Equal(t, oktatest.EmailForgotPassword, mails[0].Kind)
			},
			from: map[client.Status]outcome{
				active: to(active),
				staged: forgotNo, stagedNoPassword: forgotNo, provisioned: forgotNo, recovery: forgotNo,
				lockedOut: forgotNo, expired: forgotNo, suspended: forgotNo, deprov: forgotNo,
				noSuchUser: unknown,
				fedActive:  forgotNo, fedStaged: forgotNo, adActive: to(active), adLocked: forgotNo,
			},
		},
	}

	e := newEmulator(t, emuConfig{})
	for _, tt := range tests {
		require.Len(t, tt.from, len(smStatuses()), "%s: the table must list every status", tt.op)
		for _, from := range smStatuses() {
			want, ok := tt.from[from]
			require.True(t, ok, "%s: no outcome for %s", tt.op, from)
			t.Run(tt.op+"/from "+string(from), func(t *testing.T) {
				t.Parallel()
				id, login := smUser(e, from)
				if from != noSuchUser {
					u, err := e.c.GetUser(t.Context(), id)
					require.NoError(t, err)
					if u.HasLink(tt.link) && !slices.Contains(linkButRefused()[from], tt.link) {
						assert.Nil(t, want.err, "the user's _links offer %q, so the operation must be allowed", tt.link)
					}
					if want.err == nil && tt.link != "" && !u.HasLink(tt.link) {
						t.Logf("allowed without the %q link (Okta's links are hints)", tt.link)
					}
				}
				res, err := tt.call(t.Context(), e.c, id)
				if want.err != nil {
					assertOktaError(t, *want.err, err)
					if from != noSuchUser {
						u, gerr := e.c.GetUser(t.Context(), id)
						require.NoError(t, gerr)
						assert.Equal(t, baseStatus(from), u.Status, "a refused operation leaves the status alone")
					}
					return
				}
				require.NoError(t, err)
				u, err := e.c.GetUser(t.Context(), id)
				require.NoError(t, err)
				assert.Equal(t, want.to, u.Status)
				if want.provider != "" {
					assert.Equal(t, want.provider, u.Credentials.Provider.Type, "the credentials provider afterwards")
				}
				if tt.verify != nil {
					tt.verify(t, e, login, res)
				}
			})
		}
	}
}

// smUser makes the user a row starts from; for noSuchUser it returns an id in
// Okta's shape that the org does not know.
func smUser(e *emulator, from client.Status) (id, login string) {
	switch from {
	case noSuchUser:
		return "00uNoSuchUser0000000", ""
	case stagedNoPassword:
		n := e.seq.Add(1)
		login = fmt.Sprintf("emu.bare%d@example.org", n)
		return e.srv.AddUser(oktatest.SeedUser{Status: oktatest.StatusStaged,
			Profile: map[string]any{"login": login, "email": login, "firstName": "Bare", "lastName": fmt.Sprintf("User%d", n)}}), login
	case fedActive, fedStaged:
		n := e.seq.Add(1)
		login = fmt.Sprintf("emu.federated%d@example.org", n)
		return e.srv.AddUser(oktatest.SeedUser{Status: string(baseStatus(from)),
			Profile:  map[string]any{"login": login, "email": login, "firstName": "Fed", "lastName": fmt.Sprintf("User%d", n)},
			Provider: oktatest.SeedProvider{Type: oktatest.ProviderFederation}}), login
	case adActive, adLocked:
		id, login = e.addUser(string(baseStatus(from)))
		e.srv.SetProvider(id, oktatest.ProviderActiveDirectory, oktatest.DemoDirectory)
		return id, login
	}
	return e.addUser(string(from))
}

// baseStatus maps a row's pseudo-status to the Okta status the user has.
func baseStatus(s client.Status) client.Status {
	switch s {
	case stagedNoPassword, fedStaged:
		return client.StatusStaged
	case fedActive, adActive:
		return client.StatusActive
	case adLocked:
		return client.StatusLockedOut
	}
	return s
}
