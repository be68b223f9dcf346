package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
)

// Flashes of the profile editor (fixed words; the held address is the one the person typed,
// kept server-side, never taken from a URL).
const (
	flashProfileSaved     = "profile-saved"
	flashProfileUnchanged = "profile-unchanged"
	flashProfileHeld      = "profile-held:" // + the new address Okta is waiting to verify
)

// msgAdminOnly explains a read-only attribute on the person's own form.
const msgAdminOnly = "Only your administrator can change this."

// selfProfileForm loads what the person's own editor needs: the schema (the service
// credential: no self scope reads it) and their profile, fresh from Okta (GetUser on their id,
// or on "me" with their token in delegated mode; never ID-token claims, never the cache, so
// the form starts from what Okta holds now).
func (s *SelfService) selfProfileForm(ctx context.Context, v Viewer) (ProfileForm, error) {
	var (
		wg        sync.WaitGroup
		schema    client.UserSchema
		u         client.User
		sErr, uEr error
	)
	wg.Go(func() { schema, sErr = s.okta.GetUserSchema(ctx) })
	wg.Go(func() {
		c, id, err := s.target(ctx, v)
		if err != nil {
			uEr = err
			return
		}
		u, uEr = c.GetUser(ctx, id)
	})
	wg.Wait()
	if sErr != nil {
		return ProfileForm{}, fmt.Errorf("get user schema: %w", sErr)
	}
	if uEr != nil {
		return ProfileForm{}, fmt.Errorf("get user: %w", uEr)
	}
	if u.ID != v.UserID {
		return ProfileForm{}, fmt.Errorf("okta returned %s for the profile of %s", u.ID, v.UserID)
	}
	return ProfileForm{
		Schema: schema, User: u,
		Visible: client.SchemaAttribute.SelfVisible, Editable: client.SchemaAttribute.SelfEditable,
		Directory: directoryOf(u), // the page says once who changes the read-only details
	}, nil
}

// EditProfileForm handles GET /profile/edit: the attributes the user schema lets the person
// see, editable where it lets them write (SELF READ_WRITE), in the schema's order and titles.
func (s *SelfService) EditProfileForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	view := views.ProfileEditView{Notice: profileNotice(takeFlash(s.sessions, w, r))}
	form, err := s.selfProfileForm(ctx, v)
	if err != nil {
		view.LoadErr = sectionError(ctx, "Your", "details", err)
		return Render(w, r, http.StatusOK, views.ProfileEditPage(PageFor(r, "Edit your details", views.NavProfile), view))
	}
	view.Fields, view.Directory = form.Fields(nil, nil), form.Directory
	return Render(w, r, http.StatusOK, views.ProfileEditPage(PageFor(r, "Edit your details", views.NavProfile), view))
}

// profileNotice is the banner a flash left after a save.
func profileNotice(flash string) *views.Alert {
	switch {
	case flash == flashProfileSaved:
		return &views.Alert{Kind: "success", Title: "Your details have been saved", Text: "Okta has your changes; apps that read your profile from Okta see them from now on."}
	case flash == flashProfileUnchanged:
		return &views.Alert{Kind: "info", Title: "Nothing to save", Text: "You did not change anything."}
	case strings.HasPrefix(flash, flashProfileHeld):
		addr := strings.TrimPrefix(flash, flashProfileHeld)
		return &views.Alert{Kind: "info", Title: "Check your inbox at " + addr,
			Text: "Your other changes are saved. Okta has sent a link to " + addr + ": your email address changes when you open it. Until then Okta keeps your current address."}
	}
	return nil
}

