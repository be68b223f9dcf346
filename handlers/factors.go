package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rsc.io/qr"

	"gatehouse/client"
	"gatehouse/i18n"
	"gatehouse/views"
	"gatehouse/web/audit"
)

// The person's own sign-in methods (docs/OKTA.md "Factors"). Every call uses the service
// credential on the person's own id (FactorsOkta). Adding or removing a method needs a recent
// sign-in (the route table's step-up, SECURITY.md 31): a stolen session must not be able to
// plant its own authenticator or strip the person's. None of these changes ends a session.

// Flashes of /security.
const (
	flashAppAdded     = "factor-app-added"
	flashAppExists    = "factor-app-exists"
	flashFactorGone   = "factor-removed"
	flashSetupExpired = "factor-setup-gone"
)

// totpIssuer labels the entry in the person's authenticator app.
const totpIssuer = "Gatehouse"

// factorIDShape is Okta's factor id (ostf…, opf…, sms…: 20 characters); anything else is
// refused before Okta is asked.
var factorIDShape = regexp.MustCompile(`^[A-Za-z0-9]{10,40}$`)

// passcodeShape is a one-time code as typed, spaces removed.
var passcodeShape = regexp.MustCompile(`^[0-9]{6,8}$`)

// factors lists the person's factors.
func (s *SelfService) factors(ctx context.Context, v Viewer) ([]client.Factor, error) {
	fs, err := s.okta.ListFactors(ctx, v.UserID)
	if err != nil {
		return nil, fmt.Errorf("list factors: %w", err)
	}
	return fs, nil
}

// pendingApp is the authenticator app whose setup is not finished, if any.
func pendingApp(fs []client.Factor) (client.Factor, bool) {
	for _, f := range fs {
		if f.Type == client.FactorTOTP && f.Pending() {
			return f, true
		}
	}
	return client.Factor{}, false
}

// factorRows describes the factors in ctx's language. With no policy signal from Okta (its
// Factors API does not say which methods the sign-on policy requires, and unenrollFactor
// removes the last one without complaint), Gatehouse refuses to remove the last active method
// itself: the person could otherwise be locked out of a policy that asks for one.
func factorRows(ctx context.Context, fs []client.Factor, now time.Time) []views.FactorRow {
	active := 0
	for _, f := range fs {
		if f.Active() {
			active++
		}
	}
	rows := make([]views.FactorRow, 0, len(fs))
	for _, f := range fs {
		row := views.FactorRow{
			ID: f.ID, Kind: factorName(ctx, f), Provider: factorProvider(ctx, f), Device: f.Device(),
			Status: factorStatus(ctx, f.Status), Active: f.Active(), Removable: true,
			Resume: f.Type == client.FactorTOTP && f.Pending(),
		}
		if !f.Created.IsZero() {
			row.Enrolled = formatTime(views.LocaleFrom(ctx), &f.Created, now)
		}
		if f.Active() && active == 1 {
			row.Removable = false
			row.RemoveWhy = tr(ctx, "security.only_method")
		}
		rows = append(rows, row)
	}
	return rows
}

// factorKindID is the catalog id of the name of f's kind, or "" for a factor type Gatehouse
// does not know (shown as Okta's identifier of the type).
func factorKindID(f client.Factor) string {
	switch f.Kind() {
	case client.KindAuthenticatorApp:
		return "factor.app"
	case client.KindOktaVerify:
		return "factor.okta_verify"
	case client.KindPhone:
		if f.Type == client.FactorCall {
			return "factor.call"
		}
		return "factor.sms"
	case client.KindEmail:
		return "factor.email"
	case client.KindSecurityQuestion:
		return "factor.question"
	case client.KindSecurityKey:
		return "factor.security_key"
	case client.KindHardwareToken:
		return "factor.hardware_token"
	}
	return ""
}

// factorName names f's kind in ctx's language ("Authenticator app", "Authenticator-App").
func factorName(ctx context.Context, f client.Factor) string {
	if id := factorKindID(f); id != "" {
		return tr(ctx, id)
	}
	return string(f.Type)
}

// factorKind names f's kind in English: the audit trail's words (a durable record in one
// language). Pages use factorName.
func factorKind(f client.Factor) string {
	if id := factorKindID(f); id != "" {
		return i18n.EnglishText(id, nil)
	}
	return string(f.Type)
}

