package handlers

import (
	"bytes"
	"context"
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
//	fields := form.Fields(ctx, nil, nil)             // GET: the form
//	edit := form.Parse(ctx, r.PostForm)              // POST: only changed, editable attributes
//	fe, ok := form.OktaErrors(ctx, err, r.PostForm)  // Okta's causes on their fields
//	fields = form.Fields(ctx, r.PostForm, edit.Errors) // the form again, keeping the input
//
// The schema's titles, descriptions and enum names are the org's words and are shown as Okta
// has them; Gatehouse's own words (hints, errors, yes/no) are in the request's language.
type ProfileForm struct {
	Schema client.UserSchema
	User   client.User
	// Visible and Editable are the permission rule; nil Visible shows what is editable.
	Visible, Editable func(client.SchemaAttribute) bool
	// ReadOnlyWhy says who can change a visible attribute that is not editable.
	ReadOnlyWhy string
	// Directory, when set, names the directory that masters the person's profile ("Active
	// Directory (corp.example.com)", a name in every language): attributes whose source is not Okta (master other than
	// OKTA) are shown read-only with it, as Okta would refuse them (E0000023). The check is
	// for the page only: a posted value still goes to Okta, whose answer is the last word.
	Directory string
}

// directoryOf names the directory that masters u's profile, or "". It is a name ("Active
// Directory", "LDAP", with Okta's name of the directory instance), not words: pages put it into
// sentences of their own language.
func directoryOf(u client.User) string {
	p := u.Credentials.Provider
	var kind string
	switch p.Type {
	case client.ProviderActiveDirectory:
		kind = "Active Directory"
	case client.ProviderLDAP:
		kind = "LDAP"
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
func displayText(ctx context.Context, a client.SchemaAttribute, v any) string {
	t := valueText(v)
	if title, ok := a.EnumTitle(t); ok && t != "" {
		return title
	}
	if a.Type == client.AttributeBoolean && t != "" {
		if t == "true" {
			return tr(ctx, "profile.yes")
		}
		return tr(ctx, "profile.no")
	}
	return strings.ReplaceAll(t, "\n", ", ")
}

// Fields is the form: the visible attributes in the schema's order with the schema's titles
// (read-only ones only when they have a value),
// filled from the profile, or from posted (the person's input, kept after a refusal) with
// errs on their fields (keyed by attribute name).
func (f ProfileForm) Fields(ctx context.Context, posted url.Values, errs views.FieldErrors) []views.ProfileFormField {
	values := ProfileValues(f.User.Profile)
	var out []views.ProfileFormField
	for _, a := range f.Schema.Attributes {
		if !f.visible(a) {
			continue
		}
		field := views.ProfileFormField{Name: a.Name, Label: attributeLabel(a), Description: a.Description, Value: valueText(values[a.Name])}
		if !f.editable(a) || f.mastered(a) {
			if field.Value == "" {
				continue // a read-only attribute without a value has nothing to show
			}
			field.ReadOnly, field.Value = true, displayText(ctx, a, values[a.Name])
			field.ReadOnlyWhy = f.ReadOnlyWhy
			if f.editable(a) {
				field.ReadOnlyWhy = trf(ctx, "profile.from_directory", map[string]any{"Directory": f.Directory})
			}
			out = append(out, field)
			continue
		}
		if vs, ok := posted[views.FieldName(a.Name)]; ok && len(vs) > 0 {
			field.Value = vs[0]
		}
		field.Required, field.Error = a.Required, errs[a.Name]
		shapeInput(ctx, &field, a)
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
func shapeInput(ctx context.Context, field *views.ProfileFormField, a client.SchemaAttribute) {
	switch {
	case len(a.Enum) > 0:
		for _, e := range a.Enum {
			field.Options = append(field.Options, views.SelectOption{Value: e.Value, Title: e.Title})
		}
		return
	case a.Type == client.AttributeBoolean:
		field.Options = []views.SelectOption{{Value: "true", Title: tr(ctx, "profile.yes")}, {Value: "false", Title: tr(ctx, "profile.no")}}
		return
	case a.Type == client.AttributeArray:
		field.Multiline, field.Hint = true, tr(ctx, "profile.hint.list")
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
		field.Hint = tr(ctx, hint)
	}
	if a.MaxLength != nil && *a.MaxLength > 0 {
		field.MaxLength = *a.MaxLength
		if field.Hint == "" {
			field.Hint = trn(ctx, "profile.hint.max_length", *a.MaxLength)
		}
	}
}

// formatHint is the catalog id of the hint for a string format, or "".
func formatHint(format string) string {
	switch format {
	case "timezone":
		return "profile.hint.timezone"
	case "language-code":
		return "profile.hint.language"
	case "locale":
		return "profile.hint.locale"
	case "country-code":
		return "profile.hint.country"
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
// post are left as they are. The errors are in ctx's language.
func (f ProfileForm) Parse(ctx context.Context, posted url.Values) ProfileEdit {
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
			edit.Errors[a.Name] = problemMessage(ctx, a, problem)
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

// LabelList names attributes by their titles, joined as a list in ctx's language (Japanese
// separates them with 、). The titles are the schema's, as the org wrote them.
func (f ProfileForm) LabelList(ctx context.Context, names []string) string {
	return strings.Join(f.titles(names), tr(ctx, "profile.list_separator"))
}

func (f ProfileForm) titles(names []string) []string {
	labels := make([]string, 0, len(names))
	for _, n := range names {
		if a, ok := f.Schema.Attribute(n); ok {
			labels = append(labels, attributeLabel(a))
		} else {
			labels = append(labels, n)
		}
	}
	return labels
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

// problemMessage says in ctx's language why a value does not fit its attribute.
func problemMessage(ctx context.Context, a client.SchemaAttribute, p *client.AttributeProblem) string {
	switch p.Kind {
	case client.ProblemRequired:
		return tr(ctx, "profile.error.required")
	case client.ProblemType:
		switch a.Type {
		case client.AttributeInteger:
			return tr(ctx, "profile.error.integer")
		case client.AttributeNumber:
			return tr(ctx, "profile.error.number")
		case client.AttributeBoolean:
			return tr(ctx, "profile.error.boolean")
		}
	case client.ProblemTooShort:
		return trn(ctx, "profile.error.too_short", p.Min)
	case client.ProblemTooLong:
		return trn(ctx, "profile.error.too_long", p.Max)
	case client.ProblemEnum:
		return tr(ctx, "profile.error.enum")
	case client.ProblemPattern:
		return tr(ctx, "profile.error.pattern")
	case client.ProblemFormat:
		switch p.Format {
		case "email":
			return tr(ctx, "profile.error.email")
		case "timezone":
			return tr(ctx, "profile.error.timezone")
		case "language-code":
			return tr(ctx, "profile.error.language")
		case "locale":
			return tr(ctx, "profile.error.locale")
		case "country-code":
			return tr(ctx, "profile.error.country")
		case "uri":
			return tr(ctx, "profile.error.uri")
		}
		return tr(ctx, "profile.error.format")
	}
	return tr(ctx, "profile.error.value")
}

// OktaErrors puts Okta's validation causes (E0000001, Error.FieldCauses) on the fields they
// name, in words derived from the attribute and the posted value (Okta's texts are for the
// log), in ctx's language. ok is false when err is not such a refusal or names no field of
// the form.
func (f ProfileForm) OktaErrors(ctx context.Context, err error, posted url.Values) (views.FieldErrors, bool) {
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
		msg := tr(ctx, "profile.error.okta")
		if _, p := a.Parse(posted.Get(views.FieldName(name))); p != nil {
			msg = problemMessage(ctx, a, p)
		}
		fe[name] = msg
	}
	return fe, len(fe) > 0
}
