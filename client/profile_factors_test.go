package client_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
	"gatehouse/client/oktatest"
)

// TestGetUserSchema: the typed schema keeps Okta's order, the SELF permissions and each
// attribute's constraints as the org defines them.
func TestGetUserSchema(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	s, err := e.c.GetUserSchema(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, s.Attributes)
	assert.Equal(t, "login", s.Attributes[0].Name, "base attributes first, in Okta's order")
	last := s.Attributes[len(s.Attributes)-1]
	assert.True(t, last.Custom, "custom attributes last")

	tests := []struct {
		name              string
		editable, visible bool
		required, custom  bool
		format            string
	}{
		{name: "mobilePhone", editable: true, visible: true},
		{name: "preferredLanguage", editable: true, visible: true, format: "language-code"},
		{name: "timezone", editable: true, visible: true, format: "timezone"},
		{name: "title", visible: true},
		{name: "login", visible: true, required: true},
		{name: "email", visible: true, required: true, format: "email"},
		{name: "firstName", editable: true, visible: true, required: true},
		{name: "primaryPhone"},
		{name: "streetAddress"},
		{name: "officeLocation", editable: true, visible: true, custom: true},
		{name: "badgeNumber", visible: true, custom: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := s.Attribute(tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.editable, a.SelfEditable(), "editable")
			assert.Equal(t, tt.visible, a.SelfVisible(), "visible")
			assert.Equal(t, tt.required, a.Required, "required")
			assert.Equal(t, tt.custom, a.Custom, "custom")
			assert.Equal(t, tt.format, a.Format, "format")
			assert.Equal(t, client.AttributeString, a.Type)
		})
	}
	office, _ := s.Attribute("officeLocation")
	title, ok := office.EnumTitle("TYO")
	assert.True(t, ok)
	assert.Equal(t, "Tokyo", title, "display names from Okta's oneOf")
	assert.Equal(t, "Office", office.Title)
	badge, _ := s.Attribute("badgeNumber")
	assert.Equal(t, `[A-Z]-[0-9]{4}`, badge.Pattern)
	phone, _ := s.Attribute("mobilePhone")
	require.NotNil(t, phone.MaxLength)
	assert.Equal(t, 100, *phone.MaxLength)
	assert.Equal(t, "Mobile phone", phone.Title)
	assert.Equal(t, "OKTA", phone.Master, "inherited from Okta: editable even for directory people")
}

