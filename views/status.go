package views

// StatusLabel turns an Okta user status into the words people see.
func StatusLabel(status string) string {
	switch status {
	case "ACTIVE":
		return "Active"
	case "STAGED":
		return "Staged"
	case "PROVISIONED":
		return "Pending activation"
	case "RECOVERY":
		return "Password reset"
	case "LOCKED_OUT":
		return "Locked out"
	case "PASSWORD_EXPIRED":
		return "Password expired"
	case "SUSPENDED":
		return "Suspended"
	case "DEPROVISIONED":
		return "Deactivated"
	case "":
		return "Unknown"
	}
	return status
}

// statusExplanation says in plain words what a status means for the person and the helpdesk.
func statusExplanation(status string) string {
	switch status {
	case "ACTIVE":
		return "The account works normally: they can sign in and use their apps."
	case "STAGED":
		return "The account exists but has not been activated yet. They cannot sign in until it is activated."
	case "PROVISIONED":
		return "The account was activated but they have not finished setting it up (choosing a password from the activation email)."
	case "RECOVERY":
		return "A password reset is in progress. They cannot sign in with their old password; they need to follow the reset link."
	case "LOCKED_OUT":
		return "Too many wrong passwords locked the account. They cannot sign in until it is unlocked."
	case "PASSWORD_EXPIRED":
		return "Their password has expired. They will be asked to choose a new one the next time they sign in."
	case "SUSPENDED":
		return "The account is suspended: they cannot sign in, but their apps and groups are kept. Unsuspend to restore access."
	case "DEPROVISIONED":
		return "The account is deactivated: they cannot sign in and their app access has been removed."
	}
	return "Okta reported a status Gatehouse does not know."
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
