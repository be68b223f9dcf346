package client_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestUserDecodesOktaShape(t *testing.T) {
	var u client.User
	require.NoError(t, json.Unmarshal([]byte(userJSON), &u))

	assert.Equal(t, userID, u.ID)
	assert.Equal(t, client.StatusActive, u.Status)
	assert.Equal(t, ts("2024-05-01T17:03:22Z"), u.Created)
	require.NotNil(t, u.Activated)
	assert.Equal(t, ts("2024-05-01T17:03:23Z"), *u.Activated)
	require.NotNil(t, u.StatusChanged)
	assert.Nil(t, u.LastLogin, "null timestamp")
	assert.Equal(t, ts("2024-05-02T08:11:40Z"), u.LastUpdated)
	require.NotNil(t, u.PasswordChanged)
	assert.Empty(t, u.TransitioningToStatus)
	assert.Equal(t, "oty9z8y7x6W5v4U3t2s1", u.Type.ID)

	assert.Equal(t, "Ada", u.Profile.FirstName)
	assert.Equal(t, "Quinn", u.Profile.LastName)
	assert.Equal(t, "ada.quinn@example.org", u.Profile.Email)
	assert.Equal(t, "ada.quinn@example.org", u.Profile.Login)
	assert.Empty(t, u.Profile.MobilePhone, "null attribute")
	assert.Empty(t, u.Profile.SecondEmail)
	assert.Equal(t, map[string]any{"badgeNumber": "B-1024"}, u.Profile.Extra)

	assert.True(t, u.Credentials.HasPassword)
	assert.NotNil(t, u.Credentials.Password)
	assert.Equal(t, "Name of your first pet?", u.Credentials.RecoveryQuestion)
	assert.Equal(t, client.Provider{Type: "OKTA", Name: "OKTA"}, u.Credentials.Provider)

	assert.Len(t, u.Links, 8)
	assert.Equal(t, client.Link{Href: "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/lifecycle/suspend", Method: "POST"}, u.Links["suspend"])
	assert.Equal(t, client.Link{Href: "https://acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9"}, u.Links["self"])
	assert.True(t, u.HasLink("suspend"))
	assert.True(t, u.HasLink("forgotPassword"))
	assert.False(t, u.HasLink("unsuspend"))
	assert.False(t, u.HasLink("activate"))
}

func TestUserWithoutPasswordAndTransitioning(t *testing.T) {
	var u client.User
	require.NoError(t, json.Unmarshal([]byte(`{"id":"00u2","status":"ACTIVE","transitioningToStatus":"DEPROVISIONED",
		"created":"2024-05-03T10:00:00.000Z","activated":null,"passwordChanged":null,
		"profile":null,"credentials":{"provider":{"type":"FEDERATION","name":"FEDERATION"}},"_links":null,
		"realmId":"guo1", "_embedded":{"x":1}}`), &u))
	assert.Equal(t, client.StatusDeprovisioned, u.TransitioningToStatus)
	assert.False(t, u.Credentials.HasPassword)
	assert.Nil(t, u.Credentials.Password)
	assert.Empty(t, u.Credentials.RecoveryQuestion)
	assert.Equal(t, client.ProviderFederation, u.Credentials.Provider.Type)
	assert.True(t, u.Credentials.Provider.Passwordless())
	assert.False(t, u.Credentials.Provider.Directory())
	assert.True(t, u.Transitioning())
	assert.Nil(t, u.Activated)
	assert.Nil(t, u.PasswordChanged)
	assert.Zero(t, u.Profile)
	assert.False(t, u.HasLink("self"))
}

