package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gatehouse/client"
	"gatehouse/views"
)

// maxBulk is how many people one bulk action may select.
const maxBulk = 50

// flashBulkNoneSelected brings the list back after "Preview…" with nobody selected.
const flashBulkNoneSelected = "bulk-none-selected"

const notRunBusy = "Not run: Okta is busy — try again in a minute."

// readBulk reads the action and the selected people of a bulk form.
func readBulk(r *http.Request, v Viewer) (Action, []string, error) {
	act, ok := ActionByKey(field(r, "action"))
	if !ok || !act.Bulk {
		return Action{}, nil, badRequest("Choose one of the actions in the list.")
	}
	if !act.AllowedFor(v) {
		return Action{}, nil, Forbidden(MsgNeedsAdmin)
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range r.PostForm["id"] {
		if !validUserID(id) {
			return Action{}, nil, badRequest("One of the selected people is not valid. Go back and select them again.")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return Action{}, nil, badRequest("Select at least one person in the results first.")
	case len(ids) > maxBulk:
		return Action{}, nil, badRequest("Select at most 50 people at a time.")
	}
	return act, ids, nil
}

// runBounded calls fn(i) for every i in [0, n), in order, with at most limit calls in flight.
// Before starting each call it asks stop; once stop says so (or ctx ends), no further call
// starts and skipped(i) is called for each remaining i instead.
func runBounded(ctx context.Context, n, limit int, stop func() bool, fn, skipped func(i int)) {
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < n; j++ {
				skipped(j)
			}
			wg.Wait()
			return
		}
		// Checked after a slot frees up, so a call that just hit Okta's limit is seen.
		if stop() {
			<-sem
			for j := i; j < n; j++ {
				skipped(j)
			}
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// bulkRow describes a loaded person for the bulk tables.
func bulkRow(u client.User) views.BulkRow {
	return views.BulkRow{ID: u.ID, Name: userName(u), Login: u.Profile.Login, Status: string(u.Status)}
}

// check says whether the bulk action applies to u for viewer v, and why not.
func bulkCheck(ctx context.Context, v Viewer, act Action, u client.User) (bool, string) {
	if u.ID == v.UserID {
		return false, "This is your own account; bulk actions never change it."
	}
	return act.Applies(ctx, u)
}

// preview loads each person (bounded concurrency) and says whether the action applies.
func (a *Admin) preview(ctx context.Context, v Viewer, act Action, ids []string) views.BulkView {
	rows := make([]views.BulkRow, len(ids))
	var busy atomic.Bool
	runBounded(ctx, len(ids), bulkConcurrency, busy.Load, func(i int) {
		u, err := a.okta.GetUser(ctx, ids[i])
		if err != nil {
			if errors.Is(err, client.ErrRateLimited) {
				busy.Store(true)
			}
			rows[i] = views.BulkRow{ID: ids[i], Outcome: views.BulkSkipped, Text: "Could not be loaded: " + Classify(err).Msg}
			return
		}
		rows[i] = bulkRow(u)
		if ok, why := bulkCheck(ctx, v, act, u); !ok {
			rows[i].Outcome, rows[i].Text = views.BulkSkipped, why
		} else if vd := a.opts.Protect.MayAct(ctx, v, u); !vd.Allowed {
			rows[i].Outcome, rows[i].Text = views.BulkSkipped, vd.Reason
		} else {
			rows[i].Outcome = views.BulkApplies
		}
	}, func(i int) {
		rows[i] = views.BulkRow{ID: ids[i], Outcome: views.BulkSkipped, Text: "Could not be loaded: Okta is busy — try again in a minute."}
	})
	view := views.BulkView{Nav: adminNav(v, views.AdminPeople), Action: act.Key, ActionLabel: act.Label(ctx), Rows: rows, Destructive: act.Destructive, Errors: views.FieldErrors{}}
	for _, row := range rows {
		if row.Outcome == views.BulkApplies {
			view.RunIDs = append(view.RunIDs, row.ID)
		}
	}
	view.Summary = "It applies to " + strconv.Itoa(len(view.RunIDs)) + " of the " + people(len(ids)) + " selected. " + bulkConsequence(act)
	if NeedsStepUp(v, a.opts.Now(), a.opts.StepUpAge, a.opts.StepUpACR) {
		view.ReauthURL = reauthURL("/admin/users")
	}
	return view
}

// people counts people in words: "1 person", "3 people".
func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}

// bulkConsequence says what the bulk action does, without naming anyone.
func bulkConsequence(act Action) string {
	switch act.Key {
	case actionUnlock:
		return "Each person can sign in again with their existing password."
	case actionResetPassword:
		return "Each person's password stops working, their sessions end, and Okta emails them a reset link."
	case actionClearSessions:
		return "Each person is signed out of Okta and Gatehouse everywhere."
	case actionSuspend:
		return "Each person can no longer sign in until unsuspended, and their sessions end."
	case actionUnsuspend:
		return "Each person can sign in again."
	}
	return ""
}

// BulkPreview handles POST /admin/bulk/preview: for each selected person, whether the chosen
// action applies and why not. Nothing changes.
func (a *Admin) BulkPreview(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if len(r.PostForm["id"]) == 0 {
		// A simple slip: back to the same list, search kept, with the reason above it.
		back := userQuery{Q: strings.TrimSpace(field(r, "q")), Status: client.Status(field(r, "status"))}
		if validText(back.Q, 0, 100) != nil || (back.Status != "" && !back.Status.Valid()) {
			back = userQuery{}
		}
		setFlash(r.Context(), a.sessions, w, flashBulkNoneSelected)
		redirect(w, r, back.url("", nil))
		return nil
	}
	act, ids, err := readBulk(r, v)
	if err != nil {
		return err
	}
	view := a.preview(r.Context(), v, act, ids)
	return Render(w, r, http.StatusOK, views.BulkPage(PageFor(r, act.Label(r.Context())+": preview", views.NavAdmin), view))
}

// BulkRun handles POST /admin/bulk/run. It re-checks each person, never touches the viewer's
// own account, keeps at most BulkConcurrency Okta calls in flight, and stops starting new ones
// once Okta answers 429 or its remaining budget is nearly spent; the rest are reported as not
// run. Every person acted on gets one audit entry.
func (a *Admin) BulkRun(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return badRequest("Please confirm first: use the button on the preview page.")
	}
	act, ids, err := readBulk(r, v)
	if err != nil {
		return err
	}
	ctx := r.Context()
	reason := field(r, "reason")
	if reason == "" || validText(reason, 1, maxReason) != nil {
		view := a.preview(ctx, v, act, ids)
		view.Reason = reason
		view.Errors["reason"] = "Enter a reason or a ticket number (at most 200 characters). It goes into the audit log."
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, msgNothingChangedYet), Text: tr(ctx, msgFixOne)}
		return Render(w, r, http.StatusUnprocessableEntity, views.BulkPage(PageFor(r, act.Label(ctx)+": preview", views.NavAdmin), view))
	}
	ScopeFrom(ctx).Note("admin_action", "bulk-"+act.Key)
	ScopeFrom(ctx).Note("bulk_size", len(ids))

	rows := make([]views.BulkRow, len(ids))
	var stopped atomic.Bool
	busy := func() bool { return stopped.Load() || a.oktaBudgetLow() }
	runBounded(ctx, len(ids), bulkConcurrency, busy, func(i int) {
		rows[i] = a.bulkOne(ctx, v, act, ids[i], reason, &stopped)
	}, func(i int) {
		rows[i] = views.BulkRow{ID: ids[i], Outcome: views.BulkNotRun, Text: notRunBusy}
	})

	counts := map[string]int{}
	for _, row := range rows {
		counts[row.Outcome]++
	}
	view := views.BulkView{Nav: adminNav(v, views.AdminPeople), Action: act.Key, ActionLabel: act.Label(ctx), Rows: rows, Done: true}
	view.Summary = "Done for " + strconv.Itoa(counts[views.BulkDone]) + " of the " + people(len(ids)) + " selected."
	if n := counts[views.BulkSkipped]; n > 0 {
		view.Summary += " " + strconv.Itoa(n) + " did not apply."
	}
	if n := counts[views.BulkFailed]; n > 0 {
		view.Summary += " " + strconv.Itoa(n) + " failed."
	}
	if n := counts[views.BulkNotRun]; n > 0 {
		view.Alert = &views.Alert{Kind: "warning", Title: "Okta is busy", Text: "Okta asked Gatehouse to slow down, so " + people(n) + " could not be done. Wait a minute, then select them again."}
	}
	// Post/redirect/get: the results page is a GET, so a reload shows them (once) instead of
	// running the action again.
	if a.leaveResult(ctx, w, flashBulkResult, oneTimeResult{Bulk: &view}) {
		redirect(w, r, bulkResultPath)
		return nil
	}
	return Render(w, r, http.StatusOK, views.BulkPage(PageFor(r, act.Label(ctx)+": results", views.NavAdmin), view))
}

