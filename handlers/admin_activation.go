package handlers

import (
	"net/http"

	"gatehouse/client"
	"gatehouse/views"
)

// Resending a pending activation (issue 19; docs/OKTA.md "Reactivation"): a PROVISIONED
// person — activated, but who never set a password — gets a new activation link, through POST
// /api/v1/users/{id}/lifecycle/reactivate: Okta emails it (sendEmail=true), or Gatehouse shows
// it once (sendEmail=false), the way the Activate action shows its link: straight into the
// answer, never in a URL or a redirect, never cached. Admins only, as activation is.

// resendView is the person page's offer, nil when it does not apply.
func resendView(v Viewer, u client.User, mayAct Verdict) *views.ResendActivationView {
	if u.Status != client.StatusProvisioned || !v.HasRole(RoleAdmin) || !mayAct.Allowed || u.ID == v.UserID {
		return nil
	}
	return &views.ResendActivationView{PersonID: u.ID, Email: u.Profile.Email}
}

// ResendActivation handles POST /admin/users/{id}/resend-activation (delivery=email|link).
func (a *Admin) ResendActivation(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	if !v.HasRole(RoleAdmin) {
		return Forbidden(MsgNeedsAdmin)
	}
	id, err := personID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	delivery := r.PostFormValue("delivery")
	if delivery != deliverEmail && delivery != deliverLink {
		return badRequest("confirm.bad_delivery")
	}
	ctx := r.Context()
	sc := ScopeFrom(ctx)
	sc.Note("admin_action", auditResendActivation)
	sc.Note("target", id)
	u, err := a.getPerson(ctx, id)
	if err != nil {
		return err
	}
	if vd := a.opts.Protect.MayAct(ctx, v, u); !vd.Allowed {
		a.denied(ctx, v, u, auditResendActivation, "", vd.Detail)
		return vd.AsError()
	}
	if u.Status != client.StatusProvisioned {
		a.denied(ctx, v, u, auditResendActivation, "", "not applicable: "+string(u.Status))
		return msg("person.resend.not_pending", map[string]any{"Name": userName(u), "Status": statusPhrase(u.Status)}).conflictError()
	}
	res, err := a.okta.ReactivateUser(ctx, id, delivery == deliverEmail)
	if err != nil {
		a.failed(ctx, v, u, auditResendActivation, "", "", err)
		return Classify(err)
	}
	detail := "activation email"
	if delivery == deliverLink {
		detail = "activation link shown"
	}
	recErr := a.succeeded(ctx, v, u, auditResendActivation, "", detail, res.Receipt)
	a.cache.Invalidate(id)
	if delivery == deliverEmail {
		setFlash(ctx, a.sessions, w, doneFlashOf(auditResendActivation, id, recErr))
		redirect(w, r, views.PersonURL(id))
		return nil
	}
	alert := views.Alert{Kind: "success", Title: tr(ctx, "person.resend.new_link_title"), Text: tr(ctx, "person.resend.old_link_dead") + notRecorded(ctx, recErr)}
	if recErr != nil {
		alert.Kind = "warning"
	}
	var secret *views.Secret
	if res.ActivationURL == "" {
		alert.Kind, alert.Text = "warning", tr(ctx, "person.resend.no_link")+notRecorded(ctx, recErr)
	} else {
		secret = activationSecret(ctx, u, res.ActivationURL)
	}
	// Post/redirect/get: the link rides to the person's page server-side, once (never in a
	// URL); should that store fail, the page is rendered at once instead, so it is never lost.
	res2 := oneTimeResult{Alert: &alert, Secret: secret}
	if a.leaveResult(ctx, w, doneFlashOf(auditResendActivation, id, recErr), res2) {
		redirect(w, r, views.PersonURL(id))
		return nil
	}
	pv, err := a.personView(ctx, v, id)
	if err != nil {
		pv = views.PersonView{Nav: adminNav(v, views.AdminPeople), ID: id, Name: userName(u), Login: u.Profile.Login, Panel: a.panel(ctx, v, u)}
	}
	a.showResult(ctx, w, &pv, auditResendActivation, res2)
	return Render(w, r, http.StatusOK, views.PersonPage(PageFor(r, pv.Name, views.NavAdmin), pv))
}
