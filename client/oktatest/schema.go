package oktatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	// Time zone names are checked with time.LoadLocation; the embedded database
	// makes the answer the same on every machine (a container may have none).
	_ "time/tzdata"
)

// The user schema (docs/OKTA.md "User schema and profile validation"). Okta describes a
// person's profile with a JSON schema of base attributes (defined by Okta, of which an admin
// may change only the permissions, the source priority, the nullability of firstName and
// lastName and the pattern of login) and custom ones. Each attribute carries its constraints
// and the permission of the person themselves (principal SELF): READ_WRITE, READ_ONLY or
// HIDE. GET and POST /api/v1/meta/schemas/user/{schemaId} read and change it; every profile
// written through the Users API is validated against it; a person's own token
// (okta.users.manage.self) may change only the attributes SELF may write.

// SELF permissions of a schema attribute (UserSchemaAttributePermission.action).
const (
	PermissionReadWrite = "READ_WRITE"
	PermissionReadOnly  = "READ_ONLY"
	PermissionHide      = "HIDE"
)

// Source priorities of an attribute (UserSchemaAttributeMaster.type): PROFILE_MASTER follows
// the person's profile master (a directory, for people it masters), OKTA is "Inherit from
// Okta", which lets Okta — and the person — change it whatever masters the rest.
const (
	MasterProfile = "PROFILE_MASTER"
	MasterOkta    = "OKTA"
)

// Attribute types (UserSchemaAttributeType).
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeArray   = "array"
)

// SeedSchema changes the org's user schema from Okta's default one.
type SeedSchema struct {
	// Permissions sets the SELF permission (READ_WRITE, READ_ONLY or HIDE) of base or custom
	// attributes by name.
	Permissions map[string]string `json:"permissions"`
	// OktaMastered lists base attributes whose source priority is "Inherit from Okta"
	// (master OKTA): a person whose profile a directory masters can still change them.
	OktaMastered []string `json:"oktaMastered"`
	// Custom are the org's custom attributes, in order.
	Custom []SchemaProperty `json:"custom"`
}

// SchemaProperty is a custom attribute of the user schema.
type SchemaProperty struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Type is string (the default), integer, number, boolean or array (of strings).
	Type      string `json:"type"`
	Required  bool   `json:"required"`
	MinLength *int   `json:"minLength"`
	MaxLength *int   `json:"maxLength"`
	// Enum limits the value; EnumTitles, when set, are their display names (Okta's oneOf).
	Enum       []string `json:"enum"`
	EnumTitles []string `json:"enumTitles"`
	// Pattern is a regular expression the whole value must match.
	Pattern string `json:"pattern"`
	// Permission is the SELF permission; "" means READ_ONLY, the Profile Editor's default.
	Permission string `json:"permission"`
	// Master is PROFILE_MASTER (the default) or OKTA.
	Master string `json:"master"`
}

// schemaProp is one attribute of the schema. Guarded by Server.mu.
type schemaProp struct {
	name        string
	custom      bool
	title       string
	description string
	typ         string
	itemsType   string // for arrays
	required    bool
	minLength   *int
	maxLength   *int
	enum        []any
	oneOf       []enumTitleJSON
	pattern     string
	format      string
	permission  string
	master      string
}

// userSchema is the default user type's schema.
type userSchema struct {
	id                   string // osc…, the schema id of the default user type
	created, lastUpdated time.Time
	props                []*schemaProp // base in Okta's order, then custom
}

func (sc *userSchema) prop(name string) *schemaProp {
	for _, p := range sc.props {
		if p.name == name {
			return p
		}
	}
	return nil
}

func intPtr(n int) *int { return &n }

