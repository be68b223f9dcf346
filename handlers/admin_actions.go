package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
)

// Delivery choices for the actions that produce a one-time link.
const (
	deliverEmail = "email"
	deliverLink  = "link"
)

// maxReason bounds the reason or ticket number (characters).
const maxReason = 200

// Sentences every admin confirmation says (catalog ids).
const (
	// msgConfirmFirst refuses an action posted without its confirmation.
	msgConfirmFirst = "confirm.confirm_first"
	// titleOwnAccount heads the refusal of an action on one's own account.
	titleOwnAccount = "confirm.own_account_title"
)

// actionInput is what a confirmation form sends. Answer is a secret: it goes to Okta and
// nowhere else.
type actionInput struct {
	Reason       string
	Delivery     string
	TempPassword bool
	Question     string
	Answer       string
}

// actionOutcome is what an action produced: a one-time secret to show once (never stored,
// never logged), fixed words for the audit detail, and the receipt of Okta's answer, which the
// audit entry names.
type actionOutcome struct {
	secret  *views.Secret
	detail  string
	note    string
	receipt client.Receipt
}

// Confirm handles GET /admin/users/{id}/confirm/{action}: it names the person and the
// consequence and asks for what the action needs. With htmx it is the dialog's content;
// without, a page. When the action does not apply now, or the viewer must sign in again
// first, it says so instead of offering the form.
func (a *Admin) Confirm(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	id, err := personID(r)
	if err != nil {
		return err
	}
	act, ok := ActionByKey(r.PathValue("action"))
	if !ok {
		return NotFound("confirm.no_such_action")
	}
	if !act.AllowedFor(v) {
		return Forbidden(MsgNeedsAdmin)
	}
	u, err := a.getPerson(r.Context(), id)
	if err != nil {
		return err
	}
	if vd := a.opts.Protect.MayAct(r.Context(), v, u); !vd.Allowed {
		return vd.AsError()
	}
	view := confirmView(r.Context(), act, u, actionInput{})
	switch {
	case act.NotOnSelf && u.ID == v.UserID:
		view.NotAllowed = selfRefusal(r.Context(), act)
	default:
		if ok, why := act.Applies(r.Context(), u); !ok {
			view.NotAllowed = why
		} else if act.StepUp && NeedsStepUp(v, a.opts.Now(), a.opts.StepUpAge, a.opts.StepUpACR) {
			view.ReauthURL = reauthURL(views.ConfirmURL(u.ID, act.Key))
		}
	}
	return a.renderConfirm(w, r, http.StatusOK, v, view)
}

func confirmView(ctx context.Context, act Action, u client.User, in actionInput) views.ConfirmView {
	view := views.ConfirmView{
		UserID: u.ID, Name: userName(u), Action: act.Key, Label: act.Label(ctx),
		Question: act.Question(ctx, u), Consequence: act.Consequence(ctx, u), Destructive: act.Destructive,
		Reason: in.Reason, Delivery: in.Delivery, TempPassword: in.TempPassword, Errors: views.FieldErrors{},
	}
	view.HasPassword = u.Credentials.HasPassword
	if act.Key == actionRecoveryQuestion {
		view.RecoveryQuestion = in.Question
		view.Suggestions = recoverySuggestions(ctx)
	}
	return view
}

// renderConfirm renders the confirmation where the request wants it: into the dialog for htmx
// (a 422 from the dialog's form is retargeted there), as a page otherwise.
func (a *Admin) renderConfirm(w http.ResponseWriter, r *http.Request, status int, v Viewer, view views.ConfirmView) error {
	if IsHTMX(r) {
		view.InDialog = true
		if htmxTarget(r) != views.DialogID {
			w.Header().Set("HX-Retarget", "#"+views.DialogID)
			w.Header().Set("HX-Reswap", "innerHTML")
		}
		return Render(w, r, status, views.ConfirmBody(view))
	}
	return Render(w, r, status, views.ConfirmPage(PageFor(r, view.Label+" · "+view.Name, views.NavAdmin), adminNav(v, views.AdminPeople), view))
}

