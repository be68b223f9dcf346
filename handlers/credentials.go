package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
)

// recoverySuggestions are offered as examples, in the person's language (the question is
// theirs to answer); people may write their own.
func recoverySuggestions(ctx context.Context) []string {
	return []string{
		tr(ctx, "recovery.suggest_pet"),
		tr(ctx, "recovery.suggest_street"),
		tr(ctx, "recovery.suggest_concert"),
		tr(ctx, "recovery.suggest_car"),
		tr(ctx, "recovery.suggest_parents"),
		tr(ctx, "recovery.suggest_cousin"),
	}
}

// passwordPolicy returns the rules Okta applies to the signed-in person, and who they are for
// the username and name rules, kept per person for PolicyTTL (the checklist asks on every
// keystroke). On an Identity Engine org Okta's MyAccount API answers with the person's own
// token; elsewhere the org's password policies are evaluated for them (PasswordRules). When
// Okta cannot say, the policy is unknown and Okta judges the new password.
func (s *SelfService) passwordPolicy(ctx context.Context, v Viewer) (PasswordPolicy, Person) {
	first, last, _ := strings.Cut(v.Name, " ")
	who := Person{Login: v.Login, FirstName: first, LastName: last}
	if s.opts.Rules == nil {
		return PasswordPolicy{}, who
	}
	return s.opts.Rules.Person(ctx, v.UserID, func(ctx context.Context) (PasswordPolicy, Person) {
		u, err := s.me(ctx, v)
		if err == nil {
			who = Person{Login: u.Profile.Login, FirstName: u.Profile.FirstName, LastName: u.Profile.LastName}
		}
		if c, cerr := s.asPerson(ctx); cerr == nil {
			if p, ok := s.opts.Rules.ForMe(ctx, c); ok {
				return p, who
			}
		}
		if err != nil {
			return PasswordPolicy{}, who // without the person's record Okta's evaluation cannot be repeated
		}
		groups, err := s.groups(ctx, v)
		if err != nil {
			return PasswordPolicy{}, who
		}
		return s.opts.Rules.ForUser(ctx, u, groups), who
	})
}

// PasswordForm handles GET /password: the rules are on the page before anything is typed.
func (s *SelfService) PasswordForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	policy, _ := s.passwordPolicy(ctx, v)
	view := views.PasswordView{FormID: newFormID(), Rules: policy.Rules(ctx), Login: v.Login,
		StepUp: NeedsStepUp(v, s.opts.Now(), s.opts.StepUpAge, s.opts.StepUpACR), ReauthURL: reauthURL("/password")}
	return Render(w, r, http.StatusOK, views.PasswordPage(PageFor(r, tr(ctx, "password.title"), views.NavPassword), view))
}

// PasswordStepUp answers POST /password when the person's sign-in is too old for a password
// change (the route's step-up, SECURITY.md 31): instead of leaving for the sign-in page without
// a word, the form says that nothing was changed and why, and offers to sign in again and come
// back to it. Nothing typed is kept — passwords never are.
func (s *SelfService) PasswordStepUp(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireViewer(r); err != nil {
		return err
	}
	ScopeFrom(r.Context()).Note("step_up", "needed")
	view := views.PasswordView{StepUp: true, StepUpAfterSubmit: true, ReauthURL: reauthURL("/password")}
	return s.renderPassword(w, r, http.StatusUnauthorized, view)
}

// CheckPassword handles POST /password/check: the live checklist, re-rendered as the person
// types (a POST so the password never lands in a URL or an access log).
func (s *SelfService) CheckPassword(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	pw, confirm := secretField(r, "new_password"), secretField(r, "confirm_password")
	policy, who := s.passwordPolicy(r.Context(), v)
	rules := policy.Check(r.Context(), pw, confirm, who)
	return Render(w, r, http.StatusOK, views.PasswordRules(rules, pw != ""))
}