// factorProvider names who provides f: product names, except the two that need words.
func factorProvider(ctx context.Context, f client.Factor) string {
	switch f.Provider {
	case client.FactorProviderOkta:
		return "Okta"
	case client.FactorProviderGoogle:
		return tr(ctx, "factor.any_app")
	case client.FactorProviderFIDO:
		return "FIDO2 (WebAuthn)"
	case client.FactorProviderRSA:
		return "RSA SecurID"
	case client.FactorProviderSymantec:
		return "Symantec VIP"
	case client.FactorProviderYubico:
		return "Yubico"
	case client.FactorProviderDuo:
		return "Duo"
	case client.FactorProviderCustom:
		return tr(ctx, "factor.custom")
	}
	return string(f.Provider)
}

// factorStatus says a factor's status in ctx's language (Okta's own word for one it does not
// document).
func factorStatus(ctx context.Context, st client.FactorStatus) string {
	switch st {
	case client.FactorActive:
		return tr(ctx, "factor.status.active")
	case client.FactorPendingActivation:
		return tr(ctx, "factor.status.pending")
	case client.FactorEnrolled:
		return tr(ctx, "factor.status.enrolled")
	case client.FactorNotSetUp:
		return tr(ctx, "factor.status.not_set_up")
	case client.FactorInactive:
		return tr(ctx, "factor.status.inactive")
	case client.FactorExpired:
		return tr(ctx, "factor.status.expired")
	case client.FactorDisabled:
		return tr(ctx, "factor.status.disabled")
	}
	return string(st)
}

func securityNotice(ctx context.Context, flash string) *views.Alert {
	switch flash {
	case flashAppAdded:
		return &views.Alert{Kind: "success", Title: tr(ctx, "security.app_added_title"), Text: tr(ctx, "security.app_added_text")}
	case flashAppExists:
		return &views.Alert{Kind: "info", Title: tr(ctx, "security.app_exists_title"), Text: tr(ctx, "security.app_exists_text")}
	case flashFactorGone:
		return &views.Alert{Kind: "success", Title: tr(ctx, "security.removed_title"), Text: tr(ctx, "security.removed_text")}
	case flashSetupExpired:
		return &views.Alert{Kind: "info", Title: tr(ctx, "security.setup_gone_title"), Text: tr(ctx, "security.setup_gone_text")}
	}
	return nil
}

// Security handles GET /security: the person's factors in words.
func (s *SelfService) Security(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	view := views.SecurityView{
		Notice: securityNotice(ctx, takeFlash(s.sessions, w, r)),
		StepUp: NeedsStepUp(v, s.opts.Now(), s.opts.StepUpAge, s.opts.StepUpACR), ReauthURL: reauthURL("/security"),
	}
	fs, err := s.factors(ctx, v)
	if err != nil {
		view.LoadErr = sectionFailure(ctx, "security.load_failed", err)
	} else {
		view.Factors = factorRows(ctx, fs, s.opts.Now())
		view.CanAddApp = true
		for _, f := range fs {
			if f.Type == client.FactorTOTP && f.Active() {
				view.HasApp = true
			}
		}
	}
	return Render(w, r, http.StatusOK, views.SecurityPage(PageFor(r, tr(ctx, "security.title"), views.NavSecurity), view))
}

// StartAuthenticator handles POST /security/authenticator: it enrols an authenticator app
// (token:software:totp, provider GOOGLE: any RFC 6238 app) and sends the person to its setup.
// A setup already under way is resumed rather than doubled (Okta allows one factor of a type
// and provider, pending ones included); restart=1 replaces it with a new key.
func (s *SelfService) StartAuthenticator(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	fs, err := s.factors(ctx, v)
	if err != nil {
		return retitled(err, "security.not_started")
	}
	if pending, ok := pendingApp(fs); ok {
		if r.PostFormValue("restart") != "1" {
			redirect(w, r, "/security/authenticator")
			return nil
		}
		if err := s.okta.DeleteFactor(ctx, v.UserID, pending.ID); err != nil && !errors.Is(err, client.ErrNotFound) {
			return retitled(err, "security.not_restarted")
		}
	}
	f, err := s.okta.EnrollTOTP(ctx, v.UserID, client.FactorProviderGoogle)
	if errors.Is(err, client.ErrFactorAlreadyEnrolled) {
		setFlash(ctx, s.sessions, w, flashAppExists)
		redirect(w, r, "/security")
		return nil
	}
	if err != nil {
		s.recordDetail(ctx, v, "self.enroll-factor", audit.ResultFailure, client.Receipt{}, err, string(client.FactorTOTP))
		return retitled(err, "security.not_started")
	}
	ScopeFrom(ctx).Note("event", "factor_enrolled")
	s.recordDetail(ctx, v, "self.enroll-factor", audit.ResultSuccess, client.Receipt{}, nil, string(f.Type)+" "+string(f.Provider)+" "+f.ID)
	redirect(w, r, "/security/authenticator")
	return nil
}

