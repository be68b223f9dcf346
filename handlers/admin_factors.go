package handlers

import (
	"context"
	"errors"
	"net/http"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
)

// A person's MFA factors on their page (issue 19; docs/OKTA.md "Factors"): each in words, and
// a reset of one factor (DELETE /api/v1/users/{id}/factors/{factorId}) for the helpdesk and
// admins, beside the panel's "Reset MFA factors" that resets them all. The same rules as that
// action apply: not on one's own account, the protected-account rule, a reason for the audit
// log, and a recent sign-in.

// factorKindWords names a factor's kind for the admin page: the words of the person's own
// sign-in methods page (factorName), with the app behind an authenticator code, which the
// helpdesk asks about on the phone.
func factorKindWords(ctx context.Context, f client.Factor) string {
	k := factorName(ctx, f)
	args := map[string]any{"Kind": k}
	switch {
	case f.Kind() == client.KindAuthenticatorApp && f.Provider == client.FactorProviderGoogle:
		return trf(ctx, "person.factors.kind_google", args)
	case f.Kind() == client.KindAuthenticatorApp && f.Provider == client.FactorProviderOkta:
		return trf(ctx, "person.factors.kind_okta_code", args)
	case factorKindID(f) == "":
		return trf(ctx, "person.factors.kind_other", args)
	}
	return k
}

// factorStatusWords says whether the factor is in use.
func factorStatusWords(ctx context.Context, f client.Factor) string {
	switch {
	case f.Active():
		return tr(ctx, "person.factors.active")
	case f.Pending():
		return tr(ctx, "person.factors.pending")
	}
	return trf(ctx, "person.factors.inactive", map[string]any{"Status": string(f.Status)})
}

// factorWords is a factor in words for messages and the audit trail (English there: audit
// records are stored in English, docs/I18N.md): its kind and device.
func factorWords(ctx context.Context, f client.Factor) string {
	if d := f.Device(); d != "" {
		return trf(ctx, "person.factors.on_device", map[string]any{"Kind": factorKindWords(ctx, f), "Device": d})
	}
	return factorKindWords(ctx, f)
}

// factorsView builds the person page's factors section.
func (a *Admin) factorsView(ctx context.Context, v Viewer, u client.User, factors []client.Factor, fErr error, mayAct Verdict) views.PersonFactorsView {
	fv := views.PersonFactorsView{PersonID: u.ID}
	if fErr != nil {
		fv.Err = sectionFailure(ctx, "person.factors_error", fErr)
		return fv
	}
	switch {
	case u.ID == v.UserID:
		fv.Note = tr(ctx, "person.factors.own_account")
	case !mayAct.Allowed:
		fv.Note = mayAct.Reason
	case u.Status == client.StatusDeprovisioned:
		fv.Note = tr(ctx, "person.factors.deactivated")
	default:
		fv.CanReset = true
	}
	now := a.opts.Now()
	for _, f := range factors {
		created := f.Created
		row := views.PersonFactorRow{ID: f.ID, Kind: factorKindWords(ctx, f), Device: f.Device(), Status: factorStatusWords(ctx, f)}
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
		return deny("own account", msg("person.factors.own_account_refused", nil).errorOf(http.StatusBadRequest, titleOwnAccount))
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
	return factorRequest{}, msg("person.factors.no_such_factor", map[string]any{"Name": userName(u)}).errorOf(http.StatusNotFound, "error.not_found.title")
}

// ConfirmFactorReset handles GET /admin/users/{id}/factors/{factor}/reset.
func (a *Admin) ConfirmFactorReset(w http.ResponseWriter, r *http.Request) error {
	req, err := a.readFactorRequest(r, false)
	if err != nil {
		return err
	}
	view := a.factorConfirm(r.Context(), req)
	if NeedsStepUp(req.viewer, a.opts.Now(), a.opts.StepUpAge, a.opts.StepUpACR) {
		view.ReauthURL = reauthURL(views.FactorResetURL(req.person.ID, req.factor.ID))
	}
	return Render(w, r, http.StatusOK, views.FactorResetPage(PageFor(r, trf(r.Context(), "person.factors.reset_page_title", map[string]any{"Name": view.Name}), views.NavAdmin), view))
}

func (a *Admin) factorConfirm(ctx context.Context, req factorRequest) views.FactorConfirmView {
	return views.FactorConfirmView{Nav: adminNav(req.viewer, views.AdminPeople), PersonID: req.person.ID, Name: userName(req.person),
		FactorID: req.factor.ID, Factor: factorWords(ctx, req.factor), Errors: views.FieldErrors{}}
}

// ResetFactor handles POST /admin/users/{id}/factors/{factor}/reset (reason): Okta removes the
// factor; the audit entry names it in words (never its secret or code) with the reason.
func (a *Admin) ResetFactor(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return badRequest(msgConfirmFirst)
	}
	ctx := r.Context()
	ScopeFrom(ctx).Note("admin_action", auditResetFactor)
	req, err := a.readFactorRequest(r, true)
	if err != nil {
		return err
	}
	reason := field(r, "reason")
	if problem := reasonProblem(ctx, reason); problem != "" {
		view := a.factorConfirm(ctx, req)
		view.Reason, view.Errors["reason"] = reason, problem
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, msgNothingChangedYet), Text: tr(ctx, msgFixOne)}
		return Render(w, r, http.StatusUnprocessableEntity, views.FactorResetPage(PageFor(r, trf(ctx, "person.factors.reset_page_title", map[string]any{"Name": view.Name}), views.NavAdmin), view))
	}
	v, u, f := req.viewer, req.person, req.factor
	detail := "factor " + f.ID + ": " + factorWords(views.WithLocale(ctx, i18n.English), f)
	if err := a.okta.DeleteFactor(ctx, u.ID, f.ID); err != nil {
		a.failed(ctx, v, u, auditResetFactor, reason, withCode(err, detail), err)
		if errors.Is(err, client.ErrNotFound) {
			e := msg("person.factors.gone", map[string]any{"Name": userName(u)}).errorOf(http.StatusNotFound, "error.not_found.title")
			e.Err = err
			return e
		}
		var ce *client.Error
		if errors.As(err, &ce) && ce.Code == "E0000038" {
			e := msg("person.factors.wrong_status", map[string]any{"Status": statusPhrase(u.Status)}).conflictError()
			e.Err = err
			return e
		}
		return Classify(err)
	}
	recErr := a.succeeded(ctx, v, u, auditResetFactor, reason, detail, client.Receipt{})
	a.cache.Invalidate(u.ID)
	setFlash(ctx, a.sessions, w, doneFlashOf(auditResetFactor, u.ID, recErr))
	redirect(w, r, views.PersonURL(u.ID))
	return nil
}

// reasonProblem checks a reason or ticket number as the action table's destructive actions
// do: required, at most maxReason characters, one line.
func reasonProblem(ctx context.Context, reason string) string {
	switch {
	case reason == "":
		return tr(ctx, "confirm.reason_required")
	case validText(reason, 0, maxReason) != nil:
		return tr(ctx, "confirm.reason_too_long")
	}
	return ""
}