// ChangePassword handles POST /password. Everything Gatehouse can check is checked before Okta
// is called; Okta's refusals come back as plain words on the right field. On success the
// session gets a new id and the person is offered to sign out their other sessions.
func (s *SelfService) ChangePassword(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	res := guarded(s.once, w, r, v, s.changePassword)
	if res.err != nil {
		return res.err
	}
	return s.renderPassword(w, r, res.status, res.view)
}

// guarded runs a credential change at most once per rendered form (see onceGuard). The change
// runs on a context that outlives this request, so a double click that aborts the first POST
// cannot abort a change Okta may already be making; the new session cookie it sets is replayed
// to every response that shares the result.
func guarded[V any](g *onceGuard, w http.ResponseWriter, r *http.Request, v Viewer,
	change func(http.ResponseWriter, *http.Request, Viewer) formResult[V]) formResult[V] {
	res := g.do(onceKey(v, r), v.Session, func() (any, bool, string) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
		defer cancel()
		res := change(w, r.WithContext(ctx), v)
		res.cookies = w.Header().Values("Set-Cookie")
		// A successful change rotates the session: the browser's reload comes from the new one.
		return res, res.err == nil && res.status == http.StatusOK, res.rotated
	}).(formResult[V])
	if len(w.Header().Values("Set-Cookie")) == 0 {
		for _, c := range res.cookies {
			w.Header().Add("Set-Cookie", c)
		}
	}
	return res
}

// formResult is what a guarded form submission answers: kept so a repeat gets the same page.
type formResult[V any] struct {
	status  int
	view    V
	err     error    // for the error adaptor (rate limited)
	cookies []string // Set-Cookie lines of the first response (a rotated session id)
	rotated string   // the Viewer.Session the change rotated the session into, if it did
}

func onceKey(v Viewer, r *http.Request) string {
	id := r.PostFormValue("form_id")
	if id == "" || len(id) > 64 {
		return ""
	}
	return v.UserID + ":" + id
}

// changePassword does the work of ChangePassword once per form id.
func (s *SelfService) changePassword(w http.ResponseWriter, r *http.Request, v Viewer) formResult[views.PasswordView] {
	ctx := r.Context()
	current, pw, confirm := secretField(r, "current_password"), secretField(r, "new_password"), secretField(r, "confirm_password")
	policy, who := s.passwordPolicy(ctx, v)
	view := views.PasswordView{FormID: newFormID(), Rules: policy.Rules(ctx), Login: v.Login, Errors: views.FieldErrors{}}
	if current == "" {
		view.Errors["current_password"] = tr(ctx, "password.enter_current")
	}
	if pw == "" {
		view.Errors["new_password"] = tr(ctx, "password.enter_new")
	} else if msg := policy.Problem(ctx, pw, who); msg != "" {
		view.Errors["new_password"] = msg
	} else if pw == current {
		view.Errors["new_password"] = tr(ctx, "password.same_as_current")
	}
	if confirm == "" && pw != "" {
		view.Errors["confirm_password"] = tr(ctx, "password.enter_confirm")
	} else if confirm != pw && pw != "" {
		view.Errors["confirm_password"] = tr(ctx, "password.mismatch")
	}
	// With htmx, new passwords that pass every check stay in the browser's fields across the
	// answer (hx-preserve): never sent back, and not lost to a mistake in another field. The
	// checklist then describes them; otherwise the fields come back empty, and so is the
	// checklist, never ticked for fields that are empty.
	view.KeepNew = IsHTMX(r) && pw != "" && view.Errors["new_password"] == "" && view.Errors["confirm_password"] == ""
	if view.KeepNew {
		view.Rules, view.Checked = policy.Check(ctx, pw, confirm, who), true
	}
	if len(view.Errors) > 0 {
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, "password.not_changed"), Text: fixText(ctx, len(view.Errors))}
		return formResult[views.PasswordView]{status: http.StatusUnprocessableEntity, view: view}
	}

	if err := s.limits.Check(ctx, v.UserID, currentPasswordLimits()...); err != nil {
		return formResult[views.PasswordView]{err: err}
	}
	creds, err := selfCall(s, ctx, v, "changePassword", func(c selfCalls, id string) (client.UserCredentials, error) {
		return c.ChangePassword(ctx, id, current, pw, client.ChangePasswordOptions{Strict: true})
	})
	if err != nil {
		status, fe, alert := passwordFailure(ctx, err)
		view.Errors, view.Alert = fe, alert
		if fe["new_password"] != "" || fe["confirm_password"] != "" {
			view.KeepNew, view.Rules, view.Checked = false, policy.Rules(ctx), false
		}
		if status >= http.StatusInternalServerError {
			// A support reference only where something failed on Gatehouse's or Okta's side,
			// never for a typo.
			view.Alert.RequestID = RequestID(ctx)
		}
		s.record(ctx, v, "self.change-password", audit.ResultFailure, client.Receipt{}, err)
		return formResult[views.PasswordView]{status: status, view: view}
	}
	s.cache.Invalidate(v.UserID)
	ScopeFrom(ctx).Note("event", "password_changed")
	s.record(ctx, v, "self.change-password", audit.ResultSuccess, creds.Receipt, nil)
	return formResult[views.PasswordView]{status: http.StatusOK, view: views.PasswordView{Done: true}, rotated: s.rotate(w, r)}
}

