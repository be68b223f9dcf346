package client

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Profile is a user's profile: every standard attribute of USERS-API.md §3.1 as a
// string ("" when Okta sends null or omits it), and the org's custom attributes in
// Extra. Extra holds decoded JSON values, with numbers as json.Number so that
// they round-trip exactly.
type Profile struct {
	Login             string
	Email             string
	FirstName         string
	LastName          string
	MiddleName        string
	HonorificPrefix   string
	HonorificSuffix   string
	Title             string
	DisplayName       string
	NickName          string
	ProfileURL        string
	SecondEmail       string
	MobilePhone       string
	PrimaryPhone      string
	StreetAddress     string
	City              string
	State             string
	ZipCode           string
	CountryCode       string
	PostalAddress     string
	PreferredLanguage string
	Locale            string
	Timezone          string
	UserType          string
	EmployeeNumber    string
	CostCenter        string
	Organization      string
	Division          string
	Department        string
	ManagerID         string
	Manager           string
	// Extra holds custom attributes, and any standard attribute whose value was
	// not a string, keyed by their JSON names.
	Extra map[string]any
}

type profileField struct {
	key string
	val *string
}

// fields pairs each standard attribute's JSON name with its field.
func (p *Profile) fields() []profileField {
	return []profileField{
		{"login", &p.Login}, {"email", &p.Email}, {"firstName", &p.FirstName},
		{"lastName", &p.LastName}, {"middleName", &p.MiddleName},
		{"honorificPrefix", &p.HonorificPrefix}, {"honorificSuffix", &p.HonorificSuffix},
		{"title", &p.Title}, {"displayName", &p.DisplayName}, {"nickName", &p.NickName},
		{"profileUrl", &p.ProfileURL}, {"secondEmail", &p.SecondEmail},
		{"mobilePhone", &p.MobilePhone}, {"primaryPhone", &p.PrimaryPhone},
		{"streetAddress", &p.StreetAddress}, {"city", &p.City}, {"state", &p.State},
		{"zipCode", &p.ZipCode}, {"countryCode", &p.CountryCode},
		{"postalAddress", &p.PostalAddress}, {"preferredLanguage", &p.PreferredLanguage},
		{"locale", &p.Locale}, {"timezone", &p.Timezone}, {"userType", &p.UserType},
		{"employeeNumber", &p.EmployeeNumber}, {"costCenter", &p.CostCenter},
		{"organization", &p.Organization}, {"division", &p.Division},
		{"department", &p.Department}, {"managerId", &p.ManagerID}, {"manager", &p.Manager},
	}
}

// UnmarshalJSON reads a profile object; unknown keys go to Extra.
func (p *Profile) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("decode profile: %w", err)
	}
	*p = Profile{}
	for _, f := range p.fields() {
		v, ok := raw[f.key]
		if !ok {
			continue
		}
		if json.Unmarshal(v, f.val) == nil { // null leaves ""
			delete(raw, f.key)
		}
	}
	if len(raw) == 0 {
		return nil
	}
	p.Extra = make(map[string]any, len(raw))
	for k, v := range raw {
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return fmt.Errorf("decode profile attribute %q: %w", k, err)
		}
		p.Extra[k] = x
	}
	return nil
}

// MarshalJSON writes the non-empty standard attributes and every Extra key. Empty
// attributes are omitted rather than sent as "" so that creating a user does not
// set blank values; a standard attribute wins over an Extra key of the same name.
func (p Profile) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Extra)+8)
	for k, v := range p.Extra {
		m[k] = v
	}
	for _, f := range p.fields() {
		if *f.val != "" {
			m[f.key] = *f.val
		}
	}
	return json.Marshal(m)
}
