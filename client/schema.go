package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	// Time zone names are checked with time.LoadLocation; the embedded database gives the
	// same answer on every machine, a distroless container included.
	_ "time/tzdata"
)

// The user schema (docs/OKTA.md "User schema and profile validation"): which profile
// attributes the org has, their constraints, and what a person may do with each of their
// own (the permission of principal SELF). Gatehouse shows exactly the attributes SELF may
// read, lets a person edit exactly those SELF may write, and checks values against the
// constraints before asking Okta, whose answer stays the last word.

// SelfPermission is what a person may do with an attribute of their own profile.
type SelfPermission string

// Okta's three SELF permissions (UserSchemaAttributePermission.action).
const (
	SelfReadWrite SelfPermission = "READ_WRITE"
	SelfReadOnly  SelfPermission = "READ_ONLY"
	SelfHidden    SelfPermission = "HIDE"
)

// Attribute types (UserSchemaAttributeType).
const (
	AttributeString  = "string"
	AttributeInteger = "integer"
	AttributeNumber  = "number"
	AttributeBoolean = "boolean"
	AttributeArray   = "array"
)

// UserSchema is the schema of the default user type (GET /api/v1/meta/schemas/user/default).
type UserSchema struct {
	// ID is the schema's URI, as Okta gives it.
	ID          string
	LastUpdated time.Time
	// Attributes are the base attributes, then the custom ones, each in the order Okta sent.
	Attributes []SchemaAttribute
}

// Attribute returns the attribute of that name.
func (s UserSchema) Attribute(name string) (SchemaAttribute, bool) {
	for _, a := range s.Attributes {
		if a.Name == name {
			return a, true
		}
	}
	return SchemaAttribute{}, false
}

// EnumValue is one allowed value of an attribute and its display name (Okta's oneOf; the
// value itself when Okta gives none).
type EnumValue struct {
	Value string
	Title string
}

// SchemaAttribute is one profile attribute and its constraints.
type SchemaAttribute struct {
	Name string
	// Custom is set for the org's own attributes (definitions.custom).
	Custom      bool
	Title       string
	Description string
	// Type is string, integer, number, boolean or array; ItemsType the type of an array's items.
	Type      string
	ItemsType string
	Required  bool
	// MinLength and MaxLength bound a string's length in characters; nil when unbounded.
	MinLength *int
	MaxLength *int
	// Enum, when set, lists the only values allowed.
	Enum []EnumValue
	// Pattern is a regular expression the whole value must match.
	Pattern string
	// Format is Okta's format: email, uri, country-code, language-code, locale, timezone, …
	Format string
	// Self is the person's own permission; "" when Okta gave none (treat as hidden).
	Self SelfPermission
	// Master is the source priority: PROFILE_MASTER (the person's profile master, a
	// directory for people it masters) or OKTA (Okta's, whatever masters the rest).
	Master     string
	Mutability string
	Scope      string
}

// SelfEditable reports whether the person may change this attribute of their own profile.
func (a SchemaAttribute) SelfEditable() bool { return a.Self == SelfReadWrite }

// SelfVisible reports whether the person may see this attribute of their own profile.
func (a SchemaAttribute) SelfVisible() bool { return a.Self == SelfReadWrite || a.Self == SelfReadOnly }

// EnumTitle returns the display name of an enum value, and false when the value is not one.
func (a SchemaAttribute) EnumTitle(v string) (string, bool) {
	for _, e := range a.Enum {
		if e.Value == v {
			return e.Title, true
		}
	}
	return "", false
}

// ProblemKind says why a value does not fit its attribute, for messages in the person's
// language.
type ProblemKind int

// The kinds of AttributeProblem.
const (
	// ProblemRequired: the attribute cannot be empty.
	ProblemRequired ProblemKind = iota + 1
	// ProblemType: not a value of the attribute's type (an integer, a number, true/false).
	ProblemType
	// ProblemTooShort and ProblemTooLong: outside MinLength..MaxLength (see Min and Max).
	ProblemTooShort
	ProblemTooLong
	// ProblemEnum: not one of the allowed values.
	ProblemEnum
	// ProblemPattern: does not match the attribute's pattern.
	ProblemPattern
	// ProblemFormat: not in the attribute's format (an email address, a time zone, …).
	ProblemFormat
)