// rotate gives the session a new id after a credential change (SECURITY.md 16) and returns its
// new Viewer.Session. The change has happened either way: a failure is noted, not reported.
func (s *SelfService) rotate(w http.ResponseWriter, r *http.Request) string {
	key, err := s.sessions.Rotate(w, r)
	if err != nil {
		ScopeFrom(r.Context()).Note("session_rotate", "failed")
		return ""
	}
	return key
}

func (s *SelfService) renderPassword(w http.ResponseWriter, r *http.Request, status int, view views.PasswordView) error {
	if IsHTMX(r) {
		return Render(w, r, status, views.PasswordPanel(view))
	}
	return Render(w, r, status, views.PasswordPage(PageFor(r, tr(r.Context(), "password.title"), views.NavPassword), view))
}

// passwordFailure explains a refused password change as field errors and an alert on the form,
// with the status to answer. Okta being busy or down is shown on the form too, so nothing the
// person typed (other than passwords) is lost.
func passwordFailure(ctx context.Context, err error) (int, views.FieldErrors, *views.Alert) {
	fe := views.FieldErrors{}
	notChanged := &views.Alert{Kind: "error", Title: tr(ctx, "password.not_changed")}
	var ce *client.Error
	if !errors.As(err, &ce) {
		status, text := classified(ctx, err)
		notChanged.Text = text
		return status, fe, notChanged
	}
	causes := strings.ToLower(strings.Join(ce.Causes, " | "))
	switch {
	case errors.Is(err, client.ErrPasswordPolicy) || ce.Code == "E0000014" || ce.Code == "E0000001" || ce.Code == "E0000080":
		switch {
		case strings.Contains(causes, "old password") || strings.Contains(causes, "credentials provided were incorrect") || strings.Contains(causes, "oldpassword"):
			fe["current_password"] = tr(ctx, msgNotCurrentPassword)
		case strings.Contains(causes, "used too recently") || strings.Contains(causes, "history"):
			fe["new_password"] = tr(ctx, "password.used_recently")
		case strings.Contains(causes, "cannot be your current password"):
			fe["new_password"] = tr(ctx, "password.same_as_current")
		case strings.Contains(causes, "changed too recently") || strings.Contains(causes, "minimum password age") || strings.Contains(causes, "too soon"):
			notChanged.Text = tr(ctx, "password.too_soon")
			return http.StatusUnprocessableEntity, fe, notChanged
		case strings.Contains(causes, "commonly used") || strings.Contains(causes, "dictionary"):
			fe["new_password"] = tr(ctx, "password.too_common")
		case strings.Contains(causes, "requirements were not met"):
			fe["new_password"] = policyRequirements(ctx, ce.Causes)
		default:
			notChanged.Text = tr(ctx, "password.refused")
			return http.StatusUnprocessableEntity, fe, notChanged
		}
		notChanged.Text = tr(ctx, msgFixOne)
		return http.StatusUnprocessableEntity, fe, notChanged
	case ce.Code == "E0000035" || errors.Is(err, client.ErrInvalidStatus):
		notChanged.Text = tr(ctx, "password.account_cannot")
		return http.StatusConflict, fe, notChanged
	case errors.Is(err, client.ErrRateLimited):
		notChanged.Text = tr(ctx, "password.okta_busy")
		return http.StatusServiceUnavailable, fe, notChanged
	case errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrUnauthorized):
		notChanged.Text = tr(ctx, "password.not_allowed")
		return http.StatusInternalServerError, fe, notChanged
	}
	status, text := classified(ctx, err)
	notChanged.Text = text
	return status, fe, notChanged
}