// selfRefusal explains why an action is not offered on one's own account.
func selfRefusal(ctx context.Context, act Action) string { return selfRefusalMsg(act).text(ctx) }

func selfRefusalMsg(act Action) message {
	switch act.Key {
	case actionResetPassword, actionExpirePassword:
		return msg("confirm.self.password", nil)
	case actionClearSessions:
		return msg("confirm.self.sessions", nil)
	case actionResetFactors:
		return msg("confirm.self.factors", nil)
	case actionRecoveryQuestion:
		return msg("confirm.self.recovery_question", nil)
	case actionSuspend:
		return msg("confirm.self.suspend", nil)
	case actionDeactivate:
		return msg("confirm.self.deactivate", nil)
	}
	return msg("confirm.self.any", nil)
}

// Unlock handles POST /admin/users/{id}/unlock.
func (a *Admin) Unlock(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionUnlock)
}

// ResetPassword handles POST /admin/users/{id}/reset-password.
func (a *Admin) ResetPassword(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionResetPassword)
}

// ExpirePassword handles POST /admin/users/{id}/expire-password.
func (a *Admin) ExpirePassword(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionExpirePassword)
}

// ResetFactors handles POST /admin/users/{id}/reset-factors.
func (a *Admin) ResetFactors(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionResetFactors)
}

// ClearSessions handles POST /admin/users/{id}/clear-sessions.
func (a *Admin) ClearSessions(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionClearSessions)
}

// ForgotPassword handles POST /admin/users/{id}/forgot-password.
func (a *Admin) ForgotPassword(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionForgotPassword)
}

// Activate handles POST /admin/users/{id}/activate.
func (a *Admin) Activate(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionActivate)
}

// Deactivate handles POST /admin/users/{id}/deactivate.
func (a *Admin) Deactivate(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionDeactivate)
}

// Suspend handles POST /admin/users/{id}/suspend.
func (a *Admin) Suspend(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionSuspend)
}

// Unsuspend handles POST /admin/users/{id}/unsuspend.
func (a *Admin) Unsuspend(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionUnsuspend)
}

// SetRecoveryQuestion handles POST /admin/users/{id}/recovery-question.
func (a *Admin) SetRecoveryQuestion(w http.ResponseWriter, r *http.Request) error {
	return a.act(w, r, actionRecoveryQuestion)
}

// readActionInput reads and checks the confirmation form. Field problems come back as
// FieldErrors for a 422; a malformed choice is a 400.
func readActionInput(r *http.Request, act Action) (actionInput, views.FieldErrors, error) {
	in := actionInput{Reason: field(r, "reason"), Delivery: field(r, "delivery"), TempPassword: field(r, "temp_password") == "yes"}
	fe := views.FieldErrors{}
	switch in.Delivery {
	case "":
		in.Delivery = deliverEmail
	case deliverEmail, deliverLink:
	default:
		return in, nil, badRequest("confirm.bad_delivery")
	}
	switch {
	case act.Destructive && in.Reason == "":
		fe["reason"] = tr(r.Context(), "confirm.reason_required")
	case validText(in.Reason, 0, maxReason) == nil:
	case act.Destructive:
		fe["reason"] = tr(r.Context(), "confirm.reason_too_long")
	default:
		// Other actions have no reason field. A reason sent anyway (a ticket number from a
		// script) is recorded when it is sensible, and refused when it is not.
		return in, nil, badRequest("confirm.reason_too_long_request")
	}
	if act.Key == actionRecoveryQuestion {
		in.Question, in.Answer = field(r, "question"), secretField(r, "answer")
		for k, msg := range recoveryProblems(r.Context(), in.Question, in.Answer) {
			fe[k] = msg
		}
	}
	return in, fe, nil
}

// actionRequest is one submitted action, read and checked: who asks, what, on whom, with which
// input, and the field problems of that input (a 422 with the form again).
type actionRequest struct {
	viewer   Viewer
	act      Action
	person   client.User
	in       actionInput
	problems views.FieldErrors
}