// AuthenticatorSetup handles GET /security/authenticator: the pending app's QR code (an
// image Gatehouse draws, AuthenticatorQR) and its key as text. Okta lists a pending factor
// with its activation, so nothing is kept between requests. A sign-in too old for step-up
// sees no key: it is asked to sign in again first.
func (s *SelfService) AuthenticatorSetup(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	fs, err := s.factors(r.Context(), v)
	if err != nil {
		return retitled(err, "security.setup_load_failed")
	}
	pending, ok := pendingApp(fs)
	if !ok || pending.Activation == nil {
		redirect(w, r, "/security") // nothing to finish (a GET leaves no flash: no session write)
		return nil
	}
	if NeedsStepUp(v, s.opts.Now(), s.opts.StepUpAge, s.opts.StepUpACR) {
		return s.renderSetup(w, r, http.StatusOK, views.AuthenticatorView{StepUp: true, ReauthURL: reauthURL("/security/authenticator")})
	}
	return s.renderSetup(w, r, http.StatusOK, s.setupView(v, pending))
}

// AuthenticatorQR handles GET /security/authenticator/qr.png: the QR code of the pending
// app's otpauth:// URI, drawn by Gatehouse (rsc.io/qr; no outside service sees the key). It
// is served from a route, not inlined as a data: URL, because views only build URLs through
// templ's sanitiser (SECURITY.md 33); the answer is never cached (no-store, as every signed-in
// response) and the key is in neither its URL nor any log.
func (s *SelfService) AuthenticatorQR(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if NeedsStepUp(v, s.opts.Now(), s.opts.StepUpAge, s.opts.StepUpACR) {
		return NotFound("security.qr_step_up")
	}
	fs, err := s.factors(r.Context(), v)
	if err != nil {
		return err
	}
	pending, ok := pendingApp(fs)
	if !ok || pending.Activation == nil {
		return NotFound("security.qr_none")
	}
	code, err := qr.Encode(pending.Activation.KeyURI(totpIssuer, v.Login), qr.M)
	if err != nil {
		return fmt.Errorf("draw qr code: %w", err)
	}
	code.Scale = 4
	png := code.PNG()
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(png); err != nil {
		return &writeFailed{err}
	}
	return nil
}

func (s *SelfService) renderSetup(w http.ResponseWriter, r *http.Request, status int, view views.AuthenticatorView) error {
	return Render(w, r, status, views.AuthenticatorPage(PageFor(r, tr(r.Context(), "security.setup_title"), views.NavSecurity), view))
}

// setupView shows the pending factor's key grouped for reading, and where its QR code is.
func (s *SelfService) setupView(v Viewer, f client.Factor) views.AuthenticatorView {
	return views.AuthenticatorView{QR: "/security/authenticator/qr.png", Secret: groupsOfFour(f.Activation.SharedSecret), Account: v.Login}
}

