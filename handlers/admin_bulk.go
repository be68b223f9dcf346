package handlers

import (
	"context"
	"errors"
	"net/http"
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

// readBulk reads the action and the selected people of a bulk form.
func readBulk(r *http.Request, v Viewer) (Action, []string, error) {
	act, ok := ActionByKey(field(r, "action"))
	if !ok || !act.Bulk {
		return Action{}, nil, badRequest("bulk.choose_action")
	}
	if !act.AllowedFor(v) {
		return Action{}, nil, Forbidden(MsgNeedsAdmin)
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range r.PostForm["id"] {
		if !validUserID(id) {
			return Action{}, nil, badRequest("bulk.bad_person")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return Action{}, nil, badRequest("bulk.select_one")
	case len(ids) > maxBulk:
		return Action{}, nil, badRequest("bulk.too_many")
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
		return false, tr(ctx, "bulk.own_account")
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
			rows[i] = views.BulkRow{ID: ids[i], Outcome: views.BulkSkipped, Text: notLoaded(ctx, err)}
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
		rows[i] = views.BulkRow{ID: ids[i], Outcome: views.BulkSkipped, Text: tr(ctx, "bulk.not_loaded_busy")}
	})
	view := views.BulkView{Nav: adminNav(v, views.AdminPeople), Action: act.Key, ActionLabel: act.Label(ctx), Rows: rows, Destructive: act.Destructive, Errors: views.FieldErrors{}}
	for _, row := range rows {
		if row.Outcome == views.BulkApplies {
			view.RunIDs = append(view.RunIDs, row.ID)
		}
	}
	view.Summary = sentences(ctx,
		views.LocaleFrom(ctx).Tnf("bulk.applies_to", len(ids), map[string]any{"Applies": len(view.RunIDs)}),
		bulkConsequence(ctx, act))
	if NeedsStepUp(v, a.opts.Now(), a.opts.StepUpAge, a.opts.StepUpACR) {
		view.ReauthURL = reauthURL("/admin/users")
	}
	return view
}

// notLoaded is a bulk row's words for a person Okta did not return.
func notLoaded(ctx context.Context, err error) string {
	_, why := Classify(err).Words(views.LocaleFrom(ctx))
	return trf(ctx, "bulk.not_loaded", map[string]any{"Reason": why})
}

// sentences puts whole sentences side by side as the language does (a space between them,
// none in Japanese), skipping empty ones.
func sentences(ctx context.Context, parts ...string) string {
	out := ""
	for _, p := range parts {
		switch {
		case p == "":
		case out == "":
			out = p
		default:
			out = trf(ctx, "bulk.sentences", map[string]any{"First": out, "Second": p})
		}
	}
	return out
}

// bulkConsequence says what the bulk action does, without naming anyone.
func bulkConsequence(ctx context.Context, act Action) string {
	switch act.Key {
	case actionUnlock:
		return tr(ctx, "bulk.consequence_unlock")
	case actionResetPassword:
		return tr(ctx, "bulk.consequence_reset_password")
	case actionClearSessions:
		return tr(ctx, "bulk.consequence_clear_sessions")
	case actionSuspend:
		return tr(ctx, "bulk.consequence_suspend")
	case actionUnsuspend:
		return tr(ctx, "bulk.consequence_unsuspend")
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
	ctx := r.Context()
	view := a.preview(ctx, v, act, ids)
	return Render(w, r, http.StatusOK, views.BulkPage(PageFor(r, bulkTitle(ctx, "bulk.preview_title", view.ActionLabel), views.NavAdmin), view))
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
		return badRequest("bulk.confirm_first")
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
		view.Errors["reason"] = tr(ctx, "bulk.reason_required")
		view.Alert = &views.Alert{Kind: "error", Title: tr(ctx, msgNothingChangedYet), Text: tr(ctx, msgFixOne)}
		return Render(w, r, http.StatusUnprocessableEntity, views.BulkPage(PageFor(r, bulkTitle(ctx, "bulk.preview_title", view.ActionLabel), views.NavAdmin), view))
	}
	ScopeFrom(ctx).Note("admin_action", "bulk-"+act.Key)
	ScopeFrom(ctx).Note("bulk_size", len(ids))

	rows := make([]views.BulkRow, len(ids))
	var stopped atomic.Bool
	busy := func() bool { return stopped.Load() || a.oktaBudgetLow() }
	runBounded(ctx, len(ids), bulkConcurrency, busy, func(i int) {
		rows[i] = a.bulkOne(ctx, v, act, ids[i], reason, &stopped)
	}, func(i int) {
		rows[i] = views.BulkRow{ID: ids[i], Outcome: views.BulkNotRun, Text: tr(ctx, "bulk.not_run_busy")}
	})

	counts := map[string]int{}
	for _, row := range rows {
		counts[row.Outcome]++
	}
	view := views.BulkView{Nav: adminNav(v, views.AdminPeople), Action: act.Key, ActionLabel: act.Label(ctx), Rows: rows, Done: true}
	loc := views.LocaleFrom(ctx)
	summary := []string{loc.Tnf("bulk.done_for", len(ids), map[string]any{"Done": counts[views.BulkDone]})}
	if n := counts[views.BulkSkipped]; n > 0 {
		summary = append(summary, trn(ctx, "bulk.skipped", n))
	}
	if n := counts[views.BulkFailed]; n > 0 {
		summary = append(summary, trn(ctx, "bulk.failed", n))
	}
	view.Summary = sentences(ctx, summary...)
	if n := counts[views.BulkNotRun]; n > 0 {
		view.Alert = &views.Alert{Kind: "warning", Title: tr(ctx, "error.okta_busy.title"), Text: trn(ctx, "bulk.busy", n)}
	}
	// Post/redirect/get: the results page is a GET, so a reload shows them (once) instead of
	// running the action again.
	if a.leaveResult(ctx, w, flashBulkResult, oneTimeResult{Bulk: &view}) {
		redirect(w, r, bulkResultPath)
		return nil
	}
	return Render(w, r, http.StatusOK, views.BulkPage(PageFor(r, bulkTitle(ctx, "bulk.results_title", view.ActionLabel), views.NavAdmin), view))
}

// bulkTitle is the page title of a bulk preview or results page, naming the action.
func bulkTitle(ctx context.Context, id, action string) string {
	return trf(ctx, id, map[string]any{"Action": action})
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
		return Render(w, r, http.StatusOK, views.BulkResultGone(PageFor(r, tr(r.Context(), "bulk.gone_title"), views.NavAdmin), nav))
	}
	view := *res.Bulk
	view.Nav, view.Done = nav, true
	return Render(w, r, http.StatusOK, views.BulkPage(PageFor(r, bulkTitle(r.Context(), "bulk.results_title", view.ActionLabel), views.NavAdmin), view))
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
			return views.BulkRow{ID: id, Outcome: views.BulkNotRun, Text: tr(ctx, "bulk.not_run_busy")}
		}
		return views.BulkRow{ID: id, Outcome: views.BulkFailed, Text: notLoaded(ctx, err)}
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
		row.Outcome, row.Text = views.BulkNotRun, tr(ctx, "bulk.not_run_busy")
		return row
	}
	out, err := a.perform(ctx, act, u, actionInput{Reason: reason, Delivery: deliverEmail})
	if err != nil {
		a.failed(ctx, v, u, act.Key, reason, "bulk", err)
		if errors.Is(err, client.ErrRateLimited) {
			stopped.Store(true)
			row.Outcome, row.Text = views.BulkNotRun, tr(ctx, "bulk.not_run_busy")
			return row
		}
		_, why := Classify(a.actionFailure(ctx, act, u, err)).Words(views.LocaleFrom(ctx))
		row.Outcome, row.Text = views.BulkFailed, why
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