// act runs one action of the table on the person in the path. It checks everything again on
// the server (role, own account, status, confirmation, reason), calls Okta, writes one audit
// entry, drops the person's cached data and, where the table says so, ends their Gatehouse
// sessions. htmx gets the refreshed panel (and the dialog closed); without JavaScript a one-time
// secret is rendered on a result page, anything else redirects to the person's page.
func (a *Admin) act(w http.ResponseWriter, r *http.Request, key string) error {
	req, err := a.readAction(w, r, key)
	if err != nil {
		return err
	}
	if err := a.mayTake(r.Context(), &req); err != nil {
		return err
	}
	if len(req.problems) > 0 {
		return a.confirmAgain(w, r, req, req.problems, &views.Alert{Kind: "error", Title: tr(r.Context(), msgNothingChangedYet), Text: tr(r.Context(), msgFixOne)})
	}
	out, err := a.perform(r.Context(), req.act, req.person, req.in)
	if err != nil {
		return a.actionFailed(w, r, req, err)
	}
	return a.actionDone(w, r, req, out)
}

// readAction reads and checks the request before anything is asked of Okta: a staff viewer,
// an action of the table their role allows, a well-formed person id, the confirmation and the
// form's input.
func (a *Admin) readAction(w http.ResponseWriter, r *http.Request, key string) (actionRequest, error) {
	v, err := staff(r)
	if err != nil {
		return actionRequest{}, err
	}
	act, ok := ActionByKey(key)
	if !ok {
		return actionRequest{}, fmt.Errorf("action %q is not in the action table", key)
	}
	if !act.AllowedFor(v) {
		return actionRequest{}, Forbidden(MsgNeedsAdmin)
	}
	id, err := personID(r)
	if err != nil {
		return actionRequest{}, err
	}
	if err := parseForm(w, r); err != nil {
		return actionRequest{}, err
	}
	if r.PostFormValue("confirm") != "yes" {
		return actionRequest{}, badRequest(msgConfirmFirst)
	}
	in, fe, err := readActionInput(r, act)
	if err != nil {
		return actionRequest{}, err
	}
	sc := ScopeFrom(r.Context())
	sc.Note("admin_action", act.Key)
	sc.Note("target", id)
	return actionRequest{viewer: v, act: act, person: client.User{ID: id}, in: in, problems: fe}, nil
}

// mayTake loads the person fresh from Okta and checks that the viewer may take the action on
// them now: not a protected account (for the helpdesk), not their own account for the actions
// that forbid it, and a status the action applies in. Each refusal is recorded.
func (a *Admin) mayTake(ctx context.Context, req *actionRequest) error {
	u, err := a.getPerson(ctx, req.person.ID)
	if err != nil {
		return err
	}
	req.person = u
	v, act, reason := req.viewer, req.act, req.in.Reason
	if vd := a.opts.Protect.MayAct(ctx, v, u); !vd.Allowed {
		a.denied(ctx, v, u, act.Key, reason, vd.Detail)
		return vd.AsError()
	}
	if act.NotOnSelf && u.ID == v.UserID {
		a.denied(ctx, v, u, act.Key, reason, "own account")
		return selfRefusalMsg(act).errorOf(http.StatusBadRequest, titleOwnAccount)
	}
	if ok, why := act.applies(u); !ok {
		a.denied(ctx, v, u, act.Key, reason, "not applicable: "+string(u.Status))
		return why.conflictError()
	}
	return nil
}

// confirmAgain shows the confirmation again with the input kept (never a secret answer) and
// what is wrong with it.
func (a *Admin) confirmAgain(w http.ResponseWriter, r *http.Request, req actionRequest, fe views.FieldErrors, alert *views.Alert) error {
	view := confirmView(r.Context(), req.act, req.person, req.in)
	view.Errors, view.Alert = fe, alert
	return a.renderConfirm(w, r, http.StatusUnprocessableEntity, req.viewer, view)
}