func TestProfileRoundTrip(t *testing.T) {
	in := `{
	  "login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Quinn",
	  "middleName": "M", "honorificPrefix": "Dr.", "honorificSuffix": "PhD", "title": "Engineer",
	  "displayName": "Ada Q", "nickName": "Ace", "profileUrl": "https://example.com/ada",
	  "secondEmail": "ada@home.example", "mobilePhone": "+1 555 0100", "primaryPhone": "+1 555 0101",
	  "streetAddress": "1 Main St", "city": "Springfield", "state": "OR", "zipCode": "97477",
	  "countryCode": "US", "postalAddress": "PO Box 1", "preferredLanguage": "en", "locale": "en_US",
	  "timezone": "America/Los_Angeles", "userType": "Employee", "employeeNumber": "1024",
	  "costCenter": "CC-7", "organization": "Acme", "division": "R&D", "department": "Engineering",
	  "managerId": "00u9", "manager": "Grace",
	  "badgeNumber": "B-1024", "clearance": 12345678901234567890, "remote": true,
	  "skills": ["go", "okta"], "address2": {"floor": 3}, "nothing": null
	}`
	var p client.Profile
	require.NoError(t, json.Unmarshal([]byte(in), &p))
	assert.Equal(t, client.Profile{
		Login: "ada@example.com", Email: "ada@example.com", FirstName: "Ada", LastName: "Quinn",
		MiddleName: "M", HonorificPrefix: "Dr.", HonorificSuffix: "PhD", Title: "Engineer",
		DisplayName: "Ada Q", NickName: "Ace", ProfileURL: "https://example.com/ada",
		SecondEmail: "ada@home.example", MobilePhone: "+1 555 0100", PrimaryPhone: "+1 555 0101",
		StreetAddress: "1 Main St", City: "Springfield", State: "OR", ZipCode: "97477",
		CountryCode: "US", PostalAddress: "PO Box 1", PreferredLanguage: "en", Locale: "en_US",
		Timezone: "America/Los_Angeles", UserType: "Employee", EmployeeNumber: "1024",
		CostCenter: "CC-7", Organization: "Acme", Division: "R&D", Department: "Engineering",
		ManagerID: "00u9", Manager: "Grace",
		Extra: map[string]any{
			"badgeNumber": "B-1024", "clearance": json.Number("12345678901234567890"), "remote": true,
			"skills": []any{"go", "okta"}, "address2": map[string]any{"floor": json.Number("3")}, "nothing": nil,
		},
	}, p)

	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out), "every attribute, custom ones included, round-trips exactly")
}

func TestProfileEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     client.Profile
		wantJSON string
	}{
		{
			name:     "null and absent standard attributes are both empty and not sent back",
			in:       `{"login":"a@example.com","mobilePhone":null}`,
			want:     client.Profile{Login: "a@example.com"},
			wantJSON: `{"login":"a@example.com"}`,
		},
		{
			name:     "a standard attribute with a non-string value is kept in Extra",
			in:       `{"login":"a@example.com","employeeNumber":1024}`,
			want:     client.Profile{Login: "a@example.com", Extra: map[string]any{"employeeNumber": json.Number("1024")}},
			wantJSON: `{"login":"a@example.com","employeeNumber":1024}`,
		},
		{name: "empty object", in: `{}`, want: client.Profile{}, wantJSON: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p client.Profile
			require.NoError(t, json.Unmarshal([]byte(tt.in), &p))
			assert.Equal(t, tt.want, p)
			out, err := json.Marshal(p)
			require.NoError(t, err)
			assert.JSONEq(t, tt.wantJSON, string(out))
		})
	}
	t.Run("decoding into a used profile starts afresh", func(t *testing.T) {
		p := client.Profile{FirstName: "Old", Extra: map[string]any{"stale": 1}}
		require.NoError(t, json.Unmarshal([]byte(`{"lastName":"New"}`), &p))
		assert.Equal(t, client.Profile{LastName: "New"}, p)
	})
	t.Run("a standard field wins over an Extra key of the same name", func(t *testing.T) {
		out, err := json.Marshal(client.Profile{Email: "real@example.com", Extra: map[string]any{"email": "shadow@example.com"}})
		require.NoError(t, err)
		assert.JSONEq(t, `{"email":"real@example.com"}`, string(out))
	})
	t.Run("not an object", func(t *testing.T) {
		var p client.Profile
		assert.Error(t, json.Unmarshal([]byte(`["x"]`), &p))
	})
}

