package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gatehouse/client"
	"gatehouse/views"
)

// ProfileForm is the one place that turns Okta's user schema into a profile edit form and a
// posted form back into a partial update (docs/OKTA.md "User schema and profile
// validation"). It takes the permission rule as functions, so that the self-service editor
// (SELF's permissions) and an admin editor (the admin's) share everything else:
//
//	form := ProfileForm{Schema: schema, User: u, Visible: client.SchemaAttribute.SelfVisible,
//		Editable: client.SchemaAttribute.SelfEditable, ReadOnlyWhy: ...}
//	fields := form.Fields(nil, nil)             // GET: the form
//	edit := form.Parse(r.PostForm)              // POST: only changed, editable attributes
//	fe, ok := form.OktaErrors(err, r.PostForm)  // Okta's causes on their fields
//	fields = form.Fields(r.PostForm, edit.Errors) // the form again, keeping the input
type ProfileForm struct {
	Schema client.UserSchema
	User   client.User
	// Visible and Editable are the permission rule; nil Visible shows what is editable.
	Visible, Editable func(client.SchemaAttribute) bool
	// ReadOnlyWhy says who can change a visible attribute that is not editable.
	ReadOnlyWhy string
	// Directory, when set, names the directory that masters the person's profile ("Active
	// Directory (corp.example.com)"): attributes whose source is not Okta (master other than
	// OKTA) are shown read-only with it, as Okta would refuse them (E0000023). The check is
	// for the page only: a posted value still goes to Okta, whose answer is the last word.
	Directory string
}

// directoryOf names the directory that masters u's profile, or "".
func directoryOf(u client.User) string {
	p := u.Credentials.Provider
	var kind string
	switch p.Type {
	case client.ProviderActiveDirectory:
		kind = "Active Directory"
	case client.ProviderLDAP:
		kind = "your LDAP directory"
	default:
		return ""
	}
	if p.Name != "" {
		return kind + " (" + p.Name + ")"
	}
	return kind
}

func (f ProfileForm) visible(a client.SchemaAttribute) bool {
	if f.Visible == nil {
		return f.editable(a)
	}
	return f.Visible(a) || f.editable(a)
}

func (f ProfileForm) editable(a client.SchemaAttribute) bool {
	return f.Editable != nil && f.Editable(a)
}

// mastered reports whether a's value comes from the person's directory, not Okta.
func (f ProfileForm) mastered(a client.SchemaAttribute) bool {
	return f.Directory != "" && a.Master != "OKTA"
}

// ProfileValues are a profile's attributes by their names (base and custom), as Okta sent
// them.
func ProfileValues(p client.Profile) map[string]any {
	b, err := json.Marshal(p)
	if err != nil {
		return map[string]any{}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	out := map[string]any{}
	_ = dec.Decode(&out)
	return out
}

// valueText is an attribute's value as the text of its form field.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, i := range x {
			parts = append(parts, valueText(i))
		}
		return strings.Join(parts, "\n")
	}
	return fmt.Sprint(v)
}

// displayText is a read-only value as a person reads it: an enum's display name, yes/no.
func displayText(a client.SchemaAttribute, v any) string {
	t := valueText(v)
	if title, ok := a.EnumTitle(t); ok && t != "" {
		return title
	}
	if a.Type == client.AttributeBoolean && t != "" {
		if t == "true" {
			return "Yes"
		}
		return "No"
	}
	return strings.ReplaceAll(t, "\n", ", ")
}

