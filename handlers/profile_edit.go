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
	view := views.ProfileEditView{Notice: profileNotice(ctx, takeFlash(s.sessions, w, r))}
	page := PageFor(r, tr(ctx, "profile.edit_title"), views.NavProfile)
	form, err := s.selfProfileForm(ctx, v)
	if err != nil {
		view.LoadErr = sectionFailure(ctx, "profile.load_failed", err)
		return Render(w, r, http.StatusOK, views.ProfileEditPage(page, view))
	}
	view.Fields, view.Directory = form.Fields(ctx, nil, nil), form.Directory
	return Render(w, r, http.StatusOK, views.ProfileEditPage(page, view))
}

// profileNotice is the banner a flash left after a save.
func profileNotice(ctx context.Context, flash string) *views.Alert {
	switch {
	case flash == flashProfileSaved:
		return &views.Alert{Kind: "success", Title: tr(ctx, "profile.saved_title"), Text: tr(ctx, "profile.saved_text")}
	case flash == flashProfileUnchanged:
		return &views.Alert{Kind: "info", Title: tr(ctx, "profile.unchanged_title"), Text: tr(ctx, "profile.unchanged_text")}
	case strings.HasPrefix(flash, flashProfileHeld):
		addr := map[string]any{"Address": strings.TrimPrefix(flash, flashProfileHeld)}
		return &views.Alert{Kind: "info", Title: trf(ctx, "profile.held_title", addr), Text: trf(ctx, "profile.held_text", addr)}
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
		return retitled(err, "profile.not_saved")
	}
	posted := r.PostForm
	edit := form.Parse(ctx, posted)
	render := func(status int, fe views.FieldErrors, alert *views.Alert) error {
		view := views.ProfileEditView{Fields: form.Fields(ctx, posted, fe), Directory: form.Directory, Alert: alert}
		return Render(w, r, status, views.ProfileEditPage(PageFor(r, tr(ctx, "profile.edit_title"), views.NavProfile), view))
	}
	if len(edit.Refused) > 0 {
		ScopeFrom(ctx).Note("profile_refused", strings.Join(edit.Refused, ","))
		s.recordDetail(ctx, v, "self.update-profile", audit.ResultDenied, client.Receipt{}, nil, "not editable: "+strings.Join(edit.Refused, ","))
		return render(http.StatusForbidden, nil, &views.Alert{Kind: "error", Title: tr(ctx, "profile.nothing_saved"),
			Text: trf(ctx, "profile.refused", map[string]any{"Fields": form.LabelList(ctx, edit.Refused)}), RequestID: RequestID(ctx)})
	}
	if len(edit.Errors) > 0 {
		return render(http.StatusUnprocessableEntity, edit.Errors, &views.Alert{Kind: "error", Title: tr(ctx, "profile.not_saved"), Text: fixText(ctx, len(edit.Errors))})
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
	alert := &views.Alert{Kind: "error", Title: tr(ctx, "profile.not_saved")}
	if fe, ok := form.OktaErrors(ctx, err, posted); ok {
		alert.Text = trn(ctx, "profile.okta_refused", len(fe))
		return http.StatusUnprocessableEntity, fe, alert
	}
	args := map[string]any{"Fields": form.LabelList(ctx, form.Names(edit.Changes)), "Directory": form.Directory}
	switch {
	case errors.Is(err, client.ErrProfileMastered) && form.Directory != "":
		alert.Text = trf(ctx, "profile.mastered", args)
		return http.StatusForbidden, nil, alert
	case errors.Is(err, client.ErrProfileMastered):
		alert.Text = trf(ctx, "profile.mastered_elsewhere", args)
		return http.StatusForbidden, nil, alert
	case errors.Is(err, client.ErrReadOnlyAttribute):
		alert.Text = trf(ctx, "profile.read_only_refused", args)
		return http.StatusForbidden, nil, alert
	case errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrUnauthorized):
		alert.Text = tr(ctx, "profile.not_allowed")
		return http.StatusInternalServerError, nil, alert
	}
	he := Classify(err)
	_, alert.Text = he.Words(views.LocaleFrom(ctx))
	return he.Status, nil, alert
}
