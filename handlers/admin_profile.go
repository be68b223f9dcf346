package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"gatehouse/client"
	"gatehouse/views"
)

// The admin profile editor (/admin/users/{id}/edit) shares the schema-to-form logic with the
// self-service editor: ProfileForm (profileform.go, views/profile_form.templ, issue 18) with
// the admin's permission rule instead of SELF's. This file holds only that rule and the
// handlers.

// adminEditable is the admin's rule: Okta lets an admin (and Gatehouse's credential) write any
// attribute, read-only-for-SELF ones included ([KB-ADMIN-RO] in docs/OKTA.md), except those
// the schema marks READ_ONLY or IMMUTABLE for everyone (E0000077/E0000078).
func adminEditable(a client.SchemaAttribute) bool {
	switch a.Mutability {
	case "READ_ONLY", "IMMUTABLE", "WRITE_ONLY":
		return false
	}
	return true
}

// adminVisible shows every attribute but the write-only ones, whose value Okta does not give
// back (and which may hold something the admin should not read back into a form).
func adminVisible(a client.SchemaAttribute) bool { return a.Mutability != "WRITE_ONLY" }

// msgOktaOnly explains an attribute Okta lets no one change.
const msgOktaOnly = "person.edit.okta_only"

// adminProfileForm loads the schema and the person, fresh from Okta, and checks that the
// viewer may act on them (protected accounts, SECURITY.md 27).
func (a *Admin) adminProfileForm(ctx context.Context, v Viewer, id string) (ProfileForm, error) {
	var (
		wg         sync.WaitGroup
		schema     client.UserSchema
		u          client.User
		sErr, uErr error
	)
	wg.Go(func() { schema, sErr = a.okta.GetUserSchema(ctx) })
	wg.Go(func() { u, uErr = a.getPerson(ctx, id) })
	wg.Wait()
	if uErr != nil {
		return ProfileForm{}, uErr
	}
	if sErr != nil {
		return ProfileForm{}, fmt.Errorf("get user schema: %w", sErr)
	}
	return ProfileForm{
		Schema: schema, User: u, Visible: adminVisible, Editable: adminEditable,
		ReadOnlyWhy: tr(ctx, msgOktaOnly), Directory: directoryOf(u),
	}, nil
}

// editPage renders the editor.
func (a *Admin) editPage(w http.ResponseWriter, r *http.Request, status int, v Viewer, form ProfileForm, view views.AdminProfileEditView) error {
	u := form.User
	view.Nav, view.ID, view.Name, view.Login, view.Directory = adminNav(v, views.AdminPeople), u.ID, userName(u), u.Profile.Login, form.Directory
	return Render(w, r, status, views.AdminProfileEditPage(PageFor(r, trf(r.Context(), "person.edit.page_title", map[string]any{"Name": userName(u)}), views.NavAdmin), view))
}

// EditProfileForm handles GET /admin/users/{id}/edit (admins only): every attribute of the
// user schema in its order, with its title, type and constraints, editable unless Okta marks it
// read-only or immutable, or the person's directory masters it.
func (a *Admin) EditProfileForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireProfileAdmin(r)
	if err != nil {
		return err
	}
	id, err := personID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	form, err := a.adminProfileForm(ctx, v, id)
	if err != nil {
		return err
	}
	if vd := a.opts.Protect.MayAct(ctx, v, form.User); !vd.Allowed {
		return vd.AsError()
	}
	return a.editPage(w, r, http.StatusOK, v, form, views.AdminProfileEditView{Fields: form.Fields(ctx, nil, nil)})
}

// requireProfileAdmin is an admin: the helpdesk resets credentials, it does not edit who
// someone is.
func requireProfileAdmin(r *http.Request) (Viewer, error) {
	v, err := staff(r)
	if err != nil {
		return Viewer{}, err
	}
	if !v.HasRole(RoleAdmin) {
		return Viewer{}, Forbidden("person.edit.needs_admin")
	}
	return v, nil
}

