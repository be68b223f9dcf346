package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
)

// auditPageLimit is how many entries one page of the audit log lists.
const auditPageLimit = 50

// Audit actions that are not in the lifecycle action table (lifecycle.go).
const (
	auditEditProfile      = "edit-profile"
	auditAddToGroup       = "add-to-group"
	auditRemoveFromGroup  = "remove-from-group"
	auditResetFactor      = "reset-factor"
	auditResendActivation = "resend-activation"
	auditExport           = "export-audit"
	auditSelfPassword     = "self.change-password"
	auditSelfRecovery     = "self.change-recovery-question"
	auditSelfSignOutAll   = "self.signout-everywhere"
)

// auditActions names every action the trail holds, in the order the audit page's action
// filter lists them: the lifecycle actions of the action table, then the other admin actions,
// then self-service. The label is what people read; the key is what the trail stores.
func auditActions(ctx context.Context) []views.Option {
	var opts []views.Option
	for _, act := range Actions() {
		opts = append(opts, views.Option{Value: act.Key, Label: act.Label(ctx)})
	}
	return append(opts,
		views.Option{Value: auditCreate, Label: tr(ctx, "audit.action_create")},
		views.Option{Value: auditEditProfile, Label: tr(ctx, "audit.action_edit_profile")},
		views.Option{Value: auditAddToGroup, Label: tr(ctx, "audit.action_add_to_group")},
		views.Option{Value: auditRemoveFromGroup, Label: tr(ctx, "audit.action_remove_from_group")},
		views.Option{Value: auditResetFactor, Label: tr(ctx, "audit.action_reset_factor")},
		views.Option{Value: auditResendActivation, Label: tr(ctx, "audit.action_resend_activation")},
		views.Option{Value: auditExport, Label: tr(ctx, "audit.action_export")},
		views.Option{Value: auditSelfPassword, Label: tr(ctx, "audit.action_self_password")},
		views.Option{Value: auditSelfRecovery, Label: tr(ctx, "audit.action_self_recovery")},
		views.Option{Value: auditSelfSignOutAll, Label: tr(ctx, "audit.action_self_sign_out")},
	)
}

// auditActionLabel is an action's name in words; an action the table does not know (an older
// release's) shows as stored.
func auditActionLabel(ctx context.Context, key string) string {
	for _, o := range auditActions(ctx) {
		if o.Value == key {
			return o.Label
		}
	}
	return key
}

// auditResults are the outcomes the filter offers.
func auditResults(ctx context.Context) []views.Option {
	return []views.Option{
		{Value: audit.ResultSuccess, Label: tr(ctx, "audit.result_success")},
		{Value: audit.ResultFailure, Label: tr(ctx, "audit.result_failure")},
		{Value: audit.ResultDenied, Label: tr(ctx, "audit.result_denied")},
	}
}

// auditRoleWords name the roles the trail stores (audit.Entry.Role); a role the table does not
// know shows as stored.
var auditRoleWords = map[string]string{
	RoleAdmin:    "audit.role_admin",
	RoleHelpdesk: "audit.role_helpdesk",
	"self":       "audit.role_self",
}

// oktaCodeWords are Okta's error codes that the trail's Detail most often holds, as catalog
// messages (docs/OKTA.md "The admin console (issue 19)": Okta's error-code reference and
// USERS-API.md).
var oktaCodeWords = map[string]string{
	"E0000001": "audit.okta_E0000001",
	"E0000006": "audit.okta_E0000006",
	"E0000007": "audit.okta_E0000007",
	"E0000014": "audit.okta_E0000014",
	"E0000016": "audit.okta_E0000016",
	"E0000023": "audit.okta_E0000023",
	"E0000038": "audit.okta_E0000038",
	"E0000047": "audit.okta_E0000047",
	"E0000077": "audit.okta_E0000077",
	"E0000078": "audit.okta_E0000078",
	"E0000112": "audit.okta_E0000112",
}

