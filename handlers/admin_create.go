package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strings"

	"gatehouse/client"
	"gatehouse/views"
)

// Activation choices on the add-person form.
const (
	activateEmail  = "email"  // create with activate=true: Okta emails the link (or, with a password, the account is active at once)
	activateLink   = "link"   // create with activate=false, then Activate(sendEmail=false): the link is shown once
	activateStaged = "staged" // create with activate=false: STAGED, activate later
)

const (
	// maxCreateGroups is Okta's limit of groupIds at creation (USERS-API.md §4.2).
	maxCreateGroups = 20
	// groupSearchLimit is how many matches the picker shows.
	groupSearchLimit = 10
	// auditCreate is the audit action of adding a person.
	auditCreate = "create"
)

// groupIDPattern is the shape of an Okta group id.
var groupIDPattern = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)

// createInput is the add-person form. Password is a secret: it goes to Okta and is never
// rendered back.
type createInput struct {
	FirstName, LastName, Email, Login string
	Activation                        string
	Password                          string
	GroupQuery                        string
	Groups                            []views.GroupChoice
}

// requireAdmin is the belt to the route table's braces for admin-only pages.
func requireAdmin(r *http.Request) (Viewer, error) {
	v, err := staff(r)
	if err != nil {
		return Viewer{}, err
	}
	if !v.HasRole(RoleAdmin) {
		return Viewer{}, Forbidden("create.needs_admin")
	}
	return v, nil
}

// NewUserForm handles GET /admin/users/new.
func (a *Admin) NewUserForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireAdmin(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rules := createRules(ctx, a.newUserPolicy(ctx, nil))
	view := views.CreateUserView{Nav: adminNav(v, views.AdminCreate), Activation: activateEmail, Rules: rules, Errors: views.FieldErrors{}}
	return Render(w, r, http.StatusOK, views.CreateUserPage(PageFor(r, tr(ctx, "create.title"), views.NavAdmin), view))
}

