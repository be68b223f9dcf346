package oktatest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client/oktatest"
)

// schemaDoc is the part of Okta's user schema the tests read, decoded independently.
type schemaDoc struct {
	ID          string `json:"id"`
	Definitions struct {
		Base struct {
			ID         string                     `json:"id"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"base"`
		Custom struct {
			ID         string                     `json:"id"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"custom"`
	} `json:"definitions"`
	Properties struct {
		Profile struct {
			AllOf []map[string]string `json:"allOf"`
		} `json:"profile"`
	} `json:"properties"`
}

type schemaPropDoc struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Required    bool   `json:"required"`
	MinLength   *int   `json:"minLength"`
	MaxLength   *int   `json:"maxLength"`
	Enum        []any  `json:"enum"`
	Pattern     string `json:"pattern"`
	Permissions []struct {
		Principal string `json:"principal"`
		Action    string `json:"action"`
	} `json:"permissions"`
	OneOf []struct {
		Const string `json:"const"`
		Title string `json:"title"`
	} `json:"oneOf"`
	Master struct {
		Type string `json:"type"`
	} `json:"master"`
}

func getSchema(t *testing.T, s *oktatest.Server) (schemaDoc, resp) {
	t.Helper()
	r := call(t, s, http.MethodGet, "/api/v1/meta/schemas/user/default", ssws(s), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var doc schemaDoc
	r.json(t, &doc)
	return doc, r
}

func prop(t *testing.T, raw json.RawMessage) schemaPropDoc {
	t.Helper()
	require.NotNil(t, raw)
	var p schemaPropDoc
	require.NoError(t, json.Unmarshal(raw, &p))
	return p
}

func self(p schemaPropDoc) string {
	for _, pm := range p.Permissions {
		if pm.Principal == "SELF" {
			return pm.Action
		}
	}
	return ""
}

// TestUserSchema: the schema has Okta's base attributes with their titles, constraints and
// default SELF permissions, the demo org's changes and custom attributes, in Okta's order.
func TestUserSchema(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	doc, r := getSchema(t, s)
	assert.Equal(t, s.URL()+"/meta/schemas/user/default", doc.ID)
	assert.Equal(t, "#base", doc.Definitions.Base.ID)
	assert.Equal(t, "#custom", doc.Definitions.Custom.ID)
	assert.Equal(t, []string{"login", "firstName", "lastName", "email"}, doc.Definitions.Base.Required)
	assert.Equal(t, []map[string]string{{"$ref": "#/definitions/base"}, {"$ref": "#/definitions/custom"}}, doc.Properties.Profile.AllOf)
	assert.Len(t, doc.Definitions.Base.Properties, 31, "every base attribute of Okta's UserSchemaBaseProperties")

	base := func(name string) schemaPropDoc { return prop(t, doc.Definitions.Base.Properties[name]) }
	tests := []struct {
		name, title, format, permission, master string
		maxLength                               int
	}{
		{name: "login", title: "Username", permission: oktatest.PermissionReadOnly, master: oktatest.MasterProfile, maxLength: 100},
		{name: "firstName", title: "First name", permission: oktatest.PermissionReadWrite, master: oktatest.MasterProfile, maxLength: 50},
		{name: "email", title: "Primary email", format: "email", permission: oktatest.PermissionReadOnly, master: oktatest.MasterProfile, maxLength: 100},
		{name: "mobilePhone", title: "Mobile phone", permission: oktatest.PermissionReadWrite, master: oktatest.MasterOkta, maxLength: 100},
		{name: "title", title: "Title", permission: oktatest.PermissionReadOnly, master: oktatest.MasterProfile},
		{name: "primaryPhone", title: "Primary phone", permission: oktatest.PermissionHide, master: oktatest.MasterProfile, maxLength: 100},
		{name: "preferredLanguage", title: "Preferred language", format: "language-code", permission: oktatest.PermissionReadWrite, master: oktatest.MasterOkta},
		{name: "locale", title: "Locale", format: "locale", permission: oktatest.PermissionReadOnly, master: oktatest.MasterProfile},
		{name: "timezone", title: "Time zone", format: "timezone", permission: oktatest.PermissionReadWrite, master: oktatest.MasterOkta},
		{name: "countryCode", title: "Country code", format: "country-code", permission: oktatest.PermissionHide, master: oktatest.MasterProfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base(tt.name)
			assert.Equal(t, tt.title, p.Title)
			assert.Equal(t, "string", p.Type)
			assert.Equal(t, tt.format, p.Format)
			assert.Equal(t, tt.permission, self(p))
			assert.Equal(t, tt.master, p.Master.Type)
			if tt.maxLength > 0 {
				require.NotNil(t, p.MaxLength)
				assert.Equal(t, tt.maxLength, *p.MaxLength)
			}
		})
	}

	office := prop(t, doc.Definitions.Custom.Properties["officeLocation"])
	assert.Equal(t, "Office", office.Title)
	assert.Equal(t, []any{"BER", "LON", "PDX", "TYO", "AUS", "REMOTE"}, office.Enum)
	require.Len(t, office.OneOf, 6)
	assert.Equal(t, "Tokyo", office.OneOf[3].Title)
	assert.Equal(t, oktatest.PermissionReadWrite, self(office))
	badge := prop(t, doc.Definitions.Custom.Properties["badgeNumber"])
	assert.Equal(t, `[A-Z]-[0-9]{4}`, badge.Pattern)
	assert.Equal(t, oktatest.PermissionReadOnly, self(badge))

	t.Run("properties keep Okta's order", func(t *testing.T) {
		login := bytes.Index(r.body, []byte(`"login":{`))
		first := bytes.Index(r.body, []byte(`"firstName":{`))
		manager := bytes.Index(r.body, []byte(`"manager":{`))
		office := bytes.Index(r.body, []byte(`"officeLocation":{`))
		pronouns := bytes.Index(r.body, []byte(`"pronouns":{`))
		assert.True(t, login < first && first < manager && manager < office && office < pronouns)
	})
	t.Run("by schema id too; anything else is 404", func(t *testing.T) {
		var self struct {
			Links map[string]struct {
				Href string `json:"href"`
			} `json:"_links"`
		}
		r.json(t, &self)
		byID := call(t, s, http.MethodGet, strings.TrimPrefix(self.Links["self"].Href, s.URL()), ssws(s), nil)
		assert.Equal(t, http.StatusOK, byID.status)
		assertOktaError(t, call(t, s, http.MethodGet, "/api/v1/meta/schemas/user/oscNope", ssws(s), nil), 404, "E0000007")
	})
	t.Run("a person's token cannot read it", func(t *testing.T) {
		tok, err := s.MintTokens("alice@example.com", "openid", "okta.users.read.self", "okta.users.manage.self")
		require.NoError(t, err)
		r := call(t, s, http.MethodGet, "/api/v1/meta/schemas/user/default", bearer(tok.AccessToken), nil)
		assertOktaError(t, r, 403, "E0000006")
		assert.Contains(t, r.header.Get("WWW-Authenticate"), `scope="okta.schemas.read"`)
	})
}

// TestUpdateUserSchema: POST changes base permissions and custom attributes as Okta allows,
// and refuses what Okta refuses, leaving the schema as it was.
func TestUpdateUserSchema(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	post := func(defs map[string]any) resp {
		return call(t, s, http.MethodPost, "/api/v1/meta/schemas/user/default", ssws(s), map[string]any{"definitions": defs})
	}
	perm := func(action string) []map[string]string {
		return []map[string]string{{"principal": "SELF", "action": action}}
	}

	r := post(map[string]any{
		"base": map[string]any{"properties": map[string]any{"nickName": map[string]any{"permissions": perm("READ_WRITE"), "master": map[string]string{"type": "OKTA"}}}},
		"custom": map[string]any{"properties": map[string]any{
			"twitterUserName": map[string]any{"title": "Twitter username", "type": "string", "minLength": 1, "maxLength": 20, "permissions": perm("READ_WRITE")},
			"pronouns":        nil,
		}},
	})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	doc, _ := getSchema(t, s)
	assert.Equal(t, "READ_WRITE", self(prop(t, doc.Definitions.Base.Properties["nickName"])))
	assert.Contains(t, doc.Definitions.Custom.Properties, "twitterUserName")
	assert.NotContains(t, doc.Definitions.Custom.Properties, "pronouns", "null removes a custom attribute")

	alice := s.UserID("alice@example.com")
	tok, err := s.MintTokens("alice@example.com", "openid", "okta.users.read.self", "okta.users.manage.self")
	require.NoError(t, err)
	r = call(t, s, http.MethodPost, "/api/v1/users/me", bearer(tok.AccessToken), map[string]any{"profile": map[string]any{"nickName": "Ally", "twitterUserName": "ally"}})
	require.Equal(t, http.StatusOK, r.status, "the new permissions apply at once: %s", r.body)
	v, _ := s.ProfileValue(alice, "twitterUserName")
	assert.Equal(t, "ally", v)

	refused := []struct {
		name  string
		defs  map[string]any
		code  string
		cause string
	}{
		{name: "a base attribute's title", defs: map[string]any{"base": map[string]any{"properties": map[string]any{"title": map[string]any{"title": "Job"}}}}, code: "E0000001", cause: "title: Base properties cannot be modified"},
		{name: "a base attribute removed", defs: map[string]any{"base": map[string]any{"properties": map[string]any{"title": nil}}}, code: "E0000001", cause: "title: Base properties cannot be removed"},
		{name: "required on a base attribute but the names", defs: map[string]any{"base": map[string]any{"properties": map[string]any{"department": map[string]any{"required": true}}}}, code: "E0000001", cause: "department: Base properties cannot be modified"},
		{name: "a name Okta refuses", defs: map[string]any{"custom": map[string]any{"properties": map[string]any{"2fast": map[string]any{"title": "Too fast", "type": "string"}}}}, code: "E0000001", cause: "invalid property name"},
		{name: "a custom name that shadows a base one", defs: map[string]any{"custom": map[string]any{"properties": map[string]any{"Title": map[string]any{"title": "Job", "type": "string"}}}}, code: "E0000001", cause: "Title: A property with this name already exists"},
		{name: "oneOf that is not the enum", defs: map[string]any{"custom": map[string]any{"properties": map[string]any{"size": map[string]any{"title": "Size", "type": "string", "enum": []string{"S", "M"}, "oneOf": []map[string]string{{"const": "M", "title": "Medium"}, {"const": "S", "title": "Small"}}}}}}, code: "E0000123"},
		{name: "an unknown type", defs: map[string]any{"custom": map[string]any{"properties": map[string]any{"blob": map[string]any{"title": "Blob", "type": "object"}}}}, code: "E0000001", cause: "unknown type"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := getSchema(t, s)
			e := assertOktaError(t, post(tt.defs), 400, tt.code)
			if tt.cause != "" {
				require.NotEmpty(t, e.causes())
				assert.Contains(t, e.causes()[0], tt.cause)
			}
			after, _ := getSchema(t, s)
			assert.Equal(t, before, after, "a refused update changes nothing")
		})
	}
}