// AttributeProblem is why a value does not fit its attribute.
type AttributeProblem struct {
	Attribute string
	Kind      ProblemKind
	// Min and Max are the attribute's length bounds, for the length problems.
	Min, Max int
	// Format is the attribute's format, for ProblemFormat.
	Format string
}

func (p *AttributeProblem) Error() string {
	return fmt.Sprintf("okta: attribute %s: problem %d", p.Attribute, p.Kind)
}

// Parse turns the text of a form field into the value Okta expects for the attribute and
// checks it against the schema's constraints. Empty text means "no value": nil, or
// ProblemRequired for a required attribute. A pattern Go cannot compile (Okta's are Java
// regular expressions) is left for Okta to check.
func (a SchemaAttribute) Parse(text string) (any, *AttributeProblem) {
	problem := func(k ProblemKind) *AttributeProblem {
		p := &AttributeProblem{Attribute: a.Name, Kind: k, Format: a.Format}
		if a.MinLength != nil {
			p.Min = *a.MinLength
		}
		if a.MaxLength != nil {
			p.Max = *a.MaxLength
		}
		return p
	}
	text = strings.TrimSpace(text)
	if text == "" {
		if a.Required {
			return nil, problem(ProblemRequired)
		}
		return nil, nil
	}
	var v any = text
	switch a.Type {
	case AttributeInteger:
		n, err := strconv.ParseInt(text, 10, 32)
		if err != nil {
			return nil, problem(ProblemType)
		}
		v = n
	case AttributeNumber:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, problem(ProblemType)
		}
		v = f
	case AttributeBoolean:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, problem(ProblemType)
		}
		return b, nil
	case AttributeArray:
		var items []any
		for line := range strings.SplitSeq(text, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				items = append(items, line)
			}
		}
		return items, nil
	case AttributeString, "":
		n := len([]rune(text))
		if a.MinLength != nil && n < *a.MinLength {
			return nil, problem(ProblemTooShort)
		}
		if a.MaxLength != nil && n > *a.MaxLength {
			return nil, problem(ProblemTooLong)
		}
		if a.Pattern != "" {
			if re, err := regexp.Compile(`^(?:` + a.Pattern + `)$`); err == nil && !re.MatchString(text) {
				return nil, problem(ProblemPattern)
			}
		}
		if a.Format != "" && !formatOK(a.Format, text) {
			return nil, problem(ProblemFormat)
		}
	}
	if len(a.Enum) > 0 {
		if _, ok := a.EnumTitle(fmt.Sprint(v)); !ok {
			return nil, problem(ProblemEnum)
		}
	}
	return v, nil
}

var (
	languageRange = regexp.MustCompile(`^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(\s*;\s*q=(0(\.[0-9]{0,3})?|1(\.0{0,3})?))?$`)
	localeTag     = regexp.MustCompile(`^[a-z]{2}_[A-Z]{2}$`)
	countryCode   = regexp.MustCompile(`^[A-Z]{2}$`)
)