// defaultUserSchema is Okta's default user schema: the base attributes with the titles,
// constraints, formats and SELF permissions a new org has (docs/OKTA.md lists the sources:
// the base attribute table of Okta's Schemas API reference and a recorded default schema).
func defaultUserSchema(created time.Time) *userSchema {
	type base struct {
		name, title, format, permission string
		required                        bool
		minLength, maxLength            *int
	}
	rw, ro, hide := PermissionReadWrite, PermissionReadOnly, PermissionHide
	bases := []base{
		{name: "login", title: "Username", permission: ro, required: true, minLength: intPtr(5), maxLength: intPtr(100)},
		{name: "firstName", title: "First name", permission: rw, required: true, minLength: intPtr(1), maxLength: intPtr(50)},
		{name: "lastName", title: "Last name", permission: rw, required: true, minLength: intPtr(1), maxLength: intPtr(50)},
		{name: "middleName", title: "Middle name", permission: ro},
		{name: "honorificPrefix", title: "Honorific prefix", permission: ro},
		{name: "honorificSuffix", title: "Honorific suffix", permission: ro},
		{name: "email", title: "Primary email", format: "email", permission: rw, required: true, minLength: intPtr(5), maxLength: intPtr(100)},
		{name: "title", title: "Title", permission: ro},
		{name: "displayName", title: "Display name", permission: ro},
		{name: "nickName", title: "Nickname", permission: ro},
		{name: "profileUrl", title: "Profile Url", format: "uri", permission: ro},
		{name: "secondEmail", title: "Secondary email", format: "email", permission: rw, minLength: intPtr(5), maxLength: intPtr(100)},
		{name: "mobilePhone", title: "Mobile phone", permission: rw, minLength: intPtr(0), maxLength: intPtr(100)},
		{name: "primaryPhone", title: "Primary phone", permission: hide, minLength: intPtr(0), maxLength: intPtr(100)},
		{name: "streetAddress", title: "Street address", permission: hide},
		{name: "city", title: "City", permission: hide},
		{name: "state", title: "State", permission: hide},
		{name: "zipCode", title: "Zip code", permission: hide},
		{name: "countryCode", title: "Country code", format: "country-code", permission: hide},
		{name: "postalAddress", title: "Postal Address", permission: hide},
		{name: "preferredLanguage", title: "Preferred language", format: "language-code", permission: ro},
		{name: "locale", title: "Locale", format: "locale", permission: ro},
		{name: "timezone", title: "Time zone", format: "timezone", permission: ro},
		{name: "userType", title: "User type", permission: ro},
		{name: "employeeNumber", title: "Employee number", permission: ro},
		{name: "costCenter", title: "Cost center", permission: ro},
		{name: "organization", title: "Organization", permission: ro},
		{name: "division", title: "Division", permission: ro},
		{name: "department", title: "Department", permission: ro},
		{name: "managerId", title: "ManagerId", permission: ro},
		{name: "manager", title: "Manager", permission: ro},
	}
	sc := &userSchema{id: derivedID(prefixSchema, "default"), created: created, lastUpdated: created}
	for _, b := range bases {
		sc.props = append(sc.props, &schemaProp{name: b.name, title: b.title, typ: TypeString, required: b.required,
			minLength: b.minLength, maxLength: b.maxLength, format: b.format, permission: b.permission, master: MasterProfile})
	}
	return sc
}

// applySeedSchema applies a seed's changes to the default schema.
func (sc *userSchema) applySeed(seed *SeedSchema) error {
	if seed == nil {
		return nil
	}
	for _, cp := range seed.Custom {
		p, err := customProp(cp)
		if err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		if err := sc.checkNewName(p.name); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		sc.props = append(sc.props, p)
	}
	for name, perm := range seed.Permissions {
		p := sc.prop(name)
		if p == nil {
			return fmt.Errorf("schema: permission for unknown attribute %q", name)
		}
		if !validPermission(perm) {
			return fmt.Errorf("schema: attribute %q: unknown permission %q", name, perm)
		}
		p.permission = perm
	}
	for _, name := range seed.OktaMastered {
		p := sc.prop(name)
		if p == nil {
			return fmt.Errorf("schema: oktaMastered names unknown attribute %q", name)
		}
		p.master = MasterOkta
	}
	return nil
}