// parseChosenGroups reads the picker's checkboxes. A value is "id" or "id:name"; the name only
// labels the checkbox when the form is shown again (only the id goes to Okta, which checks it).
func parseChosenGroups(values []string) ([]views.GroupChoice, error) {
	var out []views.GroupChoice
	seen := map[string]bool{}
	for _, raw := range values {
		id, name, _ := strings.Cut(raw, ":")
		if !groupIDPattern.MatchString(id) || validText(name, 0, 255) != nil {
			return nil, badRequest("create.bad_group")
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if name == "" {
			name = id
		}
		out = append(out, views.GroupChoice{ID: id, Name: name, Checked: true})
	}
	return out, nil
}

func readCreateInput(r *http.Request) (createInput, error) {
	in := createInput{
		FirstName: field(r, "first_name"), LastName: field(r, "last_name"), Email: field(r, "email"),
		Login: field(r, "login"), Activation: field(r, "activation"), Password: secretField(r, "password"),
		GroupQuery: field(r, "group_q"),
	}
	groups, err := parseChosenGroups(r.PostForm["group"])
	if err != nil {
		return in, err
	}
	in.Groups = groups
	return in, nil
}

// newUserPolicy is the password policy Okta will apply to a new Okta-sourced person in groups.
func (a *Admin) newUserPolicy(ctx context.Context, groups []views.GroupChoice) PasswordPolicy {
	if a.opts.Rules == nil {
		return PasswordPolicy{}
	}
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	return a.opts.Rules.ForNewUser(ctx, ids)
}

// validateCreate checks everything Gatehouse can before Okta is called, the initial password
// against the policy Okta will apply to the person.
func validateCreate(ctx context.Context, in createInput, policy PasswordPolicy) views.FieldErrors {
	fe := views.FieldErrors{}
	for _, f := range []struct{ key, val, missing string }{{"first_name", in.FirstName, "create.enter_first_name"}, {"last_name", in.LastName, "create.enter_last_name"}} {
		if f.val == "" {
			fe[f.key] = tr(ctx, f.missing)
		} else if validText(f.val, 1, 50) != nil {
			fe[f.key] = tr(ctx, "create.name_too_long")
		}
	}
	switch {
	case in.Email == "":
		fe["email"] = tr(ctx, "create.enter_email")
	case !validEmail(in.Email):
		fe["email"] = tr(ctx, "create.email_invalid")
	}
	login := in.Login
	if login == "" {
		login = in.Email
	}
	if (login != "" && validText(login, 5, 100) != nil) || strings.ContainsAny(login, " \t") {
		fe["login"] = tr(ctx, "create.login_invalid")
	}
	if len(in.Groups) > maxCreateGroups {
		fe["group"] = tr(ctx, "create.too_many_groups")
	}
	switch in.Activation {
	case activateEmail, activateLink, activateStaged:
	default:
		fe["activation"] = tr(ctx, "create.choose_activation")
	}
	if in.Password != "" {
		if msg := policy.ProblemFor(ctx, in.Password, Person{Login: login, FirstName: in.FirstName, LastName: in.LastName}, TheirPassword); msg != "" {
			fe["password"] = msg
		}
	}
	return fe
}

// createRules are the password rules as the add-person form shows them: about the new person,
// and without the confirmation field the form does not have.
func createRules(ctx context.Context, policy PasswordPolicy) []views.PasswordRule {
	var rules []views.PasswordRule
	for _, r := range policy.RulesFor(ctx, TheirPassword) {
		if r.Key == ruleMatch {
			continue
		}
		rules = append(rules, r)
	}
	return rules
}

// validEmail accepts a bare address (no display name) with a dotted domain, at most 100
// characters.
func validEmail(s string) bool {
	if len(s) > 100 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

func (a *Admin) createView(ctx context.Context, v Viewer, in createInput, policy PasswordPolicy) views.CreateUserView {
	return views.CreateUserView{
		Nav: adminNav(v, views.AdminCreate), FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		Login: in.Login, Activation: in.Activation, Rules: createRules(ctx, policy), Errors: views.FieldErrors{},
		Picker: views.GroupPickerView{Query: in.GroupQuery, Chosen: in.Groups},
	}
}

// CreateUser handles POST /admin/users/new. "Find groups" (op=find-groups) re-renders the form
// with the matching groups, keeping every typed value and chosen group but never the
// password. Otherwise everything is checked, Okta creates the person in the chosen groups,
// and the browser goes to their page (rendered directly when it carries a one-time link).
func (a *Admin) CreateUser(w http.ResponseWriter, r *http.Request) error {
	v, err := requireAdmin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := readCreateInput(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	page := PageFor(r, tr(ctx, "create.title"), views.NavAdmin)
	policy := a.newUserPolicy(ctx, in.Groups)
	view := a.createView(ctx, v, in, policy)
	if field(r, "op") == views.CreateOpFindGroups {
		if err := validText(in.GroupQuery, 0, 100); err != nil {
			view.Errors["group"] = tr(ctx, "create.group_query_too_long")
		} else {
			view.Picker = a.pickGroups(ctx, in.GroupQuery, in.Groups)
		}
		return Render(w, r, http.StatusOK, views.CreateUserPage(page, view))
	}
	if view.Errors = validateCreate(ctx, in, policy); len(view.Errors) > 0 {
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, "create.not_added"), Text: fixText(ctx, len(view.Errors))}
		return Render(w, r, http.StatusUnprocessableEntity, views.CreateUserPage(page, view))
	}
	u, recErr, err := a.create(ctx, v, in)
	if err != nil {
		if fe := createFieldErrors(ctx, err); len(fe) > 0 {
			view.Errors = fe
			view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, "create.okta_not_added"), Text: fixText(ctx, len(fe)), RequestID: RequestID(ctx)}
			return Render(w, r, http.StatusUnprocessableEntity, views.CreateUserPage(page, view))
		}
		return retitled(fmt.Errorf("create user: %w", err), "create.not_added")
	}
	return a.created(w, r, v, u, in.Activation, recErr)
}