// Fields is the form: the visible attributes in the schema's order with the schema's titles,
// filled from the profile, or from posted (the person's input, kept after a refusal) with
// errs on their fields (keyed by attribute name).
func (f ProfileForm) Fields(posted url.Values, errs views.FieldErrors) []views.ProfileFormField {
	values := ProfileValues(f.User.Profile)
	var out []views.ProfileFormField
	for _, a := range f.Schema.Attributes {
		if !f.visible(a) {
			continue
		}
		field := views.ProfileFormField{Name: a.Name, Label: attributeLabel(a), Description: a.Description, Value: valueText(values[a.Name])}
		if !f.editable(a) || f.mastered(a) {
			field.ReadOnly, field.Value = true, displayText(a, values[a.Name])
			field.ReadOnlyWhy = f.ReadOnlyWhy
			if f.editable(a) {
				field.ReadOnlyWhy = "Comes from " + f.Directory + ": it is changed there."
			}
			out = append(out, field)
			continue
		}
		if vs, ok := posted[views.FieldName(a.Name)]; ok && len(vs) > 0 {
			field.Value = vs[0]
		}
		field.Required, field.Error = a.Required, errs[a.Name]
		shapeInput(&field, a)
		out = append(out, field)
	}
	return out
}

// attributeLabel is the schema's title, or the attribute's name when it has none.
func attributeLabel(a client.SchemaAttribute) string {
	if a.Title != "" {
		return a.Title
	}
	return a.Name
}

// shapeInput picks the input for a's type and constraints, and says the constraints in words.
func shapeInput(field *views.ProfileFormField, a client.SchemaAttribute) {
	switch {
	case len(a.Enum) > 0:
		for _, e := range a.Enum {
			field.Options = append(field.Options, views.SelectOption{Value: e.Value, Title: e.Title})
		}
		return
	case a.Type == client.AttributeBoolean:
		field.Options = []views.SelectOption{{Value: "true", Title: "Yes"}, {Value: "false", Title: "No"}}
		return
	case a.Type == client.AttributeArray:
		field.Multiline, field.Hint = true, "One per line."
		return
	case a.Type == client.AttributeInteger:
		field.Input = "number"
		return
	}
	switch a.Format {
	case "email":
		field.Input = "email"
	case "uri":
		field.Input = "url"
	}
	if strings.HasSuffix(strings.ToLower(a.Name), "phone") {
		field.Input = "tel"
	}
	if hint := formatHint(a.Format); hint != "" {
		field.Hint = hint
	}
	if a.MaxLength != nil && *a.MaxLength > 0 {
		field.MaxLength = *a.MaxLength
		if field.Hint == "" {
			field.Hint = "Up to " + strconv.Itoa(*a.MaxLength) + " characters."
		}
	}
}

func formatHint(format string) string {
	switch format {
	case "timezone":
		return "A time zone such as America/Los_Angeles or Europe/Paris."
	case "language-code":
		return "A language such as en, en-GB or fr."
	case "locale":
		return "A language and country such as en_US or fr_FR."
	case "country-code":
		return "Two letters, such as US or FR."
	}
	return ""
}

// ProfileEdit is what a posted form asks to change.
type ProfileEdit struct {
	// Changes are the editable attributes whose value changed, as Okta expects them (nil
	// clears one): exactly what a partial update sends.
	Changes map[string]any
	// Before and After are the changed attributes' values as text, for the audit trail.
	Before, After map[string]string
	// Errors are the schema's constraints the input breaks, by attribute name.
	Errors views.FieldErrors
	// Refused are attributes the form posted that the rule does not let be changed (or that
	// the schema does not have): a crafted request. Nothing should be saved.
	Refused []string
}

// Parse reads the posted form against the schema and the rule. Attributes the form did not
// post are left as they are.
func (f ProfileForm) Parse(posted url.Values) ProfileEdit {
	values := ProfileValues(f.User.Profile)
	edit := ProfileEdit{Changes: map[string]any{}, Before: map[string]string{}, After: map[string]string{}, Errors: views.FieldErrors{}}
	for key := range posted {
		name, ok := strings.CutPrefix(key, views.ProfileFieldPrefix)
		if !ok {
			continue
		}
		a, known := f.Schema.Attribute(name)
		if !known || !f.editable(a) {
			edit.Refused = append(edit.Refused, name)
			continue
		}
		v, problem := a.Parse(posted.Get(key))
		if problem != nil {
			edit.Errors[a.Name] = problemMessage(a, problem)
			continue
		}
		before, after := valueText(values[a.Name]), valueText(v)
		if before == after {
			continue
		}
		edit.Changes[a.Name], edit.Before[a.Name], edit.After[a.Name] = v, before, after
	}
	slices.Sort(edit.Refused)
	return edit
}