// classified is what Classify says of err, as the status to answer and its message in the
// request's language, for a form that shows a failure in place.
func classified(ctx context.Context, err error) (int, string) {
	he := Classify(err)
	_, msg := he.Words(views.LocaleFrom(ctx))
	return he.Status, msg
}

// policyRequirements explains Okta's refusal with Okta's own list of requirements, pulled out
// of its cause text ("Password requirements were not met. Password requirements: at least 8
// characters, …"). The list stays in Okta's words (English): Gatehouse cannot know every
// phrase an org's policy may produce, and a guess would misstate the rule.
func policyRequirements(ctx context.Context, causes []string) string {
	for _, c := range causes {
		if _, after, ok := strings.Cut(c, "Password requirements:"); ok {
			req := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(after), "."))
			if req != "" {
				return trf(ctx, "password.policy_said", map[string]any{"Requirements": req})
			}
		}
	}
	return tr(ctx, "password.policy_rejected")
}

// RecoveryForm handles GET /recovery-question: the current question, never the answer.
func (s *SelfService) RecoveryForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	view := views.RecoveryView{FormID: newFormID(), Suggestions: recoverySuggestions(ctx), Login: v.Login}
	if u, err := s.me(ctx, v); err != nil {
		view.LoadErr = sectionFailure(ctx, "recovery.failed", err)
	} else {
		view.CurrentQuestion, view.CurrentKnown = u.Credentials.RecoveryQuestion, true
	}
	return Render(w, r, http.StatusOK, views.RecoveryPage(PageFor(r, tr(ctx, "recovery.title"), views.NavProfile), view))
}

// ChangeRecovery handles POST /recovery-question. The current password is required; Okta's
// answer rules are checked first.
func (s *SelfService) ChangeRecovery(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	res := guarded(s.once, w, r, v, s.changeRecovery)
	if res.err != nil {
		return res.err
	}
	return s.renderRecovery(w, r, res.status, res.view)
}

// changeRecovery does the work of ChangeRecovery once per form id.
func (s *SelfService) changeRecovery(w http.ResponseWriter, r *http.Request, v Viewer) formResult[views.RecoveryView] {
	ctx := r.Context()
	question, answer, current := field(r, "question"), secretField(r, "answer"), secretField(r, "current_password")
	view := views.RecoveryView{FormID: newFormID(), Question: question, Suggestions: recoverySuggestions(ctx), Login: v.Login, Errors: views.FieldErrors{}}
	if msg := recoveryProblems(ctx, question, answer); msg != nil {
		view.Errors = msg
	}
	if current == "" {
		view.Errors["current_password"] = tr(ctx, "recovery.enter_current")
	}
	if len(view.Errors) > 0 {
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, "recovery.not_changed"), Text: fixText(ctx, len(view.Errors))}
		return formResult[views.RecoveryView]{status: http.StatusUnprocessableEntity, view: view}
	}
	if err := s.limits.Check(ctx, v.UserID, currentPasswordLimits()...); err != nil {
		return formResult[views.RecoveryView]{err: err}
	}
	creds, err := selfCall(s, ctx, v, "changeRecoveryQuestion", func(c selfCalls, id string) (client.UserCredentials, error) {
		return c.ChangeRecoveryQuestion(ctx, id, current, question, strings.TrimSpace(answer))
	})
	if err != nil {
		status, fe, alert := recoveryFailure(ctx, err)
		view.Errors, view.Alert = fe, alert
		if u, err := s.me(ctx, v); err == nil {
			view.CurrentQuestion, view.CurrentKnown = u.Credentials.RecoveryQuestion, true
		}
		if status >= http.StatusInternalServerError {
			view.Alert.RequestID = RequestID(ctx)
		}
		s.record(ctx, v, "self.change-recovery-question", audit.ResultFailure, client.Receipt{}, err)
		return formResult[views.RecoveryView]{status: status, view: view}
	}
	s.cache.Invalidate(v.UserID)
	ScopeFrom(ctx).Note("event", "recovery_question_changed")
	s.record(ctx, v, "self.change-recovery-question", audit.ResultSuccess, creds.Receipt, nil)
	done := views.RecoveryView{Done: true, CurrentQuestion: question, CurrentKnown: true}
	return formResult[views.RecoveryView]{status: http.StatusOK, view: done, rotated: s.rotate(w, r)}
}

