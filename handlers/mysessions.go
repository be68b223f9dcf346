package handlers

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
	"gatehouse/web/session"
)

// The person's own Gatehouse sessions (/sessions), from the session store's per-user index
// (SessionList): ending one deletes its record, so it stops working at once on every
// instance. Okta's sessions are "sign out everywhere"'s business, not this page's.

// Flashes of /sessions.
const (
	flashSessionEnded = "session-ended"
	flashSessionGone  = "session-gone"
	flashOthersEnded  = "sessions-others-ended:" // + how many
)

// sessionHandle is the shape of a session handle (session.Summary.Handle).
var sessionHandle = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func (s *SelfService) sessionRows(ctx context.Context, v Viewer) ([]views.SessionRow, error) {
	list, err := s.sessions.ListSessions(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	rows := make([]views.SessionRow, 0, len(list))
	for _, si := range list {
		row := views.SessionRow{Handle: si.Handle, Device: deviceWords(ctx, si.Device), IP: si.IP, Current: si.Current}
		if !si.Known {
			row.Device = tr(ctx, "device.unknown")
		}
		if !si.Created.IsZero() {
			row.SignedIn = formatTime(views.LocaleFrom(ctx), &si.Created, now)
		}
		if !si.LastSeen.IsZero() {
			row.LastSeen = formatTime(views.LocaleFrom(ctx), &si.LastSeen, now)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// deviceWords says where a session was signed in from, in ctx's language: the browser's and
// system's names are names; the sentence around them is the catalog's ("Chrome on macOS",
// "Chrome unter macOS", "macOS 上の Chrome"). "" when nothing is known (the page shows a dash).
func deviceWords(ctx context.Context, d session.Device) string {
	switch {
	case d.Browser != "" && d.System != "":
		return trf(ctx, "device.browser_on_system", map[string]any{"Browser": d.Browser, "System": d.System})
	case d.Browser != "":
		return d.Browser
	case d.System != "":
		return trf(ctx, "device.a_browser_on", map[string]any{"System": d.System})
	case d.Other:
		return tr(ctx, "device.another_program")
	}
	return ""
}

func sessionsNotice(ctx context.Context, flash string) *views.Alert {
	switch {
	case flash == flashSessionEnded:
		return &views.Alert{Kind: "success", Title: tr(ctx, "sessions.ended_title"), Text: tr(ctx, "sessions.ended_text")}
	case flash == flashSessionGone:
		return &views.Alert{Kind: "info", Title: tr(ctx, "sessions.gone_title")}
	case strings.HasPrefix(flash, flashOthersEnded):
		n, _ := strconv.Atoi(strings.TrimPrefix(flash, flashOthersEnded))
		return &views.Alert{Kind: "success", Title: tr(ctx, "sessions.others_ended_title"), Text: trn(ctx, "sessions.others_ended_text", n)}
	}
	return nil
}

// Sessions handles GET /sessions.
func (s *SelfService) Sessions(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	view := views.SessionsView{Notice: sessionsNotice(ctx, takeFlash(s.sessions, w, r))}
	rows, err := s.sessionRows(ctx, v)
	if err != nil {
		view.LoadErr = &views.Alert{Kind: "error", Title: tr(ctx, "sessions.load_failed"), Text: tr(ctx, "sessions.store_failed"), RequestID: RequestID(ctx)}
		ScopeFrom(ctx).Note("sessions_list", "failed")
	} else {
		view.Sessions = rows
	}
	return Render(w, r, http.StatusOK, views.SessionsPage(PageFor(r, tr(ctx, "sessions.title"), views.NavSessions), view))
}

// sessionFor finds the person's session a path names.
func (s *SelfService) sessionFor(ctx context.Context, v Viewer, handle string) (views.SessionRow, error) {
	if !sessionHandle.MatchString(handle) {
		return views.SessionRow{}, NotFound("sessions.no_such")
	}
	rows, err := s.sessionRows(ctx, v)
	if err != nil {
		return views.SessionRow{}, Unavailable("sessions.store_failed", err)
	}
	for _, row := range rows {
		if row.Handle == handle {
			return row, nil
		}
	}
	return views.SessionRow{}, NotFound("sessions.already_ended")
}

// EndSessionForm handles GET /sessions/{handle}/end: the confirmation.
func (s *SelfService) EndSessionForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	row, err := s.sessionFor(ctx, v, r.PathValue("handle"))
	if err != nil {
		return err
	}
	if row.Current {
		return badRequest("sessions.is_current")
	}
	return Render(w, r, http.StatusOK, views.EndSessionPage(PageFor(r, tr(ctx, "sessions.end_page_title"), views.NavSessions), views.EndSessionView{Session: &row}))
}

// EndSession handles POST /sessions/{handle}/end: that session ends on every instance.
func (s *SelfService) EndSession(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	handle := r.PathValue("handle")
	if !sessionHandle.MatchString(handle) {
		return NotFound("sessions.no_such")
	}
	ended, err := s.sessions.EndSession(ctx, v.UserID, handle)
	if err != nil {
		return Unavailable("sessions.end_failed", err)
	}
	flash := flashSessionGone
	if ended {
		flash = flashSessionEnded
		ScopeFrom(ctx).Note("event", "session_ended")
		s.recordDetail(ctx, v, "self.end-session", audit.ResultSuccess, client.Receipt{}, nil, "1 session")
	}
	setFlash(ctx, s.sessions, w, flash)
	redirect(w, r, "/sessions")
	return nil
}

// EndOthersForm handles GET /sessions/end-others: the confirmation.
func (s *SelfService) EndOthersForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rows, err := s.sessionRows(ctx, v)
	if err != nil {
		return Unavailable("sessions.store_failed", err)
	}
	others := 0
	for _, row := range rows {
		if !row.Current {
			others++
		}
	}
	if others == 0 {
		redirect(w, r, "/sessions")
		return nil
	}
	return Render(w, r, http.StatusOK, views.EndSessionPage(PageFor(r, tr(ctx, "sessions.end_others_page_title"), views.NavSessions), views.EndSessionView{Others: others}))
}

// EndOthers handles POST /sessions/end-others: every other Gatehouse session of the person
// ends, on every instance (the same store call as "sign out everywhere", without Okta's).
func (s *SelfService) EndOthers(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	n, err := s.sessions.EndSessions(ctx, v.UserID, true)
	if err != nil {
		return Unavailable("sessions.end_others_failed", err)
	}
	ScopeFrom(ctx).Note("sessions_ended", n)
	s.recordDetail(ctx, v, "self.end-other-sessions", audit.ResultSuccess, client.Receipt{}, nil, strconv.Itoa(n)+" sessions")
	setFlash(ctx, s.sessions, w, flashOthersEnded+strconv.Itoa(n))
	redirect(w, r, "/sessions")
	return nil
}