// actionFailed records Okta's refusal and explains it: on the form, when Okta refused the
// recovery question itself, or as an error page in plain words.
func (a *Admin) actionFailed(w http.ResponseWriter, r *http.Request, req actionRequest, err error) error {
	ctx := r.Context()
	a.failed(ctx, req.viewer, req.person, req.act.Key, req.in.Reason, "", err)
	if req.act.Key == actionRecoveryQuestion {
		if fe := recoveryFieldErrors(ctx, err); len(fe) > 0 {
			return a.confirmAgain(w, r, req, fe, &views.Alert{Kind: "error", Title: tr(ctx, "confirm.recovery_refused"), Text: tr(ctx, msgFixOne), RequestID: RequestID(ctx)})
		}
	}
	return a.actionFailure(ctx, req.act, req.person, err)
}

// actionDone finishes a successful action (the audit entry, the cache, the sessions) and
// answers with the person as Okta has them now. htmx gets the refreshed panel and, out of
// band, the other parts of the page the action changed (key dates, recent admin actions);
// without JavaScript the browser is redirected to the person's page, where the message and any
// one-time secret show once (post/redirect/get: a reload repeats nothing).
func (a *Admin) actionDone(w http.ResponseWriter, r *http.Request, req actionRequest, out actionOutcome) error {
	ctx := r.Context()
	v, act, u := req.viewer, req.act, req.person
	alert := &views.Alert{Kind: "success", Title: tr(ctx, "admin.done")}
	recErr := a.succeeded(ctx, v, u, act.Key, req.in.Reason, out.detail, out.receipt)
	fresh, err := a.okta.GetUser(ctx, u.ID)
	if err != nil {
		fresh = u
		out.note += " " + tr(ctx, "confirm.reload_note")
	} else if act.Key == actionActivate && activeNow(fresh) {
		// Okta made the person active at once (they kept their password): no activation link
		// is needed, whatever was asked for.
		out.secret, out.detail = nil, "active at once with existing password"
		out.note = trf(ctx, "confirm.active_no_link", map[string]any{"Name": firstName(fresh)})
	}
	if warn := a.afterSuccess(ctx, act, u); warn != "" {
		ScopeFrom(ctx).Note("end_sessions", "incomplete")
		alert.Kind, alert.Title = "warning", tr(ctx, "admin.done_partly")
		out.note += warn
	}
	if recErr != nil {
		alert.Kind, alert.Title = "warning", tr(ctx, "admin.done_unrecorded")
		out.note += notRecorded(ctx, recErr)
	}
	alert.Text = strings.TrimSpace(act.Done(ctx, fresh) + " " + out.note)
	if IsHTMX(r) {
		panel := a.panel(ctx, v, fresh)
		panel.Alert, panel.Secret = alert, out.secret
		if out.secret != nil {
			w.Header().Set("Cache-Control", "no-store")
		}
		return Render(w, r, http.StatusOK, views.ActionDone(panel, a.personRefresh(ctx, fresh)))
	}
	res := oneTimeResult{Alert: alert, Secret: out.secret}
	if !a.leaveResult(ctx, w, doneFlashOf(act.Key, u.ID, recErr), res) && out.secret != nil {
		// The store failed: the secret lives in this response only, never lost, never cached.
		pv, err := a.personView(ctx, v, u.ID)
		if err != nil {
			pv = views.PersonView{Nav: adminNav(v, views.AdminPeople), ID: u.ID, Name: userName(fresh), Login: fresh.Profile.Login, Panel: a.panel(ctx, v, fresh)}
		}
		a.showResult(ctx, w, &pv, act.Key, res)
		return Render(w, r, http.StatusOK, views.PersonPage(PageFor(r, pv.Name, views.NavAdmin), pv))
	}
	redirect(w, r, views.PersonURL(u.ID))
	return nil
}

// personRefresh is what an action changes on the person's page besides the panel: the key
// dates (status changed, password changed…) and the recent admin actions, which now include
// this one. An audit store that cannot be read says so in place.
func (a *Admin) personRefresh(ctx context.Context, u client.User) views.PersonRefresh {
	loc := views.LocaleFrom(ctx)
	ref := views.PersonRefresh{ID: u.ID, Name: userName(u), Dates: keyDates(u, a.opts.Now(), loc), Credentials: credentialFacts(loc, u)}
	entries, err := a.audit.Recent(ctx, audit.Filter{Target: u.ID, Limit: personAuditLimit})
	if err != nil {
		ref.AuditErr = auditReadError(ctx)
	} else {
		ref.Audit = auditRows(ctx, entries)
	}
	return ref
}

