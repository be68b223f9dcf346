package views

import "context"

// statusWords are the catalog messages of an Okta user status: its label (a badge, a list of
// choices), the same words inside a sentence ("Alice's account is locked out") and what the
// status means for the person and the helpdesk. ok is false for a status Gatehouse does not
// know, which is then shown as Okta names it.
func statusWords(status string) (label, phrase, explain string, ok bool) {
	switch status {
	case "ACTIVE":
		return "status.active.label", "status.active.phrase", "status.active.explain", true
	case "STAGED":
		return "status.staged.label", "status.staged.phrase", "status.staged.explain", true
	case "PROVISIONED":
		return "status.provisioned.label", "status.provisioned.phrase", "status.provisioned.explain", true
	case "RECOVERY":
		return "status.recovery.label", "status.recovery.phrase", "status.recovery.explain", true
	case "LOCKED_OUT":
		return "status.locked_out.label", "status.locked_out.phrase", "status.locked_out.explain", true
	case "PASSWORD_EXPIRED":
		return "status.password_expired.label", "status.password_expired.phrase", "status.password_expired.explain", true
	case "SUSPENDED":
		return "status.suspended.label", "status.suspended.phrase", "status.suspended.explain", true
	case "DEPROVISIONED":
		return "status.deprovisioned.label", "status.deprovisioned.phrase", "status.deprovisioned.explain", true
	case "":
		return "status.unknown.label", "status.unknown.phrase", "status.unknown.explain", true
	}
	return "", "", "", false
}

// StatusLabel turns an Okta user status into the words people see, in the request's language.
func StatusLabel(ctx context.Context, status string) string {
	if label, _, _, ok := statusWords(status); ok {
		return T(ctx, label)
	}
	return status
}

// StatusPhraseID is the catalog message of a status inside a sentence ("locked out"), or ""
// for a status Gatehouse does not know (say Okta's name for it then).
func StatusPhraseID(status string) string {
	_, phrase, _, _ := statusWords(status)
	return phrase
}

// statusExplanation says in plain words what a status means for the person and the helpdesk.
func statusExplanation(ctx context.Context, status string) string {
	if _, _, explain, ok := statusWords(status); ok && status != "" {
		return T(ctx, explain)
	}
	return T(ctx, "status.unknown.explain")
}

// statusTone picks the badge colour family; the label always carries the meaning.
func statusTone(status string) string {
	switch status {
	case "ACTIVE":
		return "ok"
	case "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED":
		return "bad"
	case "PASSWORD_EXPIRED", "RECOVERY", "PROVISIONED":
		return "warn"
	}
	return "neutral"
}
