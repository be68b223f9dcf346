package handlers

import (
	"context"
	"errors"
	"net/http"

	"gatehouse/client"
	"gatehouse/views"
)

// A person's MFA factors on their page (issue 19; docs/OKTA.md "Factors"): each in words, and
// a reset of one factor (DELETE /api/v1/users/{id}/factors/{factorId}) for the helpdesk and
// admins, beside the panel's "Reset MFA factors" that resets them all. The same rules as that
// action apply: not on one's own account, the protected-account rule, a reason for the audit
// log, and a recent sign-in.

// factorKindWords names a factor's kind for the admin page: the words of the person's own
// sign-in methods page (factorKind), with the app behind an authenticator code, which the
// helpdesk asks about on the phone.
func factorKindWords(f client.Factor) string {
	k := factorKind(f)
	switch {
	case f.Kind() == client.KindAuthenticatorApp && f.Provider == client.FactorProviderGoogle:
		return k + " (Google Authenticator)"
	case f.Kind() == client.KindAuthenticatorApp && f.Provider == client.FactorProviderOkta:
		return k + " (Okta Verify code)"
	case k == string(f.Type):
		return "Other method (" + k + ")"
	}
	return k
}

// factorStatusWords says whether the factor is in use.
func factorStatusWords(f client.Factor) string {
	switch {
	case f.Active():
		return "In use"
	case f.Pending():
		return "Set-up not finished"
	}
	return "Not in use (" + string(f.Status) + ")"
}

// factorWords is a factor in words for messages and the audit trail: its kind and device.
func factorWords(f client.Factor) string {
	if d := f.Device(); d != "" {
		return factorKindWords(f) + " on " + d
	}
	return factorKindWords(f)
}

// factorsView builds the person page's factors section.
func (a *Admin) factorsView(ctx context.Context, v Viewer, u client.User, factors []client.Factor, fErr error, mayAct Verdict) views.PersonFactorsView {
	fv := views.PersonFactorsView{PersonID: u.ID}
	if fErr != nil {
		fv.Err = sectionError(ctx, "Their", "sign-in methods", fErr)
		return fv
	}
	switch {
	case u.ID == v.UserID:
		fv.Note = "This is your own account: manage your own sign-in methods from your profile."
	case !mayAct.Allowed:
		fv.Note = mayAct.Reason
	case u.Status == client.StatusDeprovisioned:
		fv.Note = "Okta keeps a deactivated person's sign-in methods as they are."
	default:
		fv.CanReset = true
	}
	now := a.opts.Now()
	for _, f := range factors {
		created := f.Created
		row := views.PersonFactorRow{ID: f.ID, Kind: factorKindWords(f), Device: f.Device(), Status: factorStatusWords(f)}
		if !created.IsZero() {
			row.Enrolled = formatTime(views.LocaleFrom(ctx), &created, now)
		}
		if fv.CanReset {
			row.ResetURL = views.FactorResetURL(u.ID, f.ID)
		}
		fv.Factors = append(fv.Factors, row)
	}
	return fv
}

// factorRequest is a checked reset of one factor.
type factorRequest struct {
	viewer Viewer
	person client.User
	factor client.Factor
}

// readFactorRequest checks the viewer (staff), the person (fresh from Okta), the
// protected-account and own-account rules, and finds the factor among the person's.
func (a *Admin) readFactorRequest(r *http.Request, record bool) (factorRequest, error) {
	v, err := staff(r)
	if err != nil {
		return factorRequest{}, err
	}
	id, err := personID(r)
	if err != nil {
		return factorRequest{}, err
	}
	ctx := r.Context()
	ScopeFrom(ctx).Note("target", id)
	u, err := a.getPerson(ctx, id)
	if err != nil {
		return factorRequest{}, err
	}
	deny := func(detail string, e error) (factorRequest, error) {
		if record {
			a.denied(ctx, v, u, auditResetFactor, "", detail)
		}
		return factorRequest{}, e
	}
	if vd := a.opts.Protect.MayAct(ctx, v, u); !vd.Allowed {
		return deny(vd.Detail, vd.AsError())
	}
	if u.ID == v.UserID {
		return deny("own account", &Error{Status: http.StatusBadRequest, Title: "Not on your own account", Msg: "Manage your own sign-in methods from your profile, not here."})
	}
	fid := r.PathValue("factor")
	factors, err := a.okta.ListFactors(ctx, id)
	if err != nil {
		return factorRequest{}, Classify(err)
	}
	for _, f := range factors {
		if f.ID == fid {
			return factorRequest{viewer: v, person: u, factor: f}, nil
		}
	}
	return factorRequest{}, NotFound(userName(u) + " has no such sign-in method (any more). Reload their page to see their methods.")
}