// afterSuccess does what follows every successful action, single or bulk, once its audit
// record is written (succeeded, naming the action's own Okta request): dropping the person's
// cached data, and, where the action table says so, ending their sessions — Okta's, for the
// actions whose Okta call leaves them alive, and Gatehouse's on every instance. It returns a
// warning sentence when part of that failed, in the request's language.
func (a *Admin) afterSuccess(ctx context.Context, act Action, u client.User) string {
	a.cache.Invalidate(u.ID)
	if !act.EndsSessions {
		return ""
	}
	var warn string
	if act.Key == actionResetPassword || act.Key == actionResetFactors {
		// Okta's reset_password and reset_factors keep the person's Okta sessions and tokens;
		// after a suspected compromise they must end too.
		if _, err := a.okta.ClearSessions(ctx, u.ID, true); err != nil {
			warn += " " + trf(ctx, "confirm.okta_sessions_not_ended", map[string]any{"Action": tr(ctx, "action.clear_sessions.label")})
		}
	}
	if _, err := a.sessions.EndSessions(ctx, u.ID, false); err != nil {
		warn += " " + trf(ctx, "confirm.gatehouse_sessions_not_ended", map[string]any{"Action": tr(ctx, "action.clear_sessions.label")})
	}
	return warn
}

// perform makes the Okta call of one action and returns what it produced, with Okta's receipt.
func (a *Admin) perform(ctx context.Context, act Action, u client.User, in actionInput) (actionOutcome, error) {
	var (
		out actionOutcome
		err error
	)
	switch act.Key {
	case actionActivate:
		return a.activate(ctx, u, in)
	case actionResetPassword:
		return a.resetPassword(ctx, u, in)
	case actionExpirePassword:
		return a.expirePassword(ctx, u, in)
	case actionDeactivate:
		out.receipt, err = a.okta.Deactivate(ctx, u.ID)
	case actionSuspend:
		out.receipt, err = a.okta.Suspend(ctx, u.ID)
	case actionUnsuspend:
		out.receipt, err = a.okta.Unsuspend(ctx, u.ID)
	case actionUnlock:
		out.receipt, err = a.okta.Unlock(ctx, u.ID)
	case actionResetFactors:
		out.receipt, err = a.okta.ResetFactors(ctx, u.ID)
	case actionClearSessions:
		out.receipt, err = a.okta.ClearSessions(ctx, u.ID, true)
	case actionForgotPassword:
		var res client.ForgotPasswordResult
		res, err = a.okta.ForgotPassword(ctx, u.ID, true)
		out.receipt = res.Receipt
	case actionRecoveryQuestion:
		var res client.User
		res, err = a.okta.SetRecoveryQuestion(ctx, u.ID, in.Question, strings.TrimSpace(in.Answer))
		out.receipt = res.Receipt
	default:
		return out, fmt.Errorf("action %q has no Okta call", act.Key)
	}
	return out, err
}

// activate activates a staged or deactivated person: Okta emails the link, or the link is
// shown once; a person with a password is active at once.
func (a *Admin) activate(ctx context.Context, u client.User, in actionInput) (actionOutcome, error) {
	res, err := a.okta.Activate(ctx, u.ID, in.Delivery != deliverLink)
	if err != nil {
		return actionOutcome{}, err
	}
	out := actionOutcome{receipt: res.Receipt, detail: "activation email", note: emailNote(ctx, u, "confirm.emailed_activation", "confirm.emailed_activation_to")}
	if in.Delivery == deliverLink {
		out.detail, out.note = "activation link shown", ""
		if res.ActivationURL == "" {
			out.note = trf(ctx, "confirm.no_activation_link", map[string]any{"Action": tr(ctx, "action.reset_password.label")})
		} else {
			out.secret = activationSecret(ctx, u, res.ActivationURL)
		}
	}
	return out, nil
}

