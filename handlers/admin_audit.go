package handlers

import (
	"net/http"
	"strings"

	"gatehouse/views"
	"gatehouse/web/audit"
)

// auditPageLimit is how many entries the audit page lists.
const auditPageLimit = 100

// Audit handles GET /admin/audit?actor=&target=: recent admin actions, newest first, filtered
// by who did them and to whom (an Okta id exactly, or part of a username).
func (a *Admin) Audit(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	view := views.AuditView{Nav: adminNav(v, views.AdminAudit), Actor: strings.TrimSpace(q.Get("actor")), Target: strings.TrimSpace(q.Get("target")), Errors: views.FieldErrors{}}
	for key, val := range map[string]string{"actor": view.Actor, "target": view.Target} {
		if validText(val, 0, 100) != nil {
			view.Errors[key] = "Use at most 100 characters, without line breaks."
		}
	}
	page := PageFor(r, "Audit log", views.NavAdmin)
	if len(view.Errors) > 0 {
		return Render(w, r, http.StatusBadRequest, views.AuditPage(page, view))
	}
	entries, err := a.audit.Recent(r.Context(), audit.Filter{Actor: view.Actor, Target: view.Target, Limit: auditPageLimit})
	if err != nil {
		ScopeFrom(r.Context()).Note("audit_read", "failed")
		view.Err = &views.Alert{Kind: "error", Title: "The audit log could not be read", Text: "Gatehouse could not reach its audit store. Please try again in a minute.", RequestID: RequestID(r.Context())}
		return Render(w, r, http.StatusServiceUnavailable, views.AuditPage(page, view))
	}
	view.Rows = auditRows(entries)
	return Render(w, r, http.StatusOK, views.AuditPage(page, view))
}