// outcomeText says what happened in words: the result, then the detail made readable (an Okta
// code in words with the code kept for support). The rest of the detail is the record as
// stored — English, like every audit record (docs/I18N.md "What is not translated").
func outcomeText(ctx context.Context, result, detail string) (label, note string) {
	label = result
	for _, o := range auditResults(ctx) {
		if o.Value == result {
			label = o.Label
		}
	}
	if detail == "" {
		return label, ""
	}
	code, rest, _ := strings.Cut(detail, " · ")
	if !oktaCode.MatchString(code) {
		return label, detail
	}
	id, ok := oktaCodeWords[code]
	if !ok {
		id = "audit.okta_other"
	}
	note = trf(ctx, "audit.okta_code", map[string]any{"Words": tr(ctx, id), "Code": code})
	if rest != "" {
		note += " · " + rest
	}
	return label, note
}

var oktaCode = regexp.MustCompile(`^E[0-9]{7}$`)

// withCode is the audit detail of a failed Okta call: Okta's error code first (as record puts
// it when there is no other detail), then what the action was about.
func withCode(err error, detail string) string {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Code != "" {
		return ce.Code + " · " + detail
	}
	return detail
}

// auditRows maps audit entries for display.
func auditRows(ctx context.Context, entries []audit.Entry) []views.AuditRow {
	loc := views.LocaleFrom(ctx)
	rows := make([]views.AuditRow, len(entries))
	for i, e := range entries {
		result, note := outcomeText(ctx, e.Result, e.Detail)
		role := e.Role
		if id, ok := auditRoleWords[role]; ok {
			role = tr(ctx, id)
		}
		rows[i] = views.AuditRow{
			Time: loc.Time(e.Time), Actor: cmp.Or(e.ActorLogin, e.ActorID), Role: role,
			Action: e.Action, ActionLabel: auditActionLabel(ctx, e.Action), TargetID: e.TargetID, Target: cmp.Or(e.TargetLogin, e.TargetID),
			Reason: e.Reason, Result: e.Result, ResultLabel: result, Detail: note, OktaRequestID: e.OktaRequestID, RequestID: e.RequestID,
		}
	}
	return rows
}

// auditForm is the audit page's filter as the URL carries it.
type auditForm struct {
	From, To, Actor, Target, Action, Result string
}

// readAuditForm reads the filter from the query string and checks it: dates as a date input
// sends them (yyyy-mm-dd, "to" inclusive) — days in the viewer's time zone, the zone the page
// shows times in (UTC when it is unknown) — names of at most 100 characters, and an action and
// a result from the lists. It returns the store's filter and the problems by field.
func readAuditForm(ctx context.Context, q url.Values) (auditForm, audit.Filter, views.FieldErrors) {
	in := auditForm{
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Actor: strings.TrimSpace(q.Get("actor")), Target: strings.TrimSpace(q.Get("target")),
		Action: q.Get("action"), Result: q.Get("result"),
	}
	fe := views.FieldErrors{}
	f := audit.Filter{Actor: in.Actor, Target: in.Target, Action: in.Action, Result: in.Result}
	for key, val := range map[string]string{"actor": in.Actor, "target": in.Target} {
		if validText(val, 0, 100) != nil {
			fe[key] = tr(ctx, "audit.too_long")
		}
	}
	zone, _ := views.LocaleFrom(ctx).Zone()
	day := func(key, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, zone)
		if err != nil {
			fe[key] = tr(ctx, "audit.bad_date")
		}
		return t
	}
	f.From = day("from", in.From)
	if to := day("to", in.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole day named: the store's To is exclusive
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fe["to"] = tr(ctx, "audit.to_before_from")
	}
	if in.Action != "" && !hasOption(auditActions(ctx), in.Action) {
		fe["action"] = tr(ctx, "audit.choose_action")
	}
	if in.Result != "" && !hasOption(auditResults(ctx), in.Result) {
		fe["result"] = tr(ctx, "audit.choose_result")
	}
	return in, f, fe
}