// customPropertyName is Okta's rule for a custom attribute's variable name (Okta support,
// "API validation failed: invalid property name").
var customPropertyName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (sc *userSchema) checkNewName(name string) error {
	if !customPropertyName.MatchString(name) {
		return fmt.Errorf("invalid property name %q", name)
	}
	for _, p := range sc.props {
		if strings.EqualFold(p.name, name) {
			return fmt.Errorf("property %q conflicts with %q", name, p.name)
		}
	}
	return nil
}

// customProp builds a custom attribute from its seed form.
func customProp(cp SchemaProperty) (*schemaProp, error) {
	p := &schemaProp{name: cp.Name, custom: true, title: cp.Title, description: cp.Description, typ: cp.Type,
		required: cp.Required, minLength: cp.MinLength, maxLength: cp.MaxLength, pattern: cp.Pattern,
		permission: cp.Permission, master: cp.Master}
	if p.typ == "" {
		p.typ = TypeString
	}
	if p.typ == TypeArray {
		p.itemsType = TypeString
	}
	if p.title == "" {
		p.title = p.name
	}
	if p.permission == "" {
		p.permission = PermissionReadOnly
	}
	if p.master == "" {
		p.master = MasterProfile
	}
	for _, v := range cp.Enum {
		p.enum = append(p.enum, v)
	}
	if len(cp.EnumTitles) > 0 {
		if len(cp.EnumTitles) != len(cp.Enum) {
			return nil, fmt.Errorf("attribute %q: enumTitles must match enum", cp.Name)
		}
		for i, v := range cp.Enum {
			p.oneOf = append(p.oneOf, enumTitleJSON{Const: v, Title: cp.EnumTitles[i]})
		}
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// check validates an attribute definition.
func (p *schemaProp) check() error {
	switch p.typ {
	case TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeArray:
	default:
		return fmt.Errorf("attribute %q: unknown type %q", p.name, p.typ)
	}
	if !validPermission(p.permission) {
		return fmt.Errorf("attribute %q: unknown permission %q", p.name, p.permission)
	}
	if p.master != MasterProfile && p.master != MasterOkta {
		return fmt.Errorf("attribute %q: unknown master %q", p.name, p.master)
	}
	if p.pattern != "" {
		if _, err := regexp.Compile(p.pattern); err != nil {
			return fmt.Errorf("attribute %q: pattern: %w", p.name, err)
		}
	}
	if p.minLength != nil && p.maxLength != nil && *p.minLength > *p.maxLength {
		return fmt.Errorf("attribute %q: minLength above maxLength", p.name)
	}
	return nil
}

func validPermission(p string) bool {
	return p == PermissionReadWrite || p == PermissionReadOnly || p == PermissionHide
}

// Wire form of the schema, in the order Okta writes it.

type enumTitleJSON struct {
	Const any    `json:"const"`
	Title string `json:"title"`
}

type permissionJSON struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
}

type masterJSON struct {
	Type string `json:"type"`
}

type itemsJSON struct {
	Type string `json:"type"`
}

type schemaPropJSON struct {
	Title       string           `json:"title"`
	Description string           `json:"description,omitempty"`
	Type        string           `json:"type"`
	Items       *itemsJSON       `json:"items,omitempty"`
	Required    *bool            `json:"required,omitempty"`
	Format      string           `json:"format,omitempty"`
	Mutability  string           `json:"mutability"`
	Scope       string           `json:"scope"`
	MinLength   *int             `json:"minLength,omitempty"`
	MaxLength   *int             `json:"maxLength,omitempty"`
	Enum        []any            `json:"enum,omitempty"`
	OneOf       []enumTitleJSON  `json:"oneOf,omitempty"`
	Pattern     string           `json:"pattern,omitempty"`
	Permissions []permissionJSON `json:"permissions"`
	Master      masterJSON       `json:"master"`
}

// orderedProps renders properties as a JSON object in schema order (Go maps would sort).
type orderedProps []*schemaProp

func (o orderedProps) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.wire())
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (p *schemaProp) wire() schemaPropJSON {
	w := schemaPropJSON{Title: p.title, Description: p.description, Type: p.typ, Format: p.format,
		Mutability: "READ_WRITE", Scope: "NONE", MinLength: p.minLength, MaxLength: p.maxLength,
		Enum: p.enum, OneOf: p.oneOf, Pattern: p.pattern,
		Permissions: []permissionJSON{{Principal: "SELF", Action: p.permission}}, Master: masterJSON{Type: p.master}}
	if p.itemsType != "" {
		w.Items = &itemsJSON{Type: p.itemsType}
	}
	if p.required {
		t := true
		w.Required = &t
	}
	return w
}