// resetPassword sends the person a reset link, by Okta's email or shown once.
func (a *Admin) resetPassword(ctx context.Context, u client.User, in actionInput) (actionOutcome, error) {
	res, err := a.okta.ResetPassword(ctx, u.ID, in.Delivery != deliverLink)
	if err != nil {
		return actionOutcome{}, err
	}
	out := actionOutcome{receipt: res.Receipt, detail: "reset email", note: emailNote(ctx, u, "confirm.emailed_reset", "confirm.emailed_reset_to")}
	if in.Delivery == deliverLink {
		out.detail, out.note = "reset link shown", ""
		if res.ResetPasswordURL == "" {
			out.note = tr(ctx, "confirm.no_reset_link")
		} else {
			out.secret = &views.Secret{Label: trf(ctx, "confirm.secret.reset_label", map[string]any{"Name": userName(u)}), Value: res.ResetPasswordURL,
				Hint: trf(ctx, "confirm.secret.reset_hint", map[string]any{"Name": firstName(u)})}
		}
	}
	return out, nil
}

// expirePassword expires the password, optionally replacing it with a temporary one shown once.
func (a *Admin) expirePassword(ctx context.Context, u client.User, in actionInput) (actionOutcome, error) {
	if !in.TempPassword {
		res, err := a.okta.ExpirePassword(ctx, u.ID)
		return actionOutcome{receipt: res.Receipt}, err
	}
	res, err := a.okta.ExpirePasswordWithTempPassword(ctx, u.ID)
	if err != nil {
		return actionOutcome{}, err
	}
	return actionOutcome{receipt: res.Receipt, detail: "temporary password shown",
		secret: &views.Secret{Label: trf(ctx, "confirm.secret.temp_label", map[string]any{"Name": userName(u)}), Value: res.TempPassword,
			Hint: trf(ctx, "confirm.secret.temp_hint", map[string]any{"Name": firstName(u)})}}, nil
}

// emailNote says where Okta emailed a link: them (id) or, when the profile has it, their
// address (toID).
func emailNote(ctx context.Context, u client.User, id, toID string) string {
	if u.Profile.Email == "" {
		return tr(ctx, id)
	}
	return trf(ctx, toID, map[string]any{"Email": u.Profile.Email})
}

// actionFailure explains a refused or failed Okta call in plain words, never Okta's own text.
func (a *Admin) actionFailure(ctx context.Context, act Action, u client.User, err error) error {
	switch {
	case errors.Is(err, client.ErrTransitioning):
		// 409 E0000112: an asynchronous activation or deactivation is still running.
		m := msg("confirm.still_changing", map[string]any{"Name": userName(u)})
		if fresh, ferr := a.okta.GetUser(ctx, u.ID); ferr == nil && fresh.Transitioning() {
			m = msg("confirm.nothing_changed", map[string]any{"Reason": transitioning(fresh)})
		}
		e := m.errorOf(http.StatusConflict, "confirm.still_changing_title")
		e.Err = err
		return e
	case errors.Is(err, client.ErrInvalidStatus):
		// Okta's view of the status differs from the one we checked (someone acted meanwhile):
		// explain it from a fresh read.
		m := msg("confirm.status_refused", nil)
		if fresh, ferr := a.okta.GetUser(ctx, u.ID); ferr == nil {
			if ok, why := act.applies(fresh); !ok {
				m = msg("confirm.okta_says", map[string]any{"Reason": why})
			}
		}
		e := m.conflictError()
		e.Err = err
		return e
	case errors.Is(err, client.ErrNotFound):
		e := NotFound("confirm.gone")
		e.Err = err
		return e
	case errors.Is(err, client.ErrMissingScope):
		return Classify(err) // names the scope
	case errors.Is(err, client.ErrForbidden), errors.Is(err, client.ErrUnauthorized):
		e := msg("confirm.okta_refused", nil).errorOf(http.StatusBadGateway, "confirm.okta_refused_title")
		e.Err = err
		return e
	case errors.Is(err, client.ErrInvalid):
		e := msg("confirm.okta_refused_request", nil).errorOf(http.StatusBadGateway, "confirm.okta_refused_request_title")
		e.Err = err
		return e
	}
	return fmt.Errorf("%s user %s: %w", act.Key, u.ID, err)
}