// TestProfileValidation: every profile written through the Users API is checked against the
// schema, with one cause per attribute, "attribute: message".
func TestProfileValidation(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	tests := []struct {
		name    string
		profile map[string]any
		cause   string // "" for a valid update
	}{
		{name: "a valid mobile phone and time zone", profile: map[string]any{"mobilePhone": "+1 503 555 0100", "timezone": "Europe/Berlin"}},
		{name: "an office from the enum", profile: map[string]any{"officeLocation": "TYO"}},
		{name: "a badge number of the pattern", profile: map[string]any{"badgeNumber": "Z-0042"}},
		{name: "German and a Japanese locale", profile: map[string]any{"preferredLanguage": "de-DE, de;q=0.9, en;q=0.5", "locale": "ja_JP"}},
		{name: "a null clears an attribute", profile: map[string]any{"nickName": nil}},
		{name: "a mobile phone too long", profile: map[string]any{"mobilePhone": strings.Repeat("5", 101)}, cause: "mobilePhone: The field must be between 0 and 100 characters"},
		{name: "a first name too long", profile: map[string]any{"firstName": strings.Repeat("A", 51)}, cause: "firstName: The field must be between 1 and 50 characters"},
		{name: "a blank last name", profile: map[string]any{"lastName": "  "}, cause: "lastName: The field cannot be left blank"},
		{name: "a required attribute removed", profile: map[string]any{"firstName": nil}, cause: "firstName: The field cannot be left blank"},
		{name: "an office not in the enum", profile: map[string]any{"officeLocation": "MARS"}, cause: "officeLocation: Does not match one of the enumerated values"},
		{name: "a badge number off the pattern", profile: map[string]any{"badgeNumber": "a-0042"}, cause: "badgeNumber: Does not match required pattern"},
		{name: "a pattern matches the whole value", profile: map[string]any{"badgeNumber": "ZZ-0042"}, cause: "badgeNumber: The field must be between 6 and 6 characters"},
		{name: "a time zone that is not IANA's", profile: map[string]any{"timezone": "PST"}, cause: "timezone: Does not match required pattern"},
		{name: "a locale with a hyphen", profile: map[string]any{"locale": "de-DE"}, cause: "locale: Does not match required pattern"},
		{name: "a country name", profile: map[string]any{"countryCode": "Germany"}, cause: "countryCode: Does not match required pattern"},
		{name: "a secondary email that is not one", profile: map[string]any{"secondEmail": "alice at home"}, cause: "secondEmail: Does not match required pattern"},
		{name: "a number for a string", profile: map[string]any{"title": 42}, cause: "title: Invalid value"},
		{name: "an attribute the schema lacks", profile: map[string]any{"shoeSize": "44"}, cause: "shoeSize: Property name 'shoeSize' is not defined in the user schema"},
		{name: "a login that is not an email address", profile: map[string]any{"login": "alice"}, cause: "login: Username must be in the form of an email address"},
		{name: "a login taken", profile: map[string]any{"login": "bob@example.com"}, cause: "login: An object with this field already exists in the current organization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodPost, "/api/v1/users/"+alice, ssws(s), map[string]any{"profile": tt.profile})
			if tt.cause == "" {
				require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
				for k, v := range tt.profile {
					got, ok := s.ProfileValue(alice, k)
					if v == nil {
						assert.False(t, ok, "%s cleared", k)
					} else {
						assert.Equal(t, v, got)
					}
				}
				return
			}
			e := assertOktaError(t, r, 400, "E0000001")
			field, _, _ := strings.Cut(tt.cause, ":")
			assert.Equal(t, "Api validation failed: "+field, e.ErrorSummary)
			assert.Equal(t, []string{tt.cause}, e.causes())
		})
	}
	t.Run("create is checked too", func(t *testing.T) {
		r := call(t, s, http.MethodPost, "/api/v1/users?activate=false", ssws(s), map[string]any{"profile": map[string]any{
			"login": "new.person@example.com", "email": "new.person@example.com", "firstName": "New", "lastName": "Person", "officeLocation": "MARS"}})
		e := assertOktaError(t, r, 400, "E0000001")
		assert.Equal(t, []string{"officeLocation: Does not match one of the enumerated values"}, e.causes())
	})
	t.Run("a credentials-only update does not validate the profile", func(t *testing.T) {
		id := s.AddUser(oktatest.SeedUser{Profile: map[string]any{"login": "legacy@example.com", "firstName": "Legacy", "lastName": "Person", "oldAttribute": "kept"}})
		r := call(t, s, http.MethodPost, "/api/v1/users/"+id, ssws(s), map[string]any{"credentials": map[string]any{"recovery_question": map[string]any{"question": "Favourite teacher?", "answer": "Mrs Brown"}}})
		assert.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	})
}