type subschemaJSON struct {
	ID         string       `json:"id"`
	Type       string       `json:"type"`
	Properties orderedProps `json:"properties"`
	Required   []string     `json:"required"`
}

type schemaRefJSON struct {
	Ref string `json:"$ref"`
}

type userSchemaJSON struct {
	ID          string `json:"id"`
	Schema      string `json:"$schema"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	LastUpdated string `json:"lastUpdated"`
	Created     string `json:"created"`
	Definitions struct {
		Base   subschemaJSON `json:"base"`
		Custom subschemaJSON `json:"custom"`
	} `json:"definitions"`
	Type       string `json:"type"`
	Properties struct {
		Profile struct {
			AllOf []schemaRefJSON `json:"allOf"`
		} `json:"profile"`
	} `json:"properties"`
	Links map[string]linkJSON `json:"_links"`
}

// schemaOut renders the schema; ref is the schemaId the caller used. s.mu must be held.
func (s *Server) schemaOut(ref string) userSchemaJSON {
	sc := s.st.schema
	out := userSchemaJSON{ID: s.abs("/meta/schemas/user/" + url.PathEscape(ref)), Schema: "http://json-schema.org/draft-04/schema#",
		Name: "user", Title: "User", Description: "Okta user profile template with default permission settings",
		LastUpdated: formatTime(sc.lastUpdated), Created: formatTime(sc.created), Type: "object",
		Links: map[string]linkJSON{"self": {Href: s.abs("/api/v1/meta/schemas/user/" + sc.id), Method: "GET"}}}
	base := subschemaJSON{ID: "#base", Type: "object", Properties: orderedProps{}, Required: []string{}}
	custom := subschemaJSON{ID: "#custom", Type: "object", Properties: orderedProps{}, Required: []string{}}
	for _, p := range sc.props {
		sub := &base
		if p.custom {
			sub = &custom
		}
		sub.Properties = append(sub.Properties, p)
		if p.required {
			sub.Required = append(sub.Required, p.name)
		}
	}
	out.Definitions.Base, out.Definitions.Custom = base, custom
	out.Properties.Profile.AllOf = []schemaRefJSON{{Ref: "#/definitions/base"}, {Ref: "#/definitions/custom"}}
	return out
}

// schemaRef reports whether the path's schemaId names the default user type's schema:
// "default" or its id.
func (s *Server) schemaRef(c *apiCall) error {
	ref := c.params["schemaId"]
	if ref == "default" || ref == s.st.schema.id {
		return nil
	}
	return &oktaError{status: http.StatusNotFound, code: codeNotFound, summary: "Not found: Resource not found: " + ref + " (UserSchema)"}
}

// getUserSchema handles GET /api/v1/meta/schemas/user/{schemaId}.
func (s *Server) getUserSchema(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.schemaRef(c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.schemaOut(c.params["schemaId"]))
	return nil
}

// schemaUpdateBody is the request of updateUserProfile: definitions with the properties to
// change. A custom property set to null is removed.
type schemaUpdateBody struct {
	Definitions *struct {
		Base *struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"base"`
		Custom *struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"custom"`
	} `json:"definitions"`
}

// schemaPropBody is one property of an update; pointers tell "absent" from "zero".
type schemaPropBody struct {
	Title       *string          `json:"title"`
	Description *string          `json:"description"`
	Type        *string          `json:"type"`
	Required    *bool            `json:"required"`
	MinLength   *int             `json:"minLength"`
	MaxLength   *int             `json:"maxLength"`
	Enum        []any            `json:"enum"`
	OneOf       []enumTitleJSON  `json:"oneOf"`
	Pattern     *string          `json:"pattern"`
	Format      *string          `json:"format"`
	Permissions []permissionJSON `json:"permissions"`
	Master      *masterJSON      `json:"master"`
	Items       *itemsJSON       `json:"items"`
}

// updateUserProfile handles POST /api/v1/meta/schemas/user/{schemaId}: a partial update of
// the schema. Base attributes accept new permissions and source priority, a change of
// `required` on firstName and lastName and a pattern on login (Okta's UserSchemaBase);
// custom attributes are added, replaced or removed (null).
func (s *Server) updateUserProfile(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body schemaUpdateBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	if body.Definitions == nil {
		return validationError("definitions", "definitions: The field cannot be left blank")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.schemaRef(c); err != nil {
		return err
	}
	// Work on a copy so that a refused update changes nothing.
	sc := s.st.schema.clone()
	if b := body.Definitions.Base; b != nil {
		for _, name := range slices.Sorted(maps.Keys(b.Properties)) {
			if err := sc.updateBase(name, b.Properties[name]); err != nil {
				return err
			}
		}
	}
	if cu := body.Definitions.Custom; cu != nil {
		for _, name := range slices.Sorted(maps.Keys(cu.Properties)) {
			if err := sc.updateCustom(name, cu.Properties[name]); err != nil {
				return err
			}
		}
	}
	sc.lastUpdated = s.now()
	// A removed attribute takes its values with it.
	for _, p := range s.st.schema.props {
		if p.custom && sc.prop(p.name) == nil {
			for _, u := range s.st.users {
				delete(u.profile, p.name)
			}
		}
	}
	s.st.schema = sc
	writeJSON(w, http.StatusOK, s.schemaOut(c.params["schemaId"]))
	return nil
}

func (sc *userSchema) clone() *userSchema {
	out := *sc
	out.props = make([]*schemaProp, len(sc.props))
	for i, p := range sc.props {
		cp := *p
		out.props[i] = &cp
	}
	return &out
}

// selfPermission reads the SELF action of a permissions list ("" if none).
func selfPermission(perms []permissionJSON) (string, error) {
	action := ""
	for _, pm := range perms {
		if pm.Principal != "SELF" {
			return "", fmt.Errorf("unknown principal %q", pm.Principal)
		}
		if !validPermission(pm.Action) {
			return "", fmt.Errorf("unknown action %q", pm.Action)
		}
		action = pm.Action
	}
	return action, nil
}

func (sc *userSchema) updateBase(name string, raw json.RawMessage) error {
	p := sc.prop(name)
	if p == nil || p.custom {
		// Unconfirmed: the cause text is the emulator's.
		return validationError(name, name+": Not a base property of the user schema")
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return validationError(name, name+": Base properties cannot be removed")
	}
	var pb schemaPropBody
	if err := json.Unmarshal(raw, &pb); err != nil {
		return apiError(http.StatusBadRequest, codeMalformedBody)
	}
	if pb.Permissions != nil {
		action, err := selfPermission(pb.Permissions)
		if err != nil {
			return validationError(name, name+": "+err.Error())
		}
		if action != "" {
			p.permission = action
		}
	}
	if pb.Master != nil {
		if pb.Master.Type != MasterProfile && pb.Master.Type != MasterOkta {
			return validationError(name, name+": Invalid master type")
		}
		p.master = pb.Master.Type
	}
	if pb.Required != nil && *pb.Required != p.required {
		// Okta: only the nullability of firstName and lastName may change.
		if name != "firstName" && name != "lastName" {
			return validationError(name, name+": Base properties cannot be modified, except permissions, master, the nullability of firstName and lastName, and the pattern of login")
		}
		p.required = *pb.Required
	}
	if pb.Pattern != nil && *pb.Pattern != p.pattern {
		if name != "login" {
			return validationError(name, name+": Base properties cannot be modified, except permissions, master, the nullability of firstName and lastName, and the pattern of login")
		}
		if _, err := regexp.Compile(*pb.Pattern); err != nil {
			return validationError(name, name+": Invalid pattern")
		}
		p.pattern = *pb.Pattern
	}
	changed := (pb.Title != nil && *pb.Title != p.title) || (pb.Type != nil && *pb.Type != p.typ) ||
		(pb.MinLength != nil && (p.minLength == nil || *pb.MinLength != *p.minLength)) ||
		(pb.MaxLength != nil && (p.maxLength == nil || *pb.MaxLength != *p.maxLength)) ||
		pb.Enum != nil || pb.OneOf != nil || (pb.Format != nil && *pb.Format != p.format)
	if changed {
		return validationError(name, name+": Base properties cannot be modified, except permissions, master, the nullability of firstName and lastName, and the pattern of login")
	}
	return nil
}

func (sc *userSchema) updateCustom(name string, raw json.RawMessage) error {
	i := slices.IndexFunc(sc.props, func(p *schemaProp) bool { return p.custom && p.name == name })
	if string(bytes.TrimSpace(raw)) == "null" {
		if i >= 0 {
			sc.props = slices.Delete(sc.props, i, i+1)
		}
		return nil
	}
	var pb schemaPropBody
	if err := json.Unmarshal(raw, &pb); err != nil {
		return apiError(http.StatusBadRequest, codeMalformedBody)
	}
	p := &schemaProp{name: name, custom: true, typ: TypeString, permission: PermissionReadOnly, master: MasterProfile}
	if i >= 0 {
		cp := *sc.props[i]
		p = &cp
	} else if err := sc.checkNewName(name); err != nil {
		if !customPropertyName.MatchString(name) {
			// Okta support, "API validation failed: invalid property name".
			return validationError(name, "invalid property name. Property name should only have alphanumeric characters and underscores. It should not start with a digit.")
		}
		return validationError(name, name+": A property with this name already exists in the schema")
	}
	if pb.Title != nil {
		p.title = *pb.Title
	}
	if strings.TrimSpace(p.title) == "" {
		return validationError(name, name+": title: The field cannot be left blank")
	}
	if pb.Description != nil {
		p.description = *pb.Description
	}
	if pb.Type != nil {
		p.typ = *pb.Type
	}
	p.itemsType = ""
	if p.typ == TypeArray {
		p.itemsType = TypeString
		if pb.Items != nil && pb.Items.Type != "" {
			p.itemsType = pb.Items.Type
		}
	}
	if pb.Required != nil {
		p.required = *pb.Required
	}
	if pb.MinLength != nil {
		p.minLength = pb.MinLength
	}
	if pb.MaxLength != nil {
		p.maxLength = pb.MaxLength
	}
	if pb.Pattern != nil {
		p.pattern = *pb.Pattern
	}
	if pb.Format != nil {
		p.format = *pb.Format
	}
	if pb.Enum != nil {
		p.enum = pb.Enum
		p.oneOf = nil
	}
	if pb.OneOf != nil {
		p.oneOf = pb.OneOf
	}
	if len(p.oneOf) > 0 {
		// Okta's E0000123: the oneOf consts must be the enum, in order.
		if len(p.oneOf) != len(p.enum) {
			return apiError(http.StatusBadRequest, codeEnumMismatch)
		}
		for j, o := range p.oneOf {
			if fmt.Sprint(o.Const) != fmt.Sprint(p.enum[j]) {
				return apiError(http.StatusBadRequest, codeEnumMismatch)
			}
		}
	}
	if pb.Permissions != nil {
		action, err := selfPermission(pb.Permissions)
		if err != nil {
			return validationError(name, name+": "+err.Error())
		}
		if action != "" {
			p.permission = action
		}
	}
	if pb.Master != nil {
		p.master = pb.Master.Type
	}
	if err := p.check(); err != nil {
		return validationError(name, name+": "+err.Error())
	}
	if i >= 0 {
		sc.props[i] = p
	} else {
		sc.props = append(sc.props, p)
	}
	return nil
}

// Profile validation.

// profileChecks validates a whole profile against the schema, as Okta does on every
// create and update (even of attributes the request did not send: Okta support, "Updates to
// a user's profile via POST user API always validates login"). selfID excludes the person
// being updated from the duplicate-login check. s.mu must be held.
//
// Cause texts, each prefixed with the attribute's name: "The field cannot be left blank",
// "Username must be in the form of an email address", "An object with this field already
// exists in the current organization" and "Does not match required pattern" are recorded
// from Okta (USERS-API.md §4.2); the texts for lengths, enums, types and unknown
// attributes are the emulator's (Unconfirmed). Clients map causes to fields by the prefix.
func (s *Server) checkProfile(profile map[string]any, selfID string, pr *problems) {
	sc := s.st.schema
	for _, p := range sc.props {
		v, present := profile[p.name]
		if !present || v == nil {
			if p.required {
				pr.add(p.name, "The field cannot be left blank")
			}
			continue
		}
		if msg := p.valueProblem(v); msg != "" {
			pr.add(p.name, msg)
			continue
		}
		if p.name == "login" {
			login := v.(string)
			if id, taken := s.st.byLogin[strings.ToLower(login)]; taken && id != selfID {
				pr.add("login", "An object with this field already exists in the current organization")
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(profile)) {
		if sc.prop(k) == nil && profile[k] != nil {
			pr.add(k, "Property name '"+k+"' is not defined in the user schema")
		}
	}
}

// valueProblem checks one non-null value; "" means it is valid.
func (p *schemaProp) valueProblem(v any) string {
	switch p.typ {
	case TypeString:
		sv, ok := v.(string)
		if !ok {
			return "Invalid value"
		}
		return p.stringProblem(sv)
	case TypeInteger:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return "The field must be an integer"
		}
		return p.enumProblem(v)
	case TypeNumber:
		if _, ok := v.(float64); !ok {
			return "The field must be a number"
		}
		return p.enumProblem(v)
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return "The field must be true or false"
		}
	case TypeArray:
		items, ok := v.([]any)
		if !ok {
			return "The field must be an array"
		}
		for _, it := range items {
			if _, ok := it.(string); !ok && p.itemsType == TypeString {
				return "Every item must be a string"
			}
		}
	}
	return ""
}

func (p *schemaProp) stringProblem(v string) string {
	if p.required && strings.TrimSpace(v) == "" {
		return "The field cannot be left blank"
	}
	if p.name == "login" && p.pattern == "" {
		// Okta: without a pattern, the username must be an email address (RFC 6531 §3.3),
		// 5 to 100 characters.
		switch n := len([]rune(v)); {
		case n < 5 || n > 100:
			return "The field must be between 5 and 100 characters"
		case !looksLikeEmail(v):
			return "Username must be in the form of an email address"
		}
		return ""
	}
	n := len([]rune(v))
	minLen := 0
	if p.minLength != nil {
		minLen = *p.minLength
	}
	switch {
	case p.maxLength != nil && (n < minLen || n > *p.maxLength):
		if p.format == "email" {
			return "Does not match required pattern"
		}
		return fmt.Sprintf("The field must be between %d and %d characters", minLen, *p.maxLength)
	case n < minLen:
		return fmt.Sprintf("The field must be at least %d characters", minLen)
	}
	if p.pattern != "" && !fullMatch(p.pattern, v) {
		return "Does not match required pattern"
	}
	if p.format != "" && v != "" && !formatOK(p.format, v) {
		return "Does not match required pattern"
	}
	return p.enumProblem(v)
}

func (p *schemaProp) enumProblem(v any) string {
	if len(p.enum) == 0 {
		return ""
	}
	for _, e := range p.enum {
		if fmt.Sprint(e) == fmt.Sprint(v) {
			return ""
		}
	}
	return "Does not match one of the enumerated values"
}

// fullMatch reports whether the whole of v matches the pattern: Okta's login patterns
// ("[...]+": usernames "must only contain characters from the set") are whole-value
// matches, and the emulator reads every pattern that way.
func fullMatch(pattern, v string) bool {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	return err == nil && re.MatchString(v)
}

var (
	languageRange = regexp.MustCompile(`^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(\s*;\s*q=(0(\.[0-9]{0,3})?|1(\.0{0,3})?))?$`)
	localeTag     = regexp.MustCompile(`^[a-z]{2}_[A-Z]{2}$`)
	countryCode   = regexp.MustCompile(`^[A-Z]{2}$`)
)

// formatOK checks the formats of the base attributes (Okta's Schemas API reference: email
// per RFC 5322, preferredLanguage per RFC 7231 §5.3.5, locale as language_COUNTRY, timezone
// from the IANA database, countryCode as ISO 3166-1 alpha-2, profileUrl a URL).
func formatOK(format, v string) bool {
	switch format {
	case "email":
		return looksLikeEmail(v)
	case "language-code":
		for part := range strings.SplitSeq(v, ",") {
			if !languageRange.MatchString(strings.TrimSpace(part)) {
				return false
			}
		}
		return true
	case "locale":
		return localeTag.MatchString(v)
	case "timezone":
		if v == "Local" {
			return false
		}
		_, err := time.LoadLocation(v)
		return err == nil
	case "country-code":
		return countryCode.MatchString(v)
	case "uri":
		u, err := url.Parse(v)
		return err == nil && u.Scheme != "" && u.Host != ""
	}
	return true
}

// Who may write what.

// checkSelfWrite enforces the schema's SELF permissions on a person's own token: a user
// "can only update profile properties that they have write access for" (Okta's updateUser).
// Every attribute in the request needs READ_WRITE, even one sent unchanged (Unconfirmed:
// the strict reading, so that a client that sends more than it changed finds out here).
// Okta's answer is 403 E0000077 "Cannot modify the {attribute} attribute because it is
// read-only." (error-codes reference). s.mu must be held.
func (s *Server) checkSelfWrite(changes map[string]any) error {
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		p := s.st.schema.prop(k)
		if p == nil {
			continue // validation names it
		}
		if p.permission != PermissionReadWrite {
			return &oktaError{status: http.StatusForbidden, code: codeReadOnlyAttr,
				summary: "Cannot modify the " + k + " attribute because it is read-only."}
		}
	}
	return nil
}

// checkMastered refuses changes to attributes a directory masters: for a person whose
// profile comes from Active Directory or LDAP, only attributes whose source priority is
// "Inherit from Okta" (master OKTA) may change; the rest answer 403 E0000023 "Operation
// failed because user profile is mastered under another system" (error-codes reference;
// oktadev/okta-node-express-example#4 records it for an AD-mastered org). s.mu must be held.
func (s *Server) checkMastered(u *user, next map[string]any) error {
	if !directoryMastered(u.provider().Type) {
		return nil
	}
	keys := slices.Sorted(maps.Keys(next))
	for k := range u.profile {
		if _, ok := next[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if sameValue(u.profile[k], next[k]) {
			continue
		}
		if p := s.st.schema.prop(k); p == nil || p.master != MasterOkta {
			return apiError(http.StatusForbidden, codeProfileMastered)
		}
	}
	return nil
}

func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// SetSchemaPermission sets the SELF permission of a schema attribute (READ_WRITE,
// READ_ONLY or HIDE), as an admin would in the Profile Editor. It panics on an unknown
// attribute or permission, which is a bug in the test.
func (s *Server) SetSchemaPermission(attr, permission string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.schema.prop(attr)
	if p == nil || !validPermission(permission) {
		panic(fmt.Sprintf("oktatest: SetSchemaPermission(%q, %q): unknown attribute or permission", attr, permission))
	}
	p.permission = permission
	s.st.schema.lastUpdated = s.now()
}

// ProfileValue returns a profile attribute of the user as Okta stores it (nil and false when
// unset or the user is unknown).
func (s *Server) ProfileValue(userID, attr string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil {
		return nil, false
	}
	v, ok := u.profile[attr]
	return v, ok && v != nil
}
