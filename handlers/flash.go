package handlers

import (
	"context"
	"net/http"
	"strings"
)

// Flashes are one-time, server-side messages for the page after a redirect (SECURITY.md 54):
// the success banner of a state-changing form is decided by the handler that did the work,
// never by a query string anyone can put in a link. Their values are fixed words.
const (
	flashSignedOutEverywhere = "signed-out-everywhere"
	flashOthersSignedOut     = "others-signed-out"
	flashDonePrefix          = "done:" // + action key + ":" + the person's id
	// flashUnrecordedPrefix is a done flash whose audit record could not be stored
	// (audit.ErrNotRecorded): the page after the redirect says so instead of a clean success.
	flashUnrecordedPrefix = "unrecorded:" // + action key + ":" + the person's id
)

// setFlash leaves msg for this browser's next page. The action it reports has happened
// already, so a store failure loses only the banner; it is noted for the log.
func setFlash(ctx context.Context, store Flashes, w http.ResponseWriter, msg string) {
	if err := store.SetFlash(ctx, w, msg); err != nil {
		ScopeFrom(ctx).Note("flash", "not stored")
	}
}

// takeFlash returns the browser's flash, once, or "".
func takeFlash(store Flashes, w http.ResponseWriter, r *http.Request) string {
	msg, err := store.TakeFlash(r.Context(), w, r)
	if err != nil {
		ScopeFrom(r.Context()).Note("flash", "unreadable")
		return ""
	}
	return msg
}

// doneFlash is the flash of a successful admin action (or "create") on a person.
func doneFlash(action, userID string) string { return flashDonePrefix + action + ":" + userID }

// doneFlashOf is doneFlash, or its unrecorded form when recErr says the audit record failed.
func doneFlashOf(action, userID string, recErr error) string {
	if recErr != nil {
		return flashUnrecordedPrefix + action + ":" + userID
	}
	return doneFlash(action, userID)
}

// doneFor returns the action a done flash reports for the person userID, or "", and whether
// its audit record could not be stored.
func doneFor(flash, userID string) (action string, unrecorded bool) {
	rest, ok := strings.CutPrefix(flash, flashDonePrefix)
	if !ok {
		if rest, ok = strings.CutPrefix(flash, flashUnrecordedPrefix); !ok {
			return "", false
		}
		unrecorded = true
	}
	action, id, ok := strings.Cut(rest, ":")
	if !ok || id != userID {
		return "", false
	}
	return action, unrecorded
}