// recoveryProblems applies Okta's rules for recovery questions and answers (USERS-API.md §4.2).
func recoveryProblems(ctx context.Context, question, answer string) views.FieldErrors {
	fe := views.FieldErrors{}
	if question == "" {
		fe["question"] = tr(ctx, "recovery.enter_question")
	} else if err := validText(question, 4, 100); err != nil {
		fe["question"] = tr(ctx, "recovery.question_length")
	}
	a := strings.TrimSpace(answer)
	switch {
	case a == "":
		fe["answer"] = tr(ctx, "recovery.enter_answer")
	case validText(a, 4, 100) != nil:
		fe["answer"] = tr(ctx, "recovery.answer_length")
	case question != "" && strings.Contains(strings.ToLower(question), strings.ToLower(a)):
		fe["answer"] = tr(ctx, msgAnswerInQuestion)
	}
	return fe
}

func recoveryFailure(ctx context.Context, err error) (int, views.FieldErrors, *views.Alert) {
	fe := views.FieldErrors{}
	alert := &views.Alert{Kind: "error", Title: tr(ctx, "recovery.not_changed")}
	var ce *client.Error
	if errors.As(err, &ce) {
		switch {
		case ce.Code == "E0000014":
			fe["current_password"] = tr(ctx, msgNotCurrentPassword)
			alert.Text = tr(ctx, msgFixOne)
			return http.StatusUnprocessableEntity, fe, alert
		case ce.Code == "E0000001":
			if fe = recoveryFieldErrors(ctx, err); len(fe) > 0 {
				alert.Text = tr(ctx, msgFixOne)
				return http.StatusUnprocessableEntity, fe, alert
			}
			fe = views.FieldErrors{}
		case ce.Code == "E0000036" || errors.Is(err, client.ErrInvalidStatus):
			alert.Text = tr(ctx, "recovery.account_cannot")
			return http.StatusConflict, fe, alert
		case errors.Is(err, client.ErrForbidden) || errors.Is(err, client.ErrUnauthorized):
			alert.Text = tr(ctx, "recovery.not_allowed")
			return http.StatusInternalServerError, fe, alert
		}
	}
	status, text := classified(ctx, err)
	alert.Text = text
	return status, fe, alert
}

// recoveryFieldErrors turns Okta's refusal of a recovery question into field errors.
func recoveryFieldErrors(ctx context.Context, err error) views.FieldErrors {
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "E0000001" {
		return nil
	}
	fe := views.FieldErrors{}
	for _, c := range ce.Causes {
		lc := strings.ToLower(c)
		switch {
		case strings.Contains(lc, "part of the question"):
			fe["answer"] = tr(ctx, msgAnswerInQuestion)
		case strings.Contains(lc, "answer"):
			fe["answer"] = tr(ctx, "recovery.okta_answer")
		case strings.Contains(lc, "question"):
			fe["question"] = tr(ctx, "recovery.okta_question")
		}
	}
	return fe
}