func TestUserRoundTrip(t *testing.T) {
	var u client.User
	require.NoError(t, json.Unmarshal([]byte(userJSON), &u))
	out, err := json.Marshal(u)
	require.NoError(t, err)
	var back client.User
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, u, back)
}

func TestGroupDecodesOktaShape(t *testing.T) {
	var groups []client.Group
	require.NoError(t, json.Unmarshal([]byte(groupsJSON), &groups))
	require.Len(t, groups, 2)
	g := groups[0]
	assert.Equal(t, "00g0everyone00000001", g.ID)
	assert.Equal(t, ts("2020-01-01T00:00:00Z"), g.Created)
	assert.Equal(t, ts("2020-01-01T00:00:00Z"), g.LastUpdated)
	assert.Equal(t, ts("2024-05-01T17:03:23Z"), g.LastMembershipUpdated)
	assert.Equal(t, []string{"okta:user_group"}, g.ObjectClass)
	assert.Equal(t, "BUILT_IN", g.Type)
	assert.Equal(t, client.GroupProfile{Name: "Everyone", Description: "All users in your organization"}, g.Profile)
	assert.Equal(t, "https://ok12static.oktacdn.com/assets/img/logos/groups/okta-medium.png", g.Links["logo"].Href, "first logo of the array")
	assert.Equal(t, "https://acme.okta.com/api/v1/groups/00g0everyone00000001/users", g.Links["users"].Href)
	_, hasLogo := groups[1].Links["logo"]
	assert.False(t, hasLogo, "an empty logo array gives no link")
	assert.Len(t, groups[1].Links, 2)
}

func TestLinksTolerateOddShapes(t *testing.T) {
	var l client.Links
	require.NoError(t, json.Unmarshal([]byte(`{"self":{"href":"https://a/x"},"n":1,"s":"str","empty":{},"arr":[1,2]}`), &l))
	assert.Equal(t, client.Links{"self": {Href: "https://a/x"}}, l)
}

func TestStatusValid(t *testing.T) {
	tests := []struct {
		name string
		s    client.Status
		want bool
	}{
		{name: "staged", s: client.StatusStaged, want: true},
		{name: "provisioned", s: client.StatusProvisioned, want: true},
		{name: "active", s: client.StatusActive, want: true},
		{name: "recovery", s: client.StatusRecovery, want: true},
		{name: "locked out", s: client.StatusLockedOut, want: true},
		{name: "password expired", s: client.StatusPasswordExpired, want: true},
		{name: "suspended", s: client.StatusSuspended, want: true},
		{name: "deprovisioned", s: client.StatusDeprovisioned, want: true},
		{name: "empty", s: "", want: false},
		{name: "lower case", s: "active", want: false},
		{name: "injection", s: `ACTIVE" or status eq "SUSPENDED`, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.s.Valid())
		})
	}
	all := client.Statuses()
	assert.Len(t, all, 8)
	for _, s := range all {
		assert.True(t, s.Valid())
	}
}

func TestUserCredentialsMarshal(t *testing.T) {
	out, err := json.Marshal(client.UserCredentials{HasPassword: true, RecoveryQuestion: "Q?", Provider: client.Provider{Type: "OKTA", Name: "OKTA"}})
	require.NoError(t, err)
	assert.JSONEq(t, credsJSONWith("Q?"), string(out))
	out, err = json.Marshal(client.UserCredentials{})
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(out))
}

func credsJSONWith(q string) string {
	return `{"password":{},"recovery_question":{"question":"` + q + `"},"provider":{"type":"OKTA","name":"OKTA"}}`
}