// create asks Okta to create the person in the chosen groups (activated at once when Okta
// emails the link), and records the outcome. recErr is the audit record's failure
// (audit.ErrNotRecorded) on a successful creation.
func (a *Admin) create(ctx context.Context, v Viewer, in createInput) (u client.User, recErr, err error) {
	login := in.Login
	if login == "" {
		login = in.Email
	}
	nu := client.NewUser{
		Profile:  client.Profile{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Login: login},
		Password: in.Password,
	}
	for _, g := range in.Groups {
		nu.GroupIDs = append(nu.GroupIDs, g.ID)
	}
	ScopeFrom(ctx).Note("admin_action", auditCreate)
	u, err = a.okta.CreateUser(ctx, nu, in.Activation == activateEmail)
	if err != nil {
		a.failed(ctx, v, client.User{Profile: client.Profile{Login: login}}, auditCreate, "", "", err)
		return client.User{}, nil, err
	}
	recErr = a.succeeded(ctx, v, u, auditCreate, "", "activation: "+in.Activation, u.Receipt)
	ScopeFrom(ctx).Note("target", u.ID)
	return u, recErr, nil
}

// created answers a successful creation with a redirect to the person's page
// (post/redirect/get: a reload there never creates them twice). When the activation link is to
// be shown, it rides along server-side, once (never in a URL); should the store fail, the page
// is rendered at once instead, so the link is never lost.
func (a *Admin) created(w http.ResponseWriter, r *http.Request, v Viewer, u client.User, activation string, recErr error) error {
	ctx := r.Context()
	res := oneTimeResult{Activation: activation}
	if activation == activateLink {
		res.Secret, res.Alert = a.activateWithLink(ctx, v, u)
	}
	if a.leaveResult(ctx, w, doneFlashOf(auditCreate, u.ID, recErr), res) {
		redirect(w, r, views.PersonURL(u.ID))
		return nil
	}
	pv, err := a.personView(ctx, v, u.ID)
	if err != nil {
		// The person exists; only the page could not be loaded. Never lose the secret.
		pv = views.PersonView{Nav: adminNav(v, views.AdminPeople), ID: u.ID, Name: userName(u), Login: u.Profile.Login, Panel: a.panel(ctx, v, u)}
	}
	a.showResult(ctx, w, &pv, auditCreate, res)
	if recErr != nil && pv.Panel.Alert != nil {
		pv.Panel.Alert.Kind, pv.Panel.Alert.Title = "warning", tr(ctx, "create.added_not_recorded")
		pv.Panel.Alert.Text += notRecorded(ctx, recErr)
	}
	return Render(w, r, http.StatusOK, views.PersonPage(PageFor(r, pv.Name, views.NavAdmin), pv))
}

// activateWithLink activates a just-created STAGED person without an email and returns the
// link to show once; a failure leaves the person staged and says so. The success words are
// the person page's, from the status Okta then reports.
func (a *Admin) activateWithLink(ctx context.Context, v Viewer, u client.User) (*views.Secret, *views.Alert) {
	res, err := a.okta.Activate(ctx, u.ID, false)
	if err != nil {
		a.failed(ctx, v, u, actionActivate, "", "", err)
		_, why := Classify(err).Words(views.LocaleFrom(ctx))
		return nil, &views.Alert{Kind: "warning", Title: tr(ctx, "create.added_not_activated"), Text: trf(ctx, "create.not_activated", map[string]any{"Name": userName(u), "Reason": why}), RequestID: RequestID(ctx)}
	}
	recErr := a.succeeded(ctx, v, u, actionActivate, "", "activation link shown", res.Receipt)
	if recErr != nil {
		var link *views.Secret
		if res.ActivationURL != "" {
			link = activationSecret(ctx, u, res.ActivationURL)
		}
		return link, &views.Alert{Kind: "warning", Title: tr(ctx, "create.added_not_recorded"), Text: trf(ctx, "create.activation_started", map[string]any{"Name": userName(u)}) + notRecorded(ctx, recErr)}
	}
	if res.ActivationURL == "" {
		reset, _ := ActionByKey(actionResetPassword)
		return nil, &views.Alert{Kind: "success", Title: tr(ctx, "create.added"), Text: trf(ctx, "create.no_link", map[string]any{"Name": userName(u), "Action": reset.Label(ctx)})}
	}
	return activationSecret(ctx, u, res.ActivationURL), nil
}