// bulkResultPath is where a bulk run redirects to show its results.
const bulkResultPath = "/admin/bulk/result"

// BulkResult handles GET /admin/bulk/result: the results a bulk run just left, once. A reload
// (or a visit later) finds them gone and says where what was done is recorded.
func (a *Admin) BulkResult(w http.ResponseWriter, r *http.Request) error {
	v, err := staff(r)
	if err != nil {
		return err
	}
	msg, res := a.takeResult(w, r)
	nav := adminNav(v, views.AdminPeople)
	if msg != flashBulkResult || res.Bulk == nil {
		return Render(w, r, http.StatusOK, views.BulkResultGone(PageFor(r, "Bulk action", views.NavAdmin), nav))
	}
	view := *res.Bulk
	view.Nav, view.Done = nav, true
	return Render(w, r, http.StatusOK, views.BulkPage(PageFor(r, view.ActionLabel+": results", views.NavAdmin), view))
}

// oktaBudgetLow reports whether Okta's remaining rate-limit budget, as its last answer gave
// it, is nearly spent: a bulk run then stops starting calls rather than drain the org's limit.
func (a *Admin) oktaBudgetLow() bool {
	rl := a.okta.RateLimit()
	return rl.Known && rl.Remaining <= bulkMinRemaining
}

// bulkOne re-checks one person and, when the action applies, takes it.
func (a *Admin) bulkOne(ctx context.Context, v Viewer, act Action, id, reason string, stopped *atomic.Bool) views.BulkRow {
	u, err := a.okta.GetUser(ctx, id)
	if err != nil {
		if errors.Is(err, client.ErrRateLimited) {
			stopped.Store(true)
			return views.BulkRow{ID: id, Outcome: views.BulkNotRun, Text: notRunBusy}
		}
		return views.BulkRow{ID: id, Outcome: views.BulkFailed, Text: "Could not be loaded: " + Classify(err).Msg}
	}
	row := bulkRow(u)
	if ok, why := bulkCheck(ctx, v, act, u); !ok {
		row.Outcome, row.Text = views.BulkSkipped, why
		return row
	}
	// Checked again row by row at run time: the preview may be stale, and the form can be
	// forged.
	if vd := a.opts.Protect.MayAct(ctx, v, u); !vd.Allowed {
		a.denied(ctx, v, u, act.Key, reason, "bulk: "+vd.Detail)
		row.Outcome, row.Text = views.BulkSkipped, vd.Reason
		return row
	}
	if stopped.Load() {
		row.Outcome, row.Text = views.BulkNotRun, notRunBusy
		return row
	}
	out, err := a.perform(ctx, act, u, actionInput{Reason: reason, Delivery: deliverEmail})
	if err != nil {
		a.failed(ctx, v, u, act.Key, reason, "bulk", err)
		if errors.Is(err, client.ErrRateLimited) {
			stopped.Store(true)
			row.Outcome, row.Text = views.BulkNotRun, notRunBusy
			return row
		}
		row.Outcome, row.Text = views.BulkFailed, Classify(a.actionFailure(ctx, act, u, err)).Msg
		return row
	}
	recErr := a.succeeded(ctx, v, u, act.Key, reason, "bulk", out.receipt)
	row.Outcome, row.Text = views.BulkDone, act.Done(ctx, u)+a.afterSuccess(ctx, act, u)+notRecorded(ctx, recErr)
	if s := bulkResultStatus(act); s != "" {
		row.Status = string(s)
	}
	return row
}

// bulkResultStatus is the status a bulk action leaves the person in (USERS-API.md §5.2), or ""
// when it does not change it.
func bulkResultStatus(act Action) client.Status {
	switch act.Key {
	case actionUnlock, actionUnsuspend:
		return client.StatusActive
	case actionSuspend:
		return client.StatusSuspended
	case actionResetPassword:
		return client.StatusRecovery
	}
	return ""
}
