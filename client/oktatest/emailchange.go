package oktatest

import (
	"net/http"
	"strings"
	"time"
)

// A person changing their own primary or secondary email address (Okta's updateUser: "if
// the user tries to update the primary or the secondary email IDs, verification emails are
// sent to those email IDs, and the fields are updated only upon verification"). The
// request answers 200 with the old address still in the profile; the new address gets a
// link whose page makes the change. An admin's change applies at once.

const (
	ottEmailChange = "email_change"
	// EmailChangeVerification is the outbox kind of the verification of a new address.
	EmailChangeVerification = "email_change"
	// emailChangeTTL is how long the link works (Unconfirmed: Okta does not say).
	emailChangeTTL = 24 * time.Hour
)

// emailAttributes are the profile attributes whose change by the person needs verification.
func emailAttributes() []string { return []string{"email", "secondEmail"} }

// deferEmailChanges takes a person's own changes of email addresses out of the profile
// about to be saved and sends a verification link for each. s.mu must be held.
func (s *Server) deferEmailChanges(u *user, requested, profile map[string]any, now time.Time) []Email {
	var pending []Email
	for _, attr := range emailAttributes() {
		v, ok := requested[attr].(string)
		if !ok || strings.EqualFold(v, profileString(u.profile, attr)) {
			continue
		}
		if old, had := u.profile[attr]; had {
			profile[attr] = old
		} else {
			delete(profile, attr)
		}
		tok := randomString(20)
		s.st.otts[tokenKey(tok)] = &oneTimeToken{kind: ottEmailChange, userID: u.id, expires: now.Add(emailChangeTTL), attr: attr, value: v}
		e := Email{To: v, Kind: EmailChangeVerification, Link: s.abs("/verify_email/" + tok), Time: now}
		s.st.emails = append(s.st.emails, e)
		pending = append(pending, e)
	}
	return pending
}

// handleVerifyEmail serves GET/POST /verify_email/{token}: the page of the verification
// link; confirming it changes the address.
func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := r.PathValue("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	t, u := s.oneTimeLink(tok, ottEmailChange)
	if t == nil || u == nil || u.status == StatusDeprovisioned {
		s.renderError(w, http.StatusNotFound, "This verification link is not valid or has expired.")
		return
	}
	title := "Verify your email address"
	if r.Method == http.MethodGet {
		s.renderPage(w, http.StatusOK, page{Kind: "confirm", Title: title, Action: strings.TrimSuffix(r.URL.Path, "/"),
			Message: "Confirm " + t.value + " as the " + emailLabel(t.attr) + " of " + u.login() + "."})
		return
	}
	now := s.now()
	u.profile[t.attr] = t.value
	u.lastUpdated = now
	delete(s.st.otts, tokenKey(tok))
	s.renderPage(w, http.StatusOK, page{Kind: "message", Title: title, Message: "Your " + emailLabel(t.attr) + " is now " + t.value + "."})
}

func emailLabel(attr string) string {
	if attr == "secondEmail" {
		return "secondary email address"
	}
	return "primary email address"
}
