package oktatest

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Step-up with acr_values (docs/OKTA.md "Step-up"). Okta's authorize endpoint takes
// acr_values, one or more of its predefined values (oauth spec, AcrValue), chooses one and
// reflects it in the tokens' acr claim; the ID token's amr lists the methods the person used
// (AmrValue: pwd, email, sms, otp, …). The emulator models the password-only and two-factor
// values: a two-factor sign-in asks, after the password, for a one-time code it "emails" (the
// outbox, the control API and dev mode's log show it), and the ID token then says amr
// ["pwd","email"] and acr as chosen. A person with an active authenticator app (a TOTP
// factor, factors.go) may answer with its code instead: amr ["pwd","google_otp"] or
// ["pwd","okta_verify"]. It cannot do phishing-resistant factors (phr, phrh).

// ACR values of the org authorization server.
const (
	ACR1FAAny        = "urn:okta:loa:1fa:any"
	ACR1FAPassword   = "urn:okta:loa:1fa:pwd"
	ACR2FAAny        = "urn:okta:loa:2fa:any"
	ACR2FAIfPossible = "urn:okta:loa:2fa:any:ifpossible"
)

// EmailVerificationCode is the outbox kind of a sign-in's one-time code.
const EmailVerificationCode = "verification_code"

const (
	factorCodeTTL    = 5 * time.Minute
	maxFactorAttempt = 5
)

// factorChallenge is the second step of a two-factor sign-in.
type factorChallenge struct {
	userID   string
	code     [32]byte // hash of the code sent
	expires  time.Time
	attempts int
}

// chooseACR picks the first value of acr_values the emulator can satisfy, as Okta picks one;
// ok is false when there are values and none of them can be satisfied.
func chooseACR(values string) (string, bool) {
	fields := strings.Fields(values)
	if len(fields) == 0 {
		return "", true
	}
	for _, v := range fields {
		switch v {
		case ACR1FAAny, ACR1FAPassword, ACR2FAAny, ACR2FAIfPossible:
			return v, true
		}
	}
	return "", false
}

// needsSecondFactor reports whether the acr value asks for two factors.
func needsSecondFactor(acr string) bool { return acr == ACR2FAAny || acr == ACR2FAIfPossible }

// amrOrPassword is the amr claim of an authentication: a password alone when nothing else
// was recorded.
func amrOrPassword(amr []string) []string {
	if len(amr) == 0 {
		return []string{"pwd"}
	}
	return amr
}

// satisfiesACR reports whether an existing session's methods meet acr.
func satisfiesACR(acr string, amr []string) bool {
	if !needsSecondFactor(acr) {
		return true
	}
	return len(amrOrPassword(amr)) >= 2
}

// afterPassword continues a sign-in whose password was right: straight to the client, or
// first to the second factor when acr_values asks for one. It is called with s.mu held and
// releases it.
func (s *Server) afterPassword(w http.ResponseWriter, r *http.Request, txID string, tx *signinTx, u *user, now time.Time) {
	if !needsSecondFactor(tx.params.acr) {
		s.completeSignIn(w, r, txID, tx, u, now, []string{"pwd"})
		return
	}
	code, err := sixDigits()
	if err != nil {
		s.mu.Unlock()
		s.renderError(w, http.StatusInternalServerError, "The verification code could not be created. Please try again.")
		return
	}
	u.failedSign = 0
	tx.factor = &factorChallenge{userID: u.id, code: hashSecret(u.salt, code), expires: now.Add(factorCodeTTL)}
	e := Email{To: u.email(), Kind: EmailVerificationCode, Code: code, Time: now}
	s.st.emails = append(s.st.emails, e)
	msg := "We sent a verification code to " + maskEmail(u.email()) + ". Enter it below."
	if len(u.activeTOTP()) > 0 {
		msg = "Enter the code from your authenticator app, or the one we sent to " + maskEmail(u.email()) + "."
	}
	s.mu.Unlock()
	s.notify([]Email{e})
	s.renderPage(w, http.StatusOK, page{Kind: "factor", Title: "Verify it's you", Tx: txID, Message: msg})
}

// totpAMR checks code against the person's active TOTP factors and returns the amr value
// of the one it matched (Okta's AmrValue: google_otp for Google Authenticator, okta_verify
// for Okta Verify's codes), or "". A code works once per factor. s.mu must be held.
func totpAMR(u *user, code string, now time.Time) string {
	for _, f := range u.activeTOTP() {
		step, ok := matchTOTP(f.secret, code, now)
		if !ok || step <= f.lastStep {
			continue
		}
		f.lastStep = step
		if f.provider == FactorProviderGoogle {
			return "google_otp"
		}
		return "okta_verify"
	}
	return ""
}

// handleFactor serves POST /signin/factor: the one-time code of a two-factor sign-in.
func (s *Server) handleFactor(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	code := strings.TrimSpace(r.PostFormValue("code"))
	s.mu.Lock()
	now := s.now()
	txID, tx := s.takeTx(r, now)
	var u *user
	if tx != nil && tx.factor != nil && now.Before(tx.factor.expires) {
		u = s.st.users[tx.factor.userID]
	}
	if u == nil || !canSignIn(u.status) {
		s.mu.Unlock()
		s.renderError(w, http.StatusBadRequest, "Your sign-in request has expired. Go back to the application and sign in again.")
		return
	}
	if amr := totpAMR(u, code, now); amr != "" {
		// A person with an authenticator app may answer with its code instead.
		s.completeSignIn(w, r, txID, tx, u, now, []string{"pwd", amr})
		return
	}
	got := hashSecret(u.salt, code)
	if subtle.ConstantTimeCompare(got[:], tx.factor.code[:]) != 1 {
		tx.factor.attempts++
		if tx.factor.attempts >= maxFactorAttempt {
			delete(s.st.txs, txID)
			s.mu.Unlock()
			s.renderError(w, http.StatusUnauthorized, "Too many wrong codes. Go back to the application and sign in again.")
			return
		}
		s.mu.Unlock()
		s.renderPage(w, http.StatusUnauthorized, page{Kind: "factor", Title: "Verify it's you", Tx: txID, Error: "That code is not right. Check the email and try again."})
		return
	}
	s.completeSignIn(w, r, txID, tx, u, now, []string{"pwd", "email"})
}

// sixDigits returns a uniformly random six-digit code.
func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// maskEmail shows enough of an address to recognise it: a…e@example.com.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || len(local) < 2 {
		return addr
	}
	return local[:1] + "…" + local[len(local)-1:] + "@" + domain
}

// LastVerificationCode returns the newest sign-in verification code emailed to the login's
// address, or "" (tests sign in with a second factor through it).
func (s *Server) LastVerificationCode(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.findUser(login)
	if u == nil {
		return ""
	}
	for _, e := range slices.Backward(s.st.emails) {
		if e.Kind == EmailVerificationCode && strings.EqualFold(e.To, u.email()) {
			return e.Code
		}
	}
	return ""
}