// formatOK checks the formats Okta's Schemas API reference documents for the base
// attributes: email (RFC 5322), language-code (RFC 7231 §5.3.5), locale (an ISO 639-1
// language, an underscore and an ISO 3166-1 country: en_US), timezone (IANA), country-code
// (ISO 3166-1 alpha-2) and uri. Other formats are left to Okta.
func formatOK(format, v string) bool {
	switch format {
	case "email":
		local, domain, ok := strings.Cut(v, "@")
		return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(v, " \t\r\n") &&
			!strings.Contains(domain, "@") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
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

// GetUserSchema reads the default user type's schema (GET /api/v1/meta/schemas/user/default;
// scope okta.schemas.read).
func (c *Client) GetUserSchema(ctx context.Context) (UserSchema, error) {
	var s UserSchema
	if _, err := c.call(ctx, request{op: "getUserSchema", method: http.MethodGet, path: "/api/v1/meta/schemas/user/default"}, &s); err != nil {
		return UserSchema{}, err
	}
	return s, nil
}

// Wire form of the schema.

type wireSchemaProp struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Type        string `json:"type"`
	Items       *struct {
		Type string `json:"type"`
	} `json:"items"`
	Required  *bool `json:"required"`
	MinLength *int  `json:"minLength"`
	MaxLength *int  `json:"maxLength"`
	Enum      []any `json:"enum"`
	OneOf     []struct {
		Const any    `json:"const"`
		Title string `json:"title"`
	} `json:"oneOf"`
	Pattern     string `json:"pattern"`
	Format      string `json:"format"`
	Mutability  string `json:"mutability"`
	Scope       string `json:"scope"`
	Permissions []struct {
		Principal string `json:"principal"`
		Action    string `json:"action"`
	} `json:"permissions"`
	Master *struct {
		Type string `json:"type"`
	} `json:"master"`
}

type wireSubschema struct {
	Properties json.RawMessage `json:"properties"`
	Required   []string        `json:"required"`
}

type wireSchema struct {
	ID          string    `json:"id"`
	LastUpdated time.Time `json:"lastUpdated"`
	Definitions struct {
		Base   wireSubschema `json:"base"`
		Custom wireSubschema `json:"custom"`
	} `json:"definitions"`
}

// UnmarshalJSON reads Okta's schema, keeping the attributes in the order Okta wrote them.
func (s *UserSchema) UnmarshalJSON(b []byte) error {
	var w wireSchema
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = UserSchema{ID: w.ID, LastUpdated: w.LastUpdated}
	for _, sub := range []struct {
		wireSubschema
		custom bool
	}{{w.Definitions.Base, false}, {w.Definitions.Custom, true}} {
		attrs, err := decodeSchemaProps(sub.Properties, sub.Required, sub.custom)
		if err != nil {
			return err
		}
		s.Attributes = append(s.Attributes, attrs...)
	}
	return nil
}

// decodeSchemaProps decodes a properties object in document order.
func decodeSchemaProps(raw json.RawMessage, required []string, custom bool) ([]SchemaAttribute, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("decode schema properties: not an object")
	}
	var out []SchemaAttribute
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("decode schema properties: %w", err)
		}
		name, _ := t.(string)
		var w wireSchemaProp
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("decode schema property %q: %w", name, err)
		}
		a := SchemaAttribute{Name: name, Custom: custom, Title: w.Title, Description: w.Description, Type: w.Type,
			MinLength: w.MinLength, MaxLength: w.MaxLength, Pattern: w.Pattern, Format: w.Format,
			Mutability: w.Mutability, Scope: w.Scope}
		if a.Title == "" {
			a.Title = name
		}
		if w.Items != nil {
			a.ItemsType = w.Items.Type
		}
		a.Required = w.Required != nil && *w.Required
		for _, r := range required {
			a.Required = a.Required || r == name
		}
		titles := map[string]string{}
		for _, o := range w.OneOf {
			titles[fmt.Sprint(o.Const)] = o.Title
		}
		for _, e := range w.Enum {
			v := fmt.Sprint(e)
			title := titles[v]
			if title == "" {
				title = v
			}
			a.Enum = append(a.Enum, EnumValue{Value: v, Title: title})
		}
		for _, p := range w.Permissions {
			if p.Principal == "SELF" {
				a.Self = SelfPermission(p.Action)
			}
		}
		if w.Master != nil {
			a.Master = w.Master.Type
		}
		out = append(out, a)
	}
	return out, nil
}

// UpdateUserProfile changes only the given profile attributes of a user, with Okta's
// partial update (POST /api/v1/users/{id} with {"profile": …}); a nil value clears the
// attribute. On a WithBearer copy with the person's own token (okta.users.manage.self) use
// the id "me": Okta then lets the person change only the attributes the schema gives SELF
// READ_WRITE, and answers any other with ErrReadOnlyAttribute. Okta validates the whole
// profile against the schema: its causes are in Error.FieldCauses.
func (c *Client) UpdateUserProfile(ctx context.Context, id string, changes map[string]any) (User, error) {
	const op = "updateProfile"
	path, err := userPath(op, id, "")
	if err != nil {
		return User{}, err
	}
	if len(changes) == 0 {
		return User{}, invalidArg(op, "no attributes to change")
	}
	body := struct {
		Profile map[string]any `json:"profile"`
	}{changes}
	return c.user(ctx, request{op: op, method: http.MethodPost, path: path, body: body})
}