// activationSecret is an activation link to show once.
func activationSecret(ctx context.Context, u client.User, link string) *views.Secret {
	return &views.Secret{Label: trf(ctx, "create.link_label", map[string]any{"Name": userName(u)}), Value: link,
		Hint: trf(ctx, "create.link_hint", map[string]any{"FirstName": firstName(u)})}
}

// createFieldErrors puts Okta's validation causes ("login: An object with this field already
// exists…") on the right field, in Gatehouse's words.
func createFieldErrors(ctx context.Context, err error) views.FieldErrors {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return nil
	}
	fe := views.FieldErrors{}
	if ce.Code == "E0000093" {
		fe["group"] = tr(ctx, "create.okta_too_many_groups")
		return fe
	}
	if ce.Code != "E0000001" {
		return nil
	}
	for _, c := range ce.Causes {
		key, text, ok := strings.Cut(c, ":")
		lt := strings.ToLower(text)
		if !ok {
			key, lt = "", strings.ToLower(c)
		}
		switch strings.TrimSpace(key) {
		case "login":
			if strings.Contains(lt, "already exists") {
				fe["login"] = tr(ctx, "create.login_taken")
			} else {
				fe["login"] = tr(ctx, "create.okta_login")
			}
		case "email":
			fe["email"] = tr(ctx, "create.okta_email")
		case "password":
			fe["password"] = policyRequirements(ctx, []string{text})
		case "firstName":
			fe["first_name"] = tr(ctx, "create.okta_first_name")
		case "lastName":
			fe["last_name"] = tr(ctx, "create.okta_last_name")
		case "groupIds":
			fe["group"] = tr(ctx, "create.okta_group")
		}
	}
	return fe
}

// GroupSearch handles GET /admin/groups/search?group_q=&group=…: the picker's active search.
// It answers the result region with the chosen groups still checked above the new matches.
// Without htmx it sends the browser back to the form, which has its own "Find groups".
func (a *Admin) GroupSearch(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireAdmin(r); err != nil {
		return err
	}
	if !IsHTMX(r) {
		redirect(w, r, "/admin/users/new")
		return nil
	}
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("group_q"))
	if query == "" {
		query = strings.TrimSpace(q.Get("q"))
	}
	if validText(query, 0, 100) != nil {
		return badRequest(msgSearchTooLong)
	}
	chosen, err := parseChosenGroups(q["group"])
	if err != nil {
		return err
	}
	return Render(w, r, http.StatusOK, views.GroupResults(a.pickGroups(r.Context(), query, chosen)))
}

// pickGroups searches Okta's groups for the picker. Only Okta groups can take members, so app
// and built-in groups are left out; groups already chosen are not listed twice.
func (a *Admin) pickGroups(ctx context.Context, query string, chosen []views.GroupChoice) views.GroupPickerView {
	pv := views.GroupPickerView{Query: query, Chosen: chosen}
	if query == "" {
		return pv
	}
	pv.Searched = true
	groups, err := a.okta.SearchGroups(ctx, query, groupSearchLimit+len(chosen))
	if err != nil {
		_, why := Classify(err).Words(views.LocaleFrom(ctx))
		pv.Err = &views.Alert{Kind: "error", Title: tr(ctx, "create.groups_failed"), Text: why, RequestID: RequestID(ctx)}
		return pv
	}
	picked := map[string]bool{}
	for _, g := range chosen {
		picked[g.ID] = true
	}
	for _, g := range groups {
		if picked[g.ID] || g.Type != "OKTA_GROUP" || len(pv.Found) == groupSearchLimit {
			continue
		}
		pv.Found = append(pv.Found, views.GroupChoice{ID: g.ID, Name: g.Profile.Name, Description: g.Profile.Description})
	}
	return pv
}