// TestSchemaAttributeParse: form text becomes the value Okta expects, or a typed problem from
// the attribute's own constraints.
func TestSchemaAttributeParse(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	s, err := e.c.GetUserSchema(t.Context())
	require.NoError(t, err)
	attr := func(name string) client.SchemaAttribute {
		a, ok := s.Attribute(name)
		require.True(t, ok, name)
		return a
	}
	n := func(i int) *int { return &i }
	tests := []struct {
		name string
		attr client.SchemaAttribute
		text string
		want any
		kind client.ProblemKind
	}{
		{name: "a phone", attr: attr("mobilePhone"), text: " +1 503 555 0100 ", want: "+1 503 555 0100"},
		{name: "empty clears an optional attribute", attr: attr("mobilePhone"), text: "  ", want: nil},
		{name: "empty refused for a required one", attr: attr("firstName"), text: "", kind: client.ProblemRequired},
		{name: "too long", attr: attr("mobilePhone"), text: strings.Repeat("5", 101), kind: client.ProblemTooLong},
		{name: "too long in characters, not bytes", attr: attr("firstName"), text: strings.Repeat("ä", 50), want: strings.Repeat("ä", 50)},
		{name: "an enum value", attr: attr("officeLocation"), text: "BER", want: "BER"},
		{name: "not in the enum", attr: attr("officeLocation"), text: "Berlin", kind: client.ProblemEnum},
		{name: "the pattern", attr: attr("badgeNumber"), text: "B-1024", want: "B-1024"},
		{name: "off the pattern", attr: attr("badgeNumber"), text: "b-1024", kind: client.ProblemPattern},
		{name: "an IANA time zone", attr: attr("timezone"), text: "Asia/Tokyo", want: "Asia/Tokyo"},
		{name: "not a time zone", attr: attr("timezone"), text: "Tokyo", kind: client.ProblemFormat},
		{name: "a language range", attr: attr("preferredLanguage"), text: "de-CH, de;q=0.8", want: "de-CH, de;q=0.8"},
		{name: "not a language", attr: attr("preferredLanguage"), text: "Deutsch!", kind: client.ProblemFormat},
		{name: "an email", attr: attr("secondEmail"), text: "alice@home.example", want: "alice@home.example"},
		{name: "not an email", attr: attr("secondEmail"), text: "alice at home", kind: client.ProblemFormat},
		{name: "an integer", attr: client.SchemaAttribute{Name: "floor", Type: client.AttributeInteger}, text: "12", want: int64(12)},
		{name: "not an integer", attr: client.SchemaAttribute{Name: "floor", Type: client.AttributeInteger}, text: "12.5", kind: client.ProblemType},
		{name: "a boolean", attr: client.SchemaAttribute{Name: "remote", Type: client.AttributeBoolean}, text: "true", want: true},
		{name: "too short", attr: client.SchemaAttribute{Name: "code", Type: client.AttributeString, MinLength: n(3)}, text: "ab", kind: client.ProblemTooShort},
		{name: "a Java pattern Go cannot read is left to Okta", attr: client.SchemaAttribute{Name: "x", Type: client.AttributeString, Pattern: `(?<=a)b`}, text: "zz", want: "zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := tt.attr.Parse(tt.text)
			if tt.kind != 0 {
				require.NotNil(t, problem)
				assert.Equal(t, tt.kind, problem.Kind)
				assert.Equal(t, tt.attr.Name, problem.Attribute)
				return
			}
			require.Nil(t, problem)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("the length problem carries the bounds", func(t *testing.T) {
		_, p := attr("firstName").Parse(strings.Repeat("A", 51))
		require.NotNil(t, p)
		assert.Equal(t, 1, p.Min)
		assert.Equal(t, 50, p.Max)
	})
}

// TestUpdateUserProfile: only the given attributes change, nil clears; a person's own token
// may change what SELF may write; Okta's refusals come back typed.
func TestUpdateUserProfile(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	alice := e.srv.UserID("alice@example.com")

	u, err := e.c.UpdateUserProfile(ctx, alice, map[string]any{"title": "Principal Engineer", "nickName": nil})
	require.NoError(t, err)
	assert.Equal(t, "Principal Engineer", u.Profile.Title)
	assert.Empty(t, u.Profile.NickName, "nil clears")
	assert.Equal(t, "+1 503 555 0199", u.Profile.MobilePhone, "attributes not sent are kept")
	assert.Equal(t, "PDX", u.Profile.Extra["officeLocation"])
	body := e.requests(http.MethodPost, "/api/v1/users/"+alice)
	require.NotEmpty(t, body)

	toks, err := e.srv.MintTokens("alice@example.com", "openid", "okta.users.read.self", "okta.users.manage.self")
	require.NoError(t, err)
	self := e.c.WithBearer(toks.AccessToken)
	u, err = self.UpdateUserProfile(ctx, "me", map[string]any{"mobilePhone": "+1 503 555 0100", "timezone": "Europe/Lisbon"})
	require.NoError(t, err)
	assert.Equal(t, "+1 503 555 0100", u.Profile.MobilePhone)
	assert.Equal(t, "Europe/Lisbon", u.Profile.Timezone)

	_, err = self.UpdateUserProfile(ctx, "me", map[string]any{"title": "CEO"})
	assertOktaError(t, wantErr{status: 403, code: "E0000077", is: is(client.ErrForbidden, client.ErrReadOnlyAttribute)}, err)

	_, err = e.c.UpdateUserProfile(ctx, alice, map[string]any{"officeLocation": "MARS", "mobilePhone": strings.Repeat("9", 101)})
	assertOktaError(t, wantErr{status: 400, code: "E0000001", is: is(client.ErrInvalid)}, err)
	var oe *client.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, map[string][]string{
		"mobilePhone":    {"The field must be between 0 and 100 characters"},
		"officeLocation": {"Does not match one of the enumerated values"},
	}, oe.FieldCauses())

	_, err = e.c.UpdateUserProfile(ctx, e.srv.UserID("judy@example.com"), map[string]any{"department": "Legal"})
	assertOktaError(t, wantErr{status: 403, code: "E0000023", is: is(client.ErrForbidden, client.ErrProfileMastered)}, err)

	_, err = e.c.UpdateUserProfile(ctx, alice, nil)
	assert.ErrorIs(t, err, client.ErrInvalid, "nothing to change is refused before calling Okta")
}

// TestFactorsClient: the typed factors, and setting up an authenticator app end to end with
// a code computed from the secret Okta gave.
func TestFactorsClient(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	alice := e.srv.UserID("alice@example.com")

	fs, err := e.c.ListFactors(ctx, alice)
	require.NoError(t, err)
	require.Len(t, fs, 1)
	push := fs[0]
	assert.Equal(t, client.FactorPush, push.Type)
	assert.Equal(t, client.KindOktaVerify, push.Kind())
	assert.Equal(t, "Alice's iPhone", push.Device())
	assert.Equal(t, "IOS", push.Profile.Platform)
	assert.True(t, push.Active())
	assert.False(t, push.Created.IsZero())
	assert.Nil(t, push.Activation)

	f, err := e.c.EnrollTOTP(ctx, alice, client.FactorProviderGoogle)
	require.NoError(t, err)
	assert.True(t, f.Pending())
	assert.Equal(t, client.KindAuthenticatorApp, f.Kind())
	require.NotNil(t, f.Activation)
	a := *f.Activation
	assert.Equal(t, 30*time.Second, a.TimeStep)
	assert.Equal(t, "base32", a.Encoding)
	assert.NotEmpty(t, a.QRCodeURL)

	uri, err := url.Parse(a.KeyURI("Gatehouse", "alice@example.com"))
	require.NoError(t, err)
	assert.Equal(t, "otpauth", uri.Scheme)
	assert.Equal(t, "totp", uri.Host)
	assert.Equal(t, "/Gatehouse:alice@example.com", uri.Path)
	assert.Equal(t, a.SharedSecret, uri.Query().Get("secret"))
	assert.Equal(t, "30", uri.Query().Get("period"))

	t.Run("the secret never reaches a log", func(t *testing.T) {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("enrolled", "activation", a)
		for _, s := range []string{fmt.Sprint(a), fmt.Sprintf("%+v", a), fmt.Sprintf("%#v", a), buf.String()} {
			assert.NotContains(t, s, a.SharedSecret)
			assert.Contains(t, s, "[redacted]")
		}
	})

	_, err = e.c.EnrollTOTP(ctx, alice, client.FactorProviderGoogle)
	assertOktaError(t, wantErr{status: 400, code: "E0000001", is: is(client.ErrInvalid, client.ErrFactorAlreadyEnrolled)}, err)

	wrong, err := oktatest.TOTPCode(a.SharedSecret, e.clock.Now().Add(10*time.Minute))
	require.NoError(t, err)
	_, err = e.c.ActivateFactor(ctx, alice, f.ID, wrong)
	assertOktaError(t, wantErr{status: 403, code: "E0000068", is: is(client.ErrForbidden, client.ErrInvalidPasscode)}, err)

	code, err := oktatest.TOTPCode(a.SharedSecret, e.clock.Now())
	require.NoError(t, err)
	active, err := e.c.ActivateFactor(ctx, alice, f.ID, code)
	require.NoError(t, err)
	assert.True(t, active.Active())
	assert.Nil(t, active.Activation)

	got, err := e.c.GetFactor(ctx, alice, f.ID)
	require.NoError(t, err)
	assert.Equal(t, client.FactorActive, got.Status)

	require.NoError(t, e.c.DeleteFactor(ctx, alice, f.ID))
	fs, err = e.c.ListFactors(ctx, alice)
	require.NoError(t, err)
	assert.Len(t, fs, 1)
	err = e.c.DeleteFactor(ctx, alice, f.ID)
	assert.ErrorIs(t, err, client.ErrNotFound)

	t.Run("kinds and devices of every seeded type", func(t *testing.T) {
		id, _ := e.addUser(oktatest.StatusActive)
		for _, sf := range []oktatest.SeedFactor{{Type: oktatest.FactorSMS, PhoneNumber: "+15554151337"},
			{Type: oktatest.FactorWebAuthn, DeviceName: "YubiKey 5C"}, {Type: oktatest.FactorEmail, Email: "me@example.org"},
			{Type: oktatest.FactorQuestion}} {
			e.srv.EnrollFactor(id, sf)
		}
		fs, err := e.c.ListFactors(ctx, id)
		require.NoError(t, err)
		var got []string
		for _, f := range fs {
			got = append(got, fmt.Sprintf("%d %s", f.Kind(), f.Device()))
		}
		assert.Equal(t, []string{
			fmt.Sprintf("%d +15554151337", client.KindPhone), fmt.Sprintf("%d YubiKey 5C", client.KindSecurityKey),
			fmt.Sprintf("%d me@example.org", client.KindEmail), fmt.Sprintf("%d ", client.KindSecurityQuestion),
		}, got)
		assert.Equal(t, "What is your favorite piece of art?", fs[3].Profile.QuestionText)
	})
	t.Run("a pending enrolment is resumable from the list", func(t *testing.T) {
		erin := e.srv.UserID("erin@example.com")
		fs, err := e.c.ListFactors(ctx, erin)
		require.NoError(t, err)
		require.Len(t, fs, 1)
		require.NotNil(t, fs[0].Activation)
		code, err := oktatest.TOTPCode(fs[0].Activation.SharedSecret, e.clock.Now())
		require.NoError(t, err)
		_, err = e.c.ActivateFactor(ctx, erin, fs[0].ID, code)
		require.NoError(t, err)
	})
}

// TestGroupMembershipClient: adding and removing a person from an Okta group, and Okta's
// refusal of an APP_GROUP typed as ErrMembershipRefused.
func TestGroupMembershipClient(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	ctx := t.Context()
	alice := e.srv.UserID("alice@example.com")
	finance := e.srv.GroupIDOfType(oktatest.GroupFinance, oktatest.GroupOkta)
	inFinance := func() bool {
		gs, err := e.c.ListUserGroups(ctx, alice)
		require.NoError(t, err)
		return slices.ContainsFunc(gs, func(g client.Group) bool { return g.ID == finance })
	}
	require.NoError(t, e.c.AddUserToGroup(ctx, finance, alice))
	assert.True(t, inFinance())
	require.NoError(t, e.c.AddUserToGroup(ctx, finance, alice), "idempotent")
	require.NoError(t, e.c.RemoveUserFromGroup(ctx, finance, alice))
	assert.False(t, inFinance())

	err := e.c.AddUserToGroup(ctx, e.srv.GroupIDOfType(oktatest.GroupHelpdesk, oktatest.GroupApp), alice)
	assertOktaError(t, wantErr{status: 403, code: "E0000006", is: is(client.ErrForbidden, client.ErrMembershipRefused)}, err)
	assert.ErrorIs(t, e.c.AddUserToGroup(ctx, "", alice), client.ErrInvalid)

	t.Run("search the groups Okta lets Gatehouse change, page by page", func(t *testing.T) {
		var seen []string
		p := client.ListGroupsParams{Search: `type eq "OKTA_GROUP"`, SortBy: "profile.name", Limit: 2}
		for range 10 {
			page, err := e.c.ListGroups(ctx, p)
			require.NoError(t, err)
			for _, g := range page.Groups {
				assert.Equal(t, "OKTA_GROUP", g.Type)
				seen = append(seen, g.Profile.Name)
			}
			if page.NextAfter == "" {
				break
			}
			p.After = page.NextAfter
		}
		assert.Contains(t, seen, oktatest.GroupFinance)
		assert.NotContains(t, seen, "Everyone")
		assert.True(t, slices.IsSortedFunc(seen, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }), "%v", seen)
		_, err := e.c.ListGroups(ctx, client.ListGroupsParams{Search: "x", Filter: "y"})
		assert.ErrorIs(t, err, client.ErrInvalid)
	})
}

// TestReactivateUserClient: grace's activation, resent as a link, finishes on Okta's page.
func TestReactivateUserClient(t *testing.T) {
	e := newEmulator(t, emuConfig{})
	grace := e.srv.UserID("grace@example.com")
	res, err := e.c.ReactivateUser(t.Context(), grace, false)
	require.NoError(t, err)
	require.NotEmpty(t, res.ActivationURL)
	assert.NotContains(t, res.String(), res.ActivationToken)

	b := newBrowser(t, e)
	page := b.get(t, res.ActivationURL)
	require.Equal(t, http.StatusOK, page.status)
	done := b.submit(t, page, map[string]string{"newPassword": "Gr8-Start-Here", "confirmPassword": "Gr8-Start-Here"})
	require.Equal(t, http.StatusOK, done.status)
	assert.Equal(t, oktatest.StatusActive, e.srv.UserStatus(grace))

	_, err = e.c.ReactivateUser(t.Context(), grace, true)
	assertOktaError(t, forbiddenStatus("E0000038"), err)
}