func (s *SelfService) renderRecovery(w http.ResponseWriter, r *http.Request, status int, view views.RecoveryView) error {
	if IsHTMX(r) {
		return Render(w, r, status, views.RecoveryPanel(view))
	}
	return Render(w, r, status, views.RecoveryPage(PageFor(r, tr(r.Context(), "recovery.title"), views.NavProfile), view))
}

// SignOutEverywhereForm handles GET /signout-everywhere: the confirmation (in the dialog with
// htmx, as a page without).
func (s *SelfService) SignOutEverywhereForm(w http.ResponseWriter, r *http.Request) error {
	if htmxTarget(r) == views.DialogID {
		return Render(w, r, http.StatusOK, views.SignOutEverywhereConfirm())
	}
	return Render(w, r, http.StatusOK, views.SignOutEverywherePage(PageFor(r, tr(r.Context(), "signin.everywhere_title"), views.NavProfile)))
}

// SignOutEverywhere handles POST /signout-everywhere. scope=all ends the person's Okta sessions
// and the OAuth tokens Okta issued them, and every Gatehouse session of theirs on every
// instance, this one included. scope=others keeps this Gatehouse session: it ends the Okta
// sessions (not the tokens — this session's tokens are among them; the other Gatehouse
// sessions' tokens never left the server and are deleted with their records) and every other
// Gatehouse session. Okta goes first: if it fails, nothing has changed and the person is told so.
func (s *SelfService) SignOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	keepThis := r.PostFormValue("scope") == "others"
	rc, err := s.okta.ClearSessions(ctx, v.UserID, !keepThis)
	if err != nil {
		return retitled(err, "signin.nothing_signed_out")
	}
	n, err := s.sessions.EndSessions(ctx, v.UserID, keepThis)
	if err != nil {
		return Unavailable("signin.sessions_not_ended", err)
	}
	s.cache.Invalidate(v.UserID)
	ScopeFrom(ctx).Note("event", "signout_everywhere")
	ScopeFrom(ctx).Note("sessions_ended", n)
	s.record(ctx, v, "self.signout-everywhere", audit.ResultSuccess, rc, nil)
	if keepThis {
		msg := views.Alert{Kind: "success", Title: tr(ctx, "signin.others_ended_title"), Text: tr(ctx, "signin.others_ended_detail")}
		if IsHTMX(r) {
			return Render(w, r, http.StatusOK, views.AlertBox(msg))
		}
		setFlash(ctx, s.sessions, w, flashOthersSignedOut)
		redirect(w, r, "/")
		return nil
	}
	_ = s.sessions.SignOut(w, r)
	setFlash(ctx, s.sessions, w, flashSignedOutEverywhere)
	redirect(w, r, "/")
	return nil
}

// record writes a self-service event to the audit trail (actor and target are the person),
// naming the Okta call it records: rc on success, the refusal's own request id on failure.
func (s *SelfService) record(ctx context.Context, v Viewer, action, result string, rc client.Receipt, err error) {
	s.recordDetail(ctx, v, action, result, rc, err, "")
}

// recordDetail is record with a detail: what changed, after Okta's error code if any.
func (s *SelfService) recordDetail(ctx context.Context, v Viewer, action, result string, rc client.Receipt, err error, detail string) {
	e := audit.Entry{
		Time: s.opts.Now(), ActorID: v.UserID, ActorLogin: v.Login, ActorIssuer: v.Issuer, Role: "self",
		TargetID: v.UserID, TargetLogin: v.Login, Action: action, Result: result, RequestID: RequestID(ctx),
		OktaRequestID: rc.RequestID,
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		e.OktaRequestID = ce.RequestID
		e.Detail = ce.Code
	}
	if detail != "" {
		if e.Detail != "" {
			e.Detail += "; "
		}
		e.Detail += detail
	}
	_ = s.audit.Record(ctx, e)
}
