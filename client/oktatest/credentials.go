package oktatest

import (
	"net/http"
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
		return apiError(http.StatusForbidden, codeCredentials, "Old Password is not correct")
	}
	now := s.now()
	minAge := time.Duration(0)
	if strict {
		minAge = s.cfg.PasswordMinAge
	}
	if causes := passwordProblems(u, newPW, true, minAge, now); len(causes) > 0 {
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
		// Unconfirmed (USERS-API.md §4.8): by analogy with change_password.
		return apiError(http.StatusForbidden, codeCredentials, "The credentials provided were incorrect.")
	}
	var pr problems
	if body.RecoveryQuestion == nil {
		pr.add("recovery_question", "The field cannot be left blank")
	} else {
		checkRecovery(body.RecoveryQuestion.Question, body.RecoveryQuestion.Answer, &pr)
	}
	if err := pr.err(); err != nil {
		return err
	}
	u.setRecovery(strings.TrimSpace(body.RecoveryQuestion.Question), body.RecoveryQuestion.Answer, s.now())
	writeJSON(w, http.StatusOK, credentialsOf(u))
	return nil
}

// forgotPassword handles POST …/credentials/forgot_password?sendEmail= (§4.9).
func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	sendEmail, err := boolParam(r, "sendEmail", true)
	if err != nil {
		return err
	}
	return s.lifecycleOp(w, c, func(u *user, now time.Time, pending *[]Email) (any, error) {
		if u.status != StatusActive || u.question == "" || !u.hasPassword {
			return nil, apiError(http.StatusForbidden, codeForgotNotAllowed)
		}
		if !sendEmail {
			tok := s.newOneTimeToken(u, ottForgot, now)
			return map[string]string{"resetPasswordUrl": s.ottURL(ottForgot, tok)}, nil
		}
		*pending = append(*pending, s.issueEmail(u, ottForgot, EmailForgotPassword, now))
		return emptyJSON{}, nil
	})
}