// SaveProfileEdit handles POST /admin/users/{id}/edit: the posted values are checked against
// the schema (the input is kept on a refusal), and only the attributes that changed go to Okta
// in a partial update. Attributes the rule does not let be changed are refused by Gatehouse
// before Okta sees them. The audit entry lists each attribute with its value before and after
// (profile attributes are not secrets); the person's cached profile is dropped.
func (a *Admin) SaveProfileEdit(w http.ResponseWriter, r *http.Request) error {
	v, err := requireProfileAdmin(r)
	if err != nil {
		return err
	}
	id, err := personID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	sc := ScopeFrom(ctx)
	sc.Note("admin_action", auditEditProfile)
	sc.Note("target", id)
	form, err := a.adminProfileForm(ctx, v, id)
	if err != nil {
		return err
	}
	u := form.User
	if vd := a.opts.Protect.MayAct(ctx, v, u); !vd.Allowed {
		a.denied(ctx, v, u, auditEditProfile, "", vd.Detail)
		return vd.AsError()
	}
	posted := r.PostForm
	edit := form.Parse(ctx, posted)
	again := func(status int, fe views.FieldErrors, alert *views.Alert) error {
		return a.editPage(w, r, status, v, form, views.AdminProfileEditView{Fields: form.Fields(ctx, posted, fe), Alert: alert})
	}
	if len(edit.Refused) > 0 {
		sc.Note("profile_refused", strings.Join(edit.Refused, ","))
		a.denied(ctx, v, u, auditEditProfile, "", "not editable: "+strings.Join(edit.Refused, ","))
		return again(http.StatusForbidden, nil, &views.Alert{Kind: "error", Title: tr(ctx, "person.edit.nothing_saved"),
			Text: trf(ctx, "person.edit.refused", map[string]any{"Attributes": form.LabelList(ctx, edit.Refused)}), RequestID: RequestID(ctx)})
	}
	if len(edit.Errors) > 0 {
		return again(http.StatusUnprocessableEntity, edit.Errors, &views.Alert{Kind: "error", Title: tr(ctx, "person.edit.not_saved"), Text: fixText(ctx, len(edit.Errors))})
	}
	if len(edit.Changes) == 0 {
		setFlash(ctx, a.sessions, w, doneFlash(flashUnchanged, id))
		redirect(w, r, views.PersonURL(id))
		return nil
	}
	saved, err := a.okta.UpdateUserProfile(ctx, id, edit.Changes)
	if err != nil {
		a.failed(ctx, v, u, auditEditProfile, "", withCode(err, strings.Join(form.Names(edit.Changes), ",")), err)
		status, fe, alert := adminProfileFailure(ctx, form, edit, err, posted)
		alert.RequestID = RequestID(ctx)
		return again(status, fe, alert)
	}
	recErr := a.succeeded(ctx, v, u, auditEditProfile, "", form.AuditDetail(edit), saved.Receipt)
	a.cache.Invalidate(id)
	setFlash(ctx, a.sessions, w, doneFlashOf(auditEditProfile, id, recErr))
	redirect(w, r, views.PersonURL(id))
	return nil
}

// flashUnchanged is the done flash of a profile form saved without a change.
const flashUnchanged = "profile-unchanged"

// adminProfileFailure explains Okta's refusal of an admin's profile update: on the fields Okta
// named (E0000001 causes), or in words for the whole form.
func adminProfileFailure(ctx context.Context, form ProfileForm, edit ProfileEdit, err error, posted map[string][]string) (int, views.FieldErrors, *views.Alert) {
	alert := &views.Alert{Kind: "error", Title: tr(ctx, "person.edit.not_saved")}
	if fe, ok := form.OktaErrors(ctx, err, posted); ok {
		id := "person.edit.okta_refused_many"
		if len(fe) == 1 {
			id = "person.edit.okta_refused_one"
		}
		alert.Text = tr(ctx, id) + " " + fixText(ctx, len(fe))
		return http.StatusUnprocessableEntity, fe, alert
	}
	args := map[string]any{"Name": userName(form.User), "Attributes": form.LabelList(ctx, form.Names(edit.Changes)), "Directory": form.Directory}
	switch {
	case errors.Is(err, client.ErrProfileMastered):
		id := "person.edit.mastered"
		if form.Directory == "" {
			id = "person.edit.mastered_elsewhere"
		}
		alert.Text = trf(ctx, id, args)
		return http.StatusForbidden, nil, alert
	case errors.Is(err, client.ErrReadOnlyAttribute):
		alert.Text = trf(ctx, "person.edit.read_only", args)
		return http.StatusForbidden, nil, alert
	}
	he := Classify(err)
	_, alert.Text = he.Words(views.LocaleFrom(ctx))
	return he.Status, nil, alert
}
