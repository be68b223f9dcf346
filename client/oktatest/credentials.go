package oktatest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

type valueJSON struct {
	Value *string `json:"value"`
}

type changePasswordBody struct {
	OldPassword    *valueJSON `json:"oldPassword"`
	NewPassword    *valueJSON `json:"newPassword"`
	RevokeSessions bool       `json:"revokeSessions"`
}

type changeRecoveryBody struct {
	Password         *valueJSON `json:"password"`
	RecoveryQuestion *struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
	} `json:"recovery_question"`
}

func (v *valueJSON) get() (string, bool) {
	if v == nil || v.Value == nil {
		return "", false
	}
	return *v.Value, true
}

// changePassword handles POST …/credentials/change_password?strict= (USERS-API.md §4.7).
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body changePasswordBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	strict, err := boolParam(r, "strict", false)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.refuseWhileTransitioning(u, now); err != nil {
		return err
	}
	// Unconfirmed (USERS-API.md §4.7): E0000035 for a disallowed status is
	// inferred from the code's name.
	switch u.status {
	case StatusStaged, StatusActive, StatusPasswordExpired, StatusRecovery:
	default:
		return apiError(http.StatusForbidden, codeChangePwNotAllow)
	}
	if !u.hasPassword {
		return apiError(http.StatusForbidden, codeChangePwNotAllow)
	}
	oldPW, okOld := body.OldPassword.get()
	newPW, okNew := body.NewPassword.get()
	var pr problems
	if !okOld || oldPW == "" {
		pr.add("oldPassword", "The field cannot be left blank")
	}
	if !okNew || newPW == "" {
		pr.add("newPassword", "The field cannot be left blank")
	}
	if err := pr.err(); err != nil {
		// Unconfirmed (USERS-API.md §4.7): chose 400 E0000001 for missing fields.
		return err
	}
	if !u.checkPassword(oldPW) {
		// A wrong current password counts toward the lockout like a failed
		// sign-in (docs/OKTA.md "Lockout", Unconfirmed).
		s.recordFailedPassword(u, now)
		return apiError(http.StatusForbidden, codeCredentials, "Old Password is not correct")
	}
	// Okta: a policy violation of the new password does not count toward the
	// lockout; a right current password resets the count.
	u.failedSign = 0
	if _, rule := s.policyFor(u); rule != nil && rule.passwordChange == accessDeny {
		// Unconfirmed: the rule's passwordChange DENY refuses the change; chose
		// 403 E0000035.
		return apiError(http.StatusForbidden, codeChangePwNotAllow)
	}
	if causes := s.passwordProblems(u, u.profile, newPW, passwordRules{history: true, minAge: strict}, now); len(causes) > 0 {
		return apiError(http.StatusForbidden, codeCredentials, causes...)
	}
	u.setPassword(newPW, now)
	u.failedSign = 0
	// Unconfirmed (USERS-API.md §5.2): PASSWORD_EXPIRED → ACTIVE is inferred.
	if u.status == StatusRecovery || u.status == StatusPasswordExpired {
		u.setStatus(StatusActive, now)
	}
	s.st.dropOneTimeTokens(u.id, ottReset, ottForgot)
	if body.RevokeSessions {
		keep := ""
		if c.bearer != nil {
			keep = c.bearer.sid
		}
		s.st.endSessions(u.id, keep)
	}
	writeJSON(w, http.StatusOK, credentialsOf(u))
	return nil
}

// changeRecoveryQuestion handles POST …/credentials/change_recovery_question (§4.8).
func (s *Server) changeRecoveryQuestion(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body changeRecoveryBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.refuseWhileTransitioning(u, now); err != nil {
		return err
	}
	// Unconfirmed (USERS-API.md §4.8): E0000036 for a disallowed status.
	switch u.status {
	case StatusStaged, StatusActive, StatusRecovery:
	default:
		return apiError(http.StatusForbidden, codeChangeRQNotAllow)
	}
	if !u.hasPassword {
		return apiError(http.StatusForbidden, codeChangeRQNotAllow)
	}
	pw, _ := body.Password.get()
	if !u.checkPassword(pw) {
		// Unconfirmed (USERS-API.md §4.8): by analogy with change_password,
		// also in counting toward the lockout.
		s.recordFailedPassword(u, now)
		return apiError(http.StatusForbidden, codeCredentials, "The credentials provided were incorrect.")
	}
	u.failedSign = 0
	var pr problems
	if body.RecoveryQuestion == nil {
		pr.add("recovery_question", "The field cannot be left blank")
	} else {
		checkRecovery(body.RecoveryQuestion.Question, body.RecoveryQuestion.Answer, s.answerMinFor(u), &pr)
	}
	if err := pr.err(); err != nil {
		return err
	}
	u.setRecovery(strings.TrimSpace(body.RecoveryQuestion.Question), body.RecoveryQuestion.Answer, now)
	writeJSON(w, http.StatusOK, credentialsOf(u))
	return nil
}

// forgotPasswordAllowed applies Okta's rules for forgot_password to u
// (docs/OKTA.md "Identity Engine recovery"): an ACTIVE person with a password
// whose policy rule allows self-service reset; on a Classic org they also need
// a recovery question (and the question factor must be on), on an Identity
// Engine org the email authenticator is enough. s.mu must be held.
func (s *Server) forgotPasswordAllowed(u *user) error {
	if u.status != StatusActive || !u.hasPassword {
		return apiError(http.StatusForbidden, codeForgotNotAllowed)
	}
	p, rule := s.policyFor(u)
	if rule == nil || rule.selfServiceReset != accessAllow {
		return apiError(http.StatusForbidden, codeForgotNotAllowed)
	}
	if s.cfg.IdentityEngine {
		email := p.recovery.EmailActive
		if len(rule.resetMethods) > 0 {
			email = slices.Contains(rule.resetMethods, "email")
		}
		if email && u.email() != "" && (!rule.stepUpQuestion || u.question != "") {
			return nil
		}
		return apiError(http.StatusForbidden, codeForgotNotAllowed)
	}
	if u.question == "" || !p.recovery.QuestionActive {
		return apiError(http.StatusForbidden, codeForgotNotAllowed)
	}
	return nil
}

// forgotPassword handles POST …/credentials/forgot_password?sendEmail= (§4.9).
func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	sendEmail, err := boolParam(r, "sendEmail", true)
	if err != nil {
		return err
	}
	return s.lifecycleOp(w, c, func(u *user, now time.Time, pending *[]Email) (any, error) {
		if err := s.forgotPasswordAllowed(u); err != nil {
			return nil, err
		}
		if !sendEmail {
			tok := s.newOneTimeToken(u, ottForgot, now)
			return map[string]string{"resetPasswordUrl": s.ottURL(ottForgot, tok)}, nil
		}
		*pending = append(*pending, s.issueEmail(u, ottForgot, EmailForgotPassword, now))
		return emptyJSON{}, nil
	})
}