// SaveProfile handles POST /profile/edit: the posted values are checked against the schema
// (the input is kept on a refusal), and only the attributes that changed are sent, with a
// partial update. Gatehouse itself refuses any attribute the schema does not let the person
// write, in both modes: with the service credential Okta would accept it (an admin may write
// read-only attributes), and with the person's own token Okta refuses it too (E0000077).
func (s *SelfService) SaveProfile(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	form, err := s.selfProfileForm(ctx, v)
	if err != nil {
		he := Classify(err)
		he.Title = "Your details were not saved"
		return he
	}
	posted := r.PostForm
	edit := form.Parse(posted)
	render := func(status int, fe views.FieldErrors, alert *views.Alert) error {
		view := views.ProfileEditView{Fields: form.Fields(posted, fe), Directory: form.Directory, Alert: alert}
		return Render(w, r, status, views.ProfileEditPage(PageFor(r, "Edit your details", views.NavProfile), view))
	}
	if len(edit.Refused) > 0 {
		ScopeFrom(ctx).Note("profile_refused", strings.Join(edit.Refused, ","))
		s.recordDetail(ctx, v, "self.update-profile", audit.ResultDenied, client.Receipt{}, nil, "not editable: "+strings.Join(edit.Refused, ","))
		return render(http.StatusForbidden, nil, &views.Alert{Kind: "error", Title: "Nothing was saved",
			Text: "You cannot change " + form.Labels(edit.Refused) + " here. " + msgAdminOnly, RequestID: RequestID(ctx)})
	}
	if len(edit.Errors) > 0 {
		return render(http.StatusUnprocessableEntity, edit.Errors, &views.Alert{Kind: "error", Title: "Your details were not saved", Text: fixText(ctx, len(edit.Errors))})
	}
	if len(edit.Changes) == 0 {
		setFlash(ctx, s.sessions, w, flashProfileUnchanged)
		redirect(w, r, "/profile/edit")
		return nil
	}
	// An email address is where Okta sends password resets: changing one is a credential
	// change and asks for a recent sign-in, like a password change (SECURITY.md 31). Other
	// attributes do not.
	if touchesEmail(form, edit) && NeedsStepUp(v, s.opts.Now(), s.opts.StepUpAge, s.opts.StepUpACR) {
		return Reauthenticate("/profile/edit")
	}
	c, id, err := s.target(ctx, v)
	var saved client.User
	if err == nil {
		saved, err = c.UpdateUserProfile(ctx, id, edit.Changes)
	}
	if err != nil {
		status, fe, alert := profileFailure(ctx, form, edit, err, posted)
		alert.RequestID = RequestID(ctx)
		s.recordDetail(ctx, v, "self.update-profile", audit.ResultFailure, client.Receipt{}, err, strings.Join(form.Names(edit.Changes), ","))
		return render(status, fe, alert)
	}
	s.cache.Invalidate(v.UserID)
	ScopeFrom(ctx).Note("event", "profile_updated")
	s.recordDetail(ctx, v, "self.update-profile", audit.ResultSuccess, saved.Receipt, nil, form.AuditDetail(edit))
	flash := flashProfileSaved
	if addr := heldEmail(form, edit, saved); addr != "" {
		flash = flashProfileHeld + addr
	}
	setFlash(ctx, s.sessions, w, flash)
	redirect(w, r, "/profile/edit")
	return nil
}

// touchesEmail reports whether edit changes an email address.
func touchesEmail(form ProfileForm, edit ProfileEdit) bool {
	for name := range edit.Changes {
		if a, ok := form.Schema.Attribute(name); ok && a.Format == "email" {
			return true
		}
	}
	return false
}

// heldEmail returns the new address of an email change Okta is holding until the person
// verifies it: it answered 200 with the old address (docs/OKTA.md, [SPEC-UPDATE]).
func heldEmail(form ProfileForm, edit ProfileEdit, saved client.User) string {
	now := ProfileValues(saved.Profile)
	for _, name := range form.Names(edit.Changes) {
		a, _ := form.Schema.Attribute(name)
		if a.Format == "email" && edit.After[name] != "" && valueText(now[name]) != edit.After[name] {
			return edit.After[name]
		}
	}
	return ""
}

// profileFailure explains Okta's refusal of a profile update on the form.
func profileFailure(ctx context.Context, form ProfileForm, edit ProfileEdit, err error, posted url.Values) (int, views.FieldErrors, *views.Alert) {
	alert := &views.Alert{Kind: "error", Title: "Your details were not saved"}
	if fe, ok := form.OktaErrors(err, posted); ok {
		alert.Text = "Okta did not accept " + pluralWord(len(fe), "one of the values", "some of the values") + ". " + fixText(ctx, len(fe))
		return http.StatusUnprocessableEntity, fe, alert
	}
	labels := form.Labels(form.Names(edit.Changes))
	switch {
	case errors.Is(err, client.ErrProfileMastered):
		dir := form.Directory
		if dir == "" {
			dir = "another system"
		}
		alert.Text = "Your profile is managed in " + dir + ", so Okta cannot change " + labels + " for you. Change it there, or ask your IT helpdesk."
		return http.StatusForbidden, nil, alert
	case errors.Is(err, client.ErrReadOnlyAttribute):
		alert.Text = "Okta says you may not change " + labels + " yourself. " + msgAdminOnly
		return http.StatusForbidden, nil, alert
	case errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrUnauthorized):
		alert.Text = "Gatehouse is not allowed to change profiles in this organisation. Please contact your helpdesk."
		return http.StatusInternalServerError, nil, alert
	}
	he := Classify(err)
	alert.Text = he.Msg
	return he.Status, nil, alert
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
