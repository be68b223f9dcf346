package handlers

import (
	"context"
	"encoding/json"
	"net/http"

	"gatehouse/client"
	"gatehouse/views"
)

// flashBulkResult is the flash of a finished bulk run; its data is the results table.
const flashBulkResult = "bulk-result"

// oneTimeResult is what a state-changing admin form leaves, server-side, for the page after
// its redirect (post/redirect/get): the success message, a one-time secret (an activation link,
// a temporary password) and a bulk run's rows. It is read once, so a reload of that page neither
// repeats the action nor shows the secret again.
type oneTimeResult struct {
	Alert  *views.Alert    `json:",omitempty"`
	Secret *views.Secret   `json:",omitempty"`
	Bulk   *views.BulkView `json:",omitempty"`
	// Activation is how a new person's activation went: activateEmail, activateLink or
	// activateStaged, for the words of the page after the redirect.
	Activation string `json:",omitempty"`
}

// activeNow reports whether Okta has the person active, or on the way there: an activation
// link is then not needed (a reactivated person who kept their password).
func activeNow(u client.User) bool {
	return u.Status == client.StatusActive || u.TransitioningToStatus == client.StatusActive
}

// leaveResult keeps res for the browser's next page under the flash msg. The action it reports
// has happened already: when the store fails, the caller renders res directly instead.
func (a *Admin) leaveResult(ctx context.Context, w http.ResponseWriter, msg string, res oneTimeResult) bool {
	data, err := json.Marshal(res)
	if err == nil {
		err = a.sessions.SetResult(ctx, w, msg, data)
	}
	if err != nil {
		ScopeFrom(ctx).Note("result", "not stored")
		return false
	}
	return true
}

// takeResult returns the browser's flash and the result it carries, once.
func (a *Admin) takeResult(w http.ResponseWriter, r *http.Request) (string, oneTimeResult) {
	msg, data, err := a.sessions.TakeResult(r.Context(), w, r)
	if err != nil {
		ScopeFrom(r.Context()).Note("flash", "unreadable")
		return "", oneTimeResult{}
	}
	var res oneTimeResult
	if len(data) > 0 && json.Unmarshal(data, &res) != nil {
		ScopeFrom(r.Context()).Note("flash", "undecodable")
		return msg, oneTimeResult{}
	}
	return msg, res
}