// groupsOfFour writes a key in groups of four characters, as authenticator apps accept it.
func groupsOfFour(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ActivateAuthenticator handles POST /security/authenticator/activate: the first code from
// the app activates the factor. A wrong code (E0000068) is refused in words and the setup
// stays on the page.
func (s *SelfService) ActivateAuthenticator(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	fs, err := s.factors(ctx, v)
	if err != nil {
		return retitled(err, "security.app_not_set_up")
	}
	pending, ok := pendingApp(fs)
	if !ok || pending.Activation == nil {
		setFlash(ctx, s.sessions, w, flashSetupExpired)
		redirect(w, r, "/security")
		return nil
	}
	view := s.setupView(v, pending)
	code := strings.Join(strings.Fields(r.PostFormValue("code")), "")
	view.Code = code
	if !passcodeShape.MatchString(code) {
		view.Errors = views.FieldErrors{"code": tr(ctx, "security.code_shape")}
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, "security.app_not_yet"), Text: tr(ctx, msgFixOne)}
		return s.renderSetup(w, r, http.StatusUnprocessableEntity, view)
	}
	_, err = s.okta.ActivateFactor(ctx, v.UserID, pending.ID, code)
	if err != nil {
		s.recordDetail(ctx, v, "self.activate-factor", audit.ResultFailure, client.Receipt{}, err, pending.ID)
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, "security.app_not_yet"), RequestID: RequestID(ctx)}
		status := http.StatusUnprocessableEntity
		switch {
		case errors.Is(err, client.ErrInvalidPasscode):
			view.Errors = views.FieldErrors{"code": tr(ctx, "security.code_wrong")}
			view.Alert.Text = tr(ctx, msgFixOne)
		case errors.Is(err, client.ErrRateLimited):
			view.Alert.Text = tr(ctx, "security.code_rate_limited")
			status = http.StatusTooManyRequests
		default:
			he := Classify(err)
			_, view.Alert.Text = he.Words(views.LocaleFrom(ctx))
			status = he.Status
		}
		view.Code = ""
		return s.renderSetup(w, r, status, view)
	}
	ScopeFrom(ctx).Note("event", "factor_activated")
	s.recordDetail(ctx, v, "self.activate-factor", audit.ResultSuccess, client.Receipt{}, nil, string(pending.Type)+" "+pending.ID)
	setFlash(ctx, s.sessions, w, flashAppAdded)
	redirect(w, r, "/security")
	return nil
}

// factorFor finds the person's factor named by the path (and its row in words), or a 404.
func (s *SelfService) factorFor(ctx context.Context, v Viewer, id string) (client.Factor, views.FactorRow, error) {
	if !factorIDShape.MatchString(id) {
		return client.Factor{}, views.FactorRow{}, NotFound("security.no_such_method")
	}
	fs, err := s.factors(ctx, v)
	if err != nil {
		return client.Factor{}, views.FactorRow{}, err
	}
	for i, row := range factorRows(ctx, fs, s.opts.Now()) {
		if row.ID == id {
			return fs[i], row, nil
		}
	}
	return client.Factor{}, views.FactorRow{}, NotFound("security.no_such_method_yours")
}

// RemoveFactorForm handles GET /security/factors/{id}/remove: the confirmation.
func (s *SelfService) RemoveFactorForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	_, row, err := s.factorFor(ctx, v, r.PathValue("id"))
	if err != nil {
		return retitled(err, "security.nothing_to_remove")
	}
	path := "/security/factors/" + row.ID + "/remove"
	view := views.RemoveFactorView{Factor: row, StepUp: NeedsStepUp(v, s.opts.Now(), s.opts.StepUpAge, s.opts.StepUpACR), ReauthURL: reauthURL(path)}
	return Render(w, r, http.StatusOK, views.RemoveFactorPage(PageFor(r, tr(ctx, "security.remove_page_title"), views.NavSecurity), view))
}

// RemoveFactor handles POST /security/factors/{id}/remove (after step-up): never the last
// active method.
func (s *SelfService) RemoveFactor(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f, row, err := s.factorFor(ctx, v, r.PathValue("id"))
	if err != nil {
		return retitled(err, "security.nothing_removed")
	}
	if !row.Removable {
		s.recordDetail(ctx, v, "self.remove-factor", audit.ResultDenied, client.Receipt{}, nil, "last active factor "+row.ID)
		return newError(http.StatusConflict, "security.nothing_removed", "security.only_method", nil)
	}
	if err := s.okta.DeleteFactor(ctx, v.UserID, row.ID); err != nil {
		s.recordDetail(ctx, v, "self.remove-factor", audit.ResultFailure, client.Receipt{}, err, row.ID)
		return retitled(err, "security.nothing_removed")
	}
	ScopeFrom(ctx).Note("event", "factor_removed")
	s.recordDetail(ctx, v, "self.remove-factor", audit.ResultSuccess, client.Receipt{}, nil, factorKind(f)+" "+row.ID)
	setFlash(ctx, s.sessions, w, flashFactorGone)
	redirect(w, r, "/security")
	return nil
}