// Names lists the changed attributes in the schema's order.
func (f ProfileForm) Names(changes map[string]any) []string {
	var names []string
	for _, a := range f.Schema.Attributes {
		if _, ok := changes[a.Name]; ok {
			names = append(names, a.Name)
		}
	}
	return names
}

// Labels names attributes by their titles, for messages.
func (f ProfileForm) Labels(names []string) string {
	labels := make([]string, 0, len(names))
	for _, n := range names {
		if a, ok := f.Schema.Attribute(n); ok {
			labels = append(labels, attributeLabel(a))
		} else {
			labels = append(labels, n)
		}
	}
	return strings.Join(labels, ", ")
}

// AuditDetail records what changed: each attribute with its value before and after (profile
// attributes are not secrets), in the schema's order.
func (f ProfileForm) AuditDetail(edit ProfileEdit) string {
	var parts []string
	for _, n := range f.Names(edit.Changes) {
		parts = append(parts, fmt.Sprintf("%s: %q -> %q", n, edit.Before[n], edit.After[n]))
	}
	return strings.Join(parts, "; ")
}

// problemMessage says in words why a value does not fit its attribute.
func problemMessage(a client.SchemaAttribute, p *client.AttributeProblem) string {
	switch p.Kind {
	case client.ProblemRequired:
		return "This cannot be empty."
	case client.ProblemType:
		switch a.Type {
		case client.AttributeInteger:
			return "Enter a whole number."
		case client.AttributeNumber:
			return "Enter a number."
		case client.AttributeBoolean:
			return "Choose yes or no."
		}
	case client.ProblemTooShort:
		return "Use at least " + strconv.Itoa(p.Min) + " characters."
	case client.ProblemTooLong:
		return "Use at most " + strconv.Itoa(p.Max) + " characters."
	case client.ProblemEnum:
		return "Choose one of the options."
	case client.ProblemPattern:
		return "This is not in the form your organisation expects."
	case client.ProblemFormat:
		switch p.Format {
		case "email":
			return "Enter an email address such as name@example.com."
		case "timezone":
			return "Enter a time zone such as America/Los_Angeles or Europe/Paris."
		case "language-code":
			return "Enter a language such as en, en-GB or fr."
		case "locale":
			return "Enter a language and country such as en_US."
		case "country-code":
			return "Enter a two-letter country code such as US."
		case "uri":
			return "Enter a web address starting with https://."
		}
		return "This is not in the expected format."
	}
	return "This value is not accepted."
}

// OktaErrors puts Okta's validation causes (E0000001, Error.FieldCauses) on the fields they
// name, in words derived from the attribute and the posted value (Okta's texts are for the
// log). ok is false when err is not such a refusal or names no field of the form.
func (f ProfileForm) OktaErrors(err error, posted url.Values) (views.FieldErrors, bool) {
	var ce *client.Error
	if !errors.As(err, &ce) || !errors.Is(err, client.ErrInvalid) {
		return nil, false
	}
	fe := views.FieldErrors{}
	for name := range ce.FieldCauses() {
		name = strings.TrimPrefix(name, "profile.")
		a, ok := f.Schema.Attribute(name)
		if !ok || !f.visible(a) {
			continue
		}
		msg := "Okta did not accept this value."
		if _, p := a.Parse(posted.Get(views.FieldName(name))); p != nil {
			msg = problemMessage(a, p)
		}
		fe[name] = msg
	}
	return fe, len(fe) > 0
}