func hasOption(opts []views.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// query is the filter as a query string, with extra parameters (a page cursor) added.
func (in auditForm) query(extra ...string) string {
	q := url.Values{}
	for _, kv := range [][2]string{{"from", in.From}, {"to", in.To}, {"actor", in.Actor}, {"target", in.Target}, {"action", in.Action}, {"result", in.Result}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (in auditForm) filtered() bool { return in != auditForm{} }

// Audit handles GET /admin/audit: the trail, newest first, filtered by time range, who acted,
// on whom, the action and its result — a GET form, so a filtered view is a link — and paged by
// keyset cursors (before= older, after= newer), so paging through months costs the same as the
// first page. A cursor that is not one Gatehouse wrote starts over at the newest entries with a
// note rather than failing.
func (a *Admin) Audit(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	in, f, fe := readAuditForm(ctx, q)
	view := views.AuditView{
		Nav: adminNav(v, views.AdminAudit), From: in.From, To: in.To, Actor: in.Actor, Target: in.Target,
		Action: in.Action, Result: in.Result, Actions: auditActions(ctx), Results: auditResults(ctx), Errors: fe,
		Filtered: in.filtered(), CanExport: v.HasRole(RoleAdmin),
	}
	page := PageFor(r, tr(ctx, "audit.title"), views.NavAdmin)
	if len(fe) > 0 {
		view.Err = &views.Alert{Kind: "error", Title: tr(ctx, "audit.fix_title"), Text: fixText(ctx, len(fe))}
		return Render(w, r, http.StatusBadRequest, views.AuditPage(page, view))
	}
	before, errB := audit.ParseCursor(q.Get("before"))
	after, errA := audit.ParseCursor(q.Get("after"))
	switch {
	case errB != nil || errA != nil || (!before.IsZero() && !after.IsZero()):
		ScopeFrom(r.Context()).Note("audit_cursor", "invalid")
		view.Note = &views.Alert{Kind: "info", Title: tr(ctx, "audit.bad_cursor_title"), Text: tr(ctx, "audit.bad_cursor_text")}
	default:
		f.Before, f.After = before, after
	}
	f.Limit = auditPageLimit
	res, err := a.audit.Query(r.Context(), f)
	if err != nil {
		ScopeFrom(r.Context()).Note("audit_read", "failed")
		view.Err = &views.Alert{Kind: "error", Title: tr(ctx, "audit.read_failed_title"), Text: tr(ctx, "audit.read_failed_text"), RequestID: RequestID(ctx)}
		return Render(w, r, http.StatusServiceUnavailable, views.AuditPage(page, view))
	}
	view.Rows = auditRows(r.Context(), res.Entries)
	paged := !f.Before.IsZero() || !f.After.IsZero()
	if !res.Older.IsZero() {
		view.OlderURL = "/admin/audit" + in.query("before", res.Older.String())
	}
	if !res.Newer.IsZero() {
		view.NewerURL = "/admin/audit" + in.query("after", res.Newer.String())
	}
	if paged && !res.Newer.IsZero() {
		view.NewestURL = "/admin/audit" + in.query()
	}
	if view.CanExport {
		view.ExportURL = "/admin/audit/export" + in.query()
	}
	return Render(w, r, http.StatusOK, views.AuditPage(page, view))
}

// AuditExport handles GET /admin/audit/export (admins only): every entry the audit page's
// filter selects, as CSV, streamed from the database in batches — a year of the trail never
// sits in memory — with cells that a spreadsheet would run as a formula neutralised
// (audit.Neutralize).
//
// The export is itself audited (action export-audit, the filter in Detail): a copy of the trail
// leaving Gatehouse is something an auditor wants to know about. When that record cannot be
// stored the export is refused rather than run unrecorded.
func (a *Admin) AuditExport(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	if !v.HasRole(RoleAdmin) {
		return Forbidden(MsgNeedsAdmin)
	}
	in, f, fe := readAuditForm(r.Context(), r.URL.Query())
	if len(fe) > 0 {
		return badRequest("audit.export_bad_filter")
	}
	ctx := r.Context()
	if err := a.record(ctx, v, client.User{}, auditExport, "", audit.ResultSuccess, "filter: "+cmp.Or(strings.TrimPrefix(in.query(), "?"), "none"), client.Receipt{}, nil); err != nil {
		return Unavailable("audit.export_not_recorded", err)
	}
	h := w.Header()
	h.Set("Content-Type", audit.CSVContentType)
	h.Set("Content-Disposition", `attachment; filename="`+audit.CSVFilename(a.opts.Now())+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err := a.audit.WriteCSV(ctx, w, f); err != nil {
		ScopeFrom(ctx).Note("audit_export", "incomplete")
		if errors.Is(err, ctx.Err()) {
			return nil // the browser went away
		}
		// The status line is sent: abort the response so the browser reports a failed
		// download instead of saving a CSV that looks complete.
		panic(http.ErrAbortHandler)
	}
	return nil
}
