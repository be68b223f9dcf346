package handlers

import (
	"context"
	"net/http"
	"regexp"
	"strconv"

	"gatehouse/client"
	"gatehouse/views"
	"gatehouse/web/audit"
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
		row := views.SessionRow{Handle: si.Handle, Device: si.Device, IP: si.IP, Current: si.Current}
		if !si.Known {
			row.Device = "Unknown (signed in before this list existed)"
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

func sessionsNotice(flash string) *views.Alert {
	switch {
	case flash == flashSessionEnded:
		return &views.Alert{Kind: "success", Title: "The session has ended", Text: "That browser is signed out of Gatehouse."}
	case flash == flashSessionGone:
		return &views.Alert{Kind: "info", Title: "That session had already ended"}
	case len(flash) > len(flashOthersEnded) && flash[:len(flashOthersEnded)] == flashOthersEnded:
		n, _ := strconv.Atoi(flash[len(flashOthersEnded):])
		return &views.Alert{Kind: "success", Title: "Your other sessions have ended", Text: "Signed out: " + strconv.Itoa(n) + ". You are still signed in here."}
	}
	return nil
}

// Sessions handles GET /sessions.
func (s *SelfService) Sessions(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	view := views.SessionsView{Notice: sessionsNotice(takeFlash(s.sessions, w, r))}
	rows, err := s.sessionRows(r.Context(), v)
	if err != nil {
		view.LoadErr = &views.Alert{Kind: "error", Title: "Your sessions could not be loaded", Text: "Gatehouse could not read its session store. Please try again in a minute.", RequestID: RequestID(r.Context())}
		ScopeFrom(r.Context()).Note("sessions_list", "failed")
	} else {
		view.Sessions = rows
	}
	return Render(w, r, http.StatusOK, views.SessionsPage(PageFor(r, "Where you're signed in", views.NavSessions), view))
}

// sessionFor finds the person's session a path names.
func (s *SelfService) sessionFor(ctx context.Context, v Viewer, handle string) (views.SessionRow, error) {
	if !sessionHandle.MatchString(handle) {
		return views.SessionRow{}, NotFound("There is no such session.")
	}
	rows, err := s.sessionRows(ctx, v)
	if err != nil {
		return views.SessionRow{}, Unavailable("Gatehouse could not read its session store. Please try again in a minute.", err)
	}
	for _, row := range rows {
		if row.Handle == handle {
			return row, nil
		}
	}
	return views.SessionRow{}, NotFound("This session has already ended.")
}

// EndSessionForm handles GET /sessions/{handle}/end: the confirmation.
func (s *SelfService) EndSessionForm(w http.ResponseWriter, r *http.Request) error {
	v, err := requireViewer(r)
	if err != nil {
		return err
	}
	row, err := s.sessionFor(r.Context(), v, r.PathValue("handle"))
	if err != nil {
		return err
	}
	if row.Current {
		return badRequest("This is the session you are using. To end it, sign out.")
	}
	return Render(w, r, http.StatusOK, views.EndSessionPage(PageFor(r, "End a session", views.NavSessions), views.EndSessionView{Session: &row}))
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
		return NotFound("There is no such session.")
	}
	ended, err := s.sessions.EndSession(ctx, v.UserID, handle)
	if err != nil {
		return Unavailable("Gatehouse could not end the session. Please try again.", err)
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
	rows, err := s.sessionRows(r.Context(), v)
	if err != nil {
		return Unavailable("Gatehouse could not read its session store. Please try again in a minute.", err)
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
	return Render(w, r, http.StatusOK, views.EndSessionPage(PageFor(r, "End other sessions", views.NavSessions), views.EndSessionView{Others: others}))
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
		return Unavailable("Gatehouse could not end your other sessions. Please try again.", err)
	}
	ScopeFrom(ctx).Note("sessions_ended", n)
	s.recordDetail(ctx, v, "self.end-other-sessions", audit.ResultSuccess, client.Receipt{}, nil, strconv.Itoa(n)+" sessions")
	setFlash(ctx, s.sessions, w, flashOthersEnded+strconv.Itoa(n))
	redirect(w, r, "/sessions")
	return nil
}