// TestSelfProfileUpdate: with a person's own token (okta.users.manage.self) on /users/me,
// only the attributes the schema lets SELF write may be sent; an admin may write any.
func TestSelfProfileUpdate(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	tok, err := s.MintTokens("alice@example.com", "openid", "okta.users.read.self", "okta.users.manage.self")
	require.NoError(t, err)
	me := func(profile map[string]any) resp {
		return call(t, s, http.MethodPost, "/api/v1/users/me", bearer(tok.AccessToken), map[string]any{"profile": profile})
	}
	r := me(map[string]any{"mobilePhone": "+1 503 555 0111", "preferredLanguage": "fr", "timezone": "America/New_York", "officeLocation": "AUS"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	v, _ := s.ProfileValue(alice, "timezone")
	assert.Equal(t, "America/New_York", v)

	for _, tt := range []struct {
		name, attr string
		value      any
	}{
		{name: "read-only", attr: "title", value: "CTO"},
		{name: "hidden", attr: "primaryPhone", value: "+1 503 555 0000"},
		{name: "read-only custom", attr: "badgeNumber", value: "Z-9999"},
		{name: "read-only, even unchanged", attr: "department", value: "Engineering"},
		{name: "the primary email (read-only in the demo org)", attr: "email", value: "alice.new@example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.ProfileValue(alice, tt.attr)
			e := assertOktaError(t, me(map[string]any{"mobilePhone": "+1 503 555 0122", tt.attr: tt.value}), 403, "E0000077")
			assert.Equal(t, "Cannot modify the "+tt.attr+" attribute because it is read-only.", e.ErrorSummary)
			after, _ := s.ProfileValue(alice, tt.attr)
			assert.Equal(t, before, after)
			phone, _ := s.ProfileValue(alice, "mobilePhone")
			assert.Equal(t, "+1 503 555 0111", phone, "nothing of a refused request is kept")
		})
	}
	t.Run("an admin writes read-only attributes", func(t *testing.T) {
		r := call(t, s, http.MethodPost, "/api/v1/users/"+alice, ssws(s), map[string]any{"profile": map[string]any{"title": "Principal Engineer", "badgeNumber": "A-2002"}})
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	})
	t.Run("an invalid value the person may write is 400", func(t *testing.T) {
		assertOktaError(t, me(map[string]any{"timezone": "Mars/Olympus_Mons"}), 400, "E0000001")
	})
	t.Run("a permission changed in Okta applies at once", func(t *testing.T) {
		s.SetSchemaPermission("mobilePhone", oktatest.PermissionReadOnly)
		assertOktaError(t, me(map[string]any{"mobilePhone": "+1 503 555 0133"}), 403, "E0000077")
		s.SetSchemaPermission("mobilePhone", oktatest.PermissionReadWrite)
		assert.Equal(t, http.StatusOK, me(map[string]any{"mobilePhone": "+1 503 555 0133"}).status)
	})
}

// TestDirectoryMasteredProfile: a person whose profile Active Directory masters keeps the
// directory's attributes (403 E0000023), but attributes inherited from Okta change.
func TestDirectoryMasteredProfile(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	judy := s.UserID("judy@example.com")
	r := call(t, s, http.MethodPost, "/api/v1/users/"+judy, ssws(s), map[string]any{"profile": map[string]any{"department": "Legal"}})
	e := assertOktaError(t, r, 403, "E0000023")
	assert.Equal(t, "Operation failed because user profile is mastered under another system", e.ErrorSummary)

	r = call(t, s, http.MethodPost, "/api/v1/users/"+judy, ssws(s), map[string]any{"profile": map[string]any{"mobilePhone": "+1 415 555 0100", "timezone": "America/Chicago", "department": "Sales"}})
	assert.Equal(t, http.StatusOK, r.status, "Okta-mastered attributes change; an unchanged directory one is fine: %s", r.body)

	tok, err := s.MintTokens("judy@example.com", "openid", "okta.users.manage.self")
	require.NoError(t, err)
	r = call(t, s, http.MethodPost, "/api/v1/users/me", bearer(tok.AccessToken), map[string]any{"profile": map[string]any{"preferredLanguage": "es"}})
	assert.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}

// TestSelfEmailChangeNeedsVerification: a person's own change of an email address is held
// until they follow the link sent to the new address; an admin's applies at once.
func TestSelfEmailChangeNeedsVerification(t *testing.T) {
	s, _ := newServer(t, oktatest.Config{Seed: smallSeed()})
	alice := s.UserID("alice@example.com")
	tok, err := s.MintTokens("alice@example.com", "openid", "okta.users.manage.self")
	require.NoError(t, err)
	r := call(t, s, http.MethodPost, "/api/v1/users/me", bearer(tok.AccessToken), map[string]any{"profile": map[string]any{
		"secondEmail": "alice.home@example.net", "mobilePhone": "+1 503 555 0144"}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var u struct {
		Profile map[string]any `json:"profile"`
	}
	r.json(t, &u)
	assert.Nil(t, u.Profile["secondEmail"], "not yet: Okta waits for the verification")
	assert.Equal(t, "+1 503 555 0144", u.Profile["mobilePhone"], "the rest applies at once")

	mails := s.Emails()
	last := mails[len(mails)-1]
	assert.Equal(t, oktatest.EmailChangeVerification, last.Kind)
	assert.Equal(t, "alice.home@example.net", last.To)
	b := newBrowser(t)
	page := b.get(t, last.Link)
	require.Equal(t, http.StatusOK, page.status)
	_, ok := s.ProfileValue(alice, "secondEmail")
	assert.False(t, ok, "opening the link changes nothing")
	done := b.submitForm(t, s, page, nil)
	require.Equal(t, http.StatusOK, done.status)
	v, _ := s.ProfileValue(alice, "secondEmail")
	assert.Equal(t, "alice.home@example.net", v)
	assert.Equal(t, http.StatusNotFound, newBrowser(t).get(t, last.Link).status, "the link works once")

	r = call(t, s, http.MethodPost, "/api/v1/users/"+alice, ssws(s), map[string]any{"profile": map[string]any{"secondEmail": "alice.other@example.net"}})
	require.Equal(t, http.StatusOK, r.status)
	v, _ = s.ProfileValue(alice, "secondEmail")
	assert.Equal(t, "alice.other@example.net", v, "an admin's change applies at once")
}