// ConfirmFactorReset handles GET /admin/users/{id}/factors/{factor}/reset.
func (a *Admin) ConfirmFactorReset(w http.ResponseWriter, r *http.Request) error {
	req, err := a.readFactorRequest(r, false)
	if err != nil {
		return err
	}
	view := a.factorConfirm(req)
	if NeedsStepUp(req.viewer, a.opts.Now(), a.opts.StepUpAge, a.opts.StepUpACR) {
		view.ReauthURL = reauthURL(views.FactorResetURL(req.person.ID, req.factor.ID))
	}
	return Render(w, r, http.StatusOK, views.FactorResetPage(PageFor(r, "Reset a sign-in method of "+view.Name, views.NavAdmin), view))
}

func (a *Admin) factorConfirm(req factorRequest) views.FactorConfirmView {
	return views.FactorConfirmView{Nav: adminNav(req.viewer, views.AdminPeople), PersonID: req.person.ID, Name: userName(req.person),
		FactorID: req.factor.ID, Factor: factorWords(req.factor), Errors: views.FieldErrors{}}
}

// ResetFactor handles POST /admin/users/{id}/factors/{factor}/reset (reason): Okta removes the
// factor; the audit entry names it in words (never its secret or code) with the reason.
func (a *Admin) ResetFactor(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return badRequest("Please confirm first: use the button on the confirmation page, which says what will happen.")
	}
	ctx := r.Context()
	ScopeFrom(ctx).Note("admin_action", auditResetFactor)
	req, err := a.readFactorRequest(r, true)
	if err != nil {
		return err
	}
	reason := field(r, "reason")
	if problem := reasonProblem(reason); problem != "" {
		view := a.factorConfirm(req)
		view.Reason, view.Errors["reason"] = reason, problem
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, msgNothingChangedYet), Text: tr(ctx, msgFixOne)}
		return Render(w, r, http.StatusUnprocessableEntity, views.FactorResetPage(PageFor(r, "Reset a sign-in method of "+view.Name, views.NavAdmin), view))
	}
	v, u, f := req.viewer, req.person, req.factor
	detail := "factor " + f.ID + ": " + factorWords(f)
	if err := a.okta.DeleteFactor(ctx, u.ID, f.ID); err != nil {
		a.failed(ctx, v, u, auditResetFactor, reason, withCode(err, detail), err)
		if errors.Is(err, client.ErrNotFound) {
			return NotFound(userName(u) + " no longer has this sign-in method: someone removed it meanwhile.")
		}
		he := Classify(err)
		var ce *client.Error
		if errors.As(err, &ce) && ce.Code == "E0000038" {
			he = conflict("Okta does not reset sign-in methods of a person in this status (" + views.StatusLabel(string(u.Status)) + ").")
		}
		return he
	}
	recErr := a.succeeded(ctx, v, u, auditResetFactor, reason, detail, client.Receipt{})
	a.cache.Invalidate(u.ID)
	setFlash(ctx, a.sessions, w, doneFlashOf(auditResetFactor, u.ID, recErr))
	redirect(w, r, views.PersonURL(u.ID))
	return nil
}

// reasonProblem checks a reason or ticket number as the action table's destructive actions
// do: required, at most maxReason characters, one line.
func reasonProblem(reason string) string {
	switch {
	case reason == "":
		return "Enter a reason or a ticket number. It goes into the audit log."
	case validText(reason, 0, maxReason) != nil:
		return "Use at most 200 characters, without line breaks."
	}
	return ""
}
