package oktatest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// OrgName is shown on every page the emulator serves.
const OrgName = "Gatehouse Demo (Okta emulator)"

// page is the view model of every HTML page the emulator serves.
type page struct {
	Kind     string // "signin", "expired", "factor", "setpw", "answer", "activate", "idp", "confirm" or "message"
	Title    string
	Rules    string // the password policy's requirements, on password pages
	Tx       string
	Username string
	Error    string
	Errors   []string
	Message  string
	Question string
	Action   string
	Org      string
}

// pageTemplate is parsed once; templates are safe for concurrent use and
// html/template escapes every value.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – {{.Org}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d1d21;margin:0}
main{max-width:26rem;margin:3rem auto;background:#fff;border:1px solid #d7d9de;border-radius:8px;padding:2rem}
.org{font-weight:600;color:#00297a;margin:0 0 1rem}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #6e7079;border-radius:4px;font-size:1rem}
button{margin-top:1.5rem;width:100%;padding:.7rem;font-size:1rem;font-weight:600;color:#fff;background:#00297a;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
.error{background:#fdecea;border:1px solid #c4111b;color:#8a0c13;padding:.75rem;border-radius:4px}
.hint{color:#4b4d55;font-size:.9rem}
</style>
</head>
<body>
<main>
<p class="org">{{.Org}}</p>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" role="alert" id="form-error">{{.Error}}</p>{{end}}
{{if .Errors}}<div class="error" role="alert" id="form-error"><ul>{{range .Errors}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if eq .Kind "signin"}}
<form method="post" action="/signin">
<input type="hidden" name="tx" value="{{.Tx}}">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="{{.Username}}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}>
<button type="submit">Sign in</button>
</form>
{{else if eq .Kind "expired"}}
<p class="hint" id="rules">Choose a new password. {{.Rules}}</p>
<form method="post" action="/signin/expired-password">
<input type="hidden" name="tx" value="{{.Tx}}">
<label for="newPassword">New password</label>
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" required aria-describedby="rules">
<label for="confirmPassword">Repeat password</label>
<input type="password" id="confirmPassword" name="confirmPassword" autocomplete="new-password" required>
<button type="submit">Change password</button>
</form>
{{else if eq .Kind "setpw"}}
<p class="hint" id="rules">{{.Rules}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="step" value="password">
<label for="newPassword">New password</label>
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" required aria-describedby="rules">
<label for="confirmPassword">Repeat password</label>
<input type="password" id="confirmPassword" name="confirmPassword" autocomplete="new-password" required>
<button type="submit">Set password</button>
</form>
{{else if eq .Kind "idp"}}
<form method="post" action="/signin/idp">
<input type="hidden" name="tx" value="{{.Tx}}">
<input type="hidden" name="username" value="{{.Username}}">
<p class="hint">The Okta emulator stands in for the identity provider.</p>
<button type="submit">Continue with the identity provider</button>
{{else if eq .Kind "factor"}}
<form method="post" action="/signin/factor">
<input type="hidden" name="tx" value="{{.Tx}}">
<label for="code">Verification code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="6" required autofocus{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}>
<button type="submit">Verify</button>
</form>
{{else if eq .Kind "confirm"}}
<form method="post" action="{{.Action}}">
<button type="submit">Confirm</button>
</form>
{{else if eq .Kind "activate"}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="step" value="activate">
<button type="submit">Activate account</button>
</form>
{{else if eq .Kind "answer"}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="step" value="answer">
<label for="answer">{{.Question}}</label>
<input type="text" id="answer" name="answer" autocomplete="off" required{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}>
<button type="submit">Next</button>
</form>
{{end}}
</main>
</body>
</html>
`))

func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// No form-action: after the sign-in POST the browser must follow the
	// redirect to the client's callback, which browsers check against it.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
}

// renderPage renders p through a buffer, so a template failure never sends
// half a page.
func (s *Server) renderPage(w http.ResponseWriter, status int, p page) {
	p.Org = OrgName
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		s.log.Error("oktatest: render page", "kind", p.Kind, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows an error page that cannot be redirected to the client.
func (s *Server) renderError(w http.ResponseWriter, status int, msg string) {
	s.renderPage(w, status, page{Kind: "message", Title: "Something went wrong", Error: msg})
}

// oneTimeLink returns the live token record and user for a link. s.mu must be held.
func (s *Server) oneTimeLink(tok string, kinds ...string) (*oneTimeToken, *user) {
	t := s.st.otts[tokenKey(tok)]
	if t == nil || !s.now().Before(t.expires) {
		return nil, nil
	}
	for _, k := range kinds {
		if t.kind == k {
			return t, s.st.users[t.userID]
		}
	}
	return nil, nil
}

// handleWelcome serves GET/POST /welcome/{token}: account activation.
func (s *Server) handleWelcome(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := r.PathValue("token")
	action := strings.TrimSuffix(r.URL.Path, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t, u := s.oneTimeLink(tok, ottActivation)
	if t == nil || u == nil || (u.status != StatusProvisioned && u.status != StatusActive && u.status != StatusRecovery) {
		s.renderError(w, http.StatusNotFound, "This activation link is not valid or has expired. Ask your administrator for a new one.")
		return
	}
	title := "Activate your account"
	greeting := fmt.Sprintf("Welcome, %s. Choose a password for %s.", profileString(u.profile, "firstName"), u.login())
	if u.status == StatusActive {
		s.st.dropOneTimeTokens(u.id, ottActivation)
		s.renderPage(w, http.StatusOK, page{Kind: "message", Title: title, Message: "Your account is already active. You can sign in with your password."})
		return
	}
	if u.hasPassword && u.status != StatusRecovery {
		// A PROVISIONED user who already has a password only confirms; a reactivated
		// RECOVERY user chooses a new one.
		if r.Method == http.MethodGet {
			s.renderPage(w, http.StatusOK, page{Kind: "activate", Title: title, Action: action,
				Message: fmt.Sprintf("Welcome, %s. Activate your account %s.", profileString(u.profile, "firstName"), u.login())})
			return
		}
	} else {
		rules := s.policyText(u)
		if r.Method == http.MethodGet {
			s.renderPage(w, http.StatusOK, page{Kind: "setpw", Title: title, Action: action, Message: greeting, Rules: rules})
			return
		}
		newPW, confirm := r.PostFormValue("newPassword"), r.PostFormValue("confirmPassword")
		msgs := []string{"Passwords must match"}
		if newPW == confirm {
			msgs = s.passwordProblems(u, u.profile, newPW, passwordRules{}, now)
		}
		if len(msgs) > 0 {
			s.renderPage(w, http.StatusUnprocessableEntity, page{Kind: "setpw", Title: title, Action: action, Message: greeting, Errors: msgs, Rules: rules})
			return
		}
		u.setPassword(newPW, now)
	}
	u.setStatus(StatusActive, now)
	u.activated = now
	s.st.dropOneTimeTokens(u.id, ottActivation)
	s.renderPage(w, http.StatusOK, page{Kind: "message", Title: "Your account is active", Message: "Your account is active. You can now sign in."})
}

// handleResetPage serves GET/POST /reset_password/{token} and
// /signin/reset-password/{token}: answer the recovery question (if the user has
// one), then choose a new password.
func (s *Server) handleResetPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := r.PathValue("token")
	action := strings.TrimSuffix(r.URL.Path, "/")
	title := "Reset your password"
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	t, u := s.oneTimeLink(tok, ottReset, ottForgot)
	if t == nil || u == nil {
		s.renderError(w, http.StatusNotFound, "This password reset link is not valid or has expired. Request a new one.")
		return
	}
	switch u.status {
	case StatusActive, StatusRecovery, StatusPasswordExpired, StatusLockedOut, StatusProvisioned:
	default:
		s.renderError(w, http.StatusNotFound, "This password reset link is not valid or has expired. Request a new one.")
		return
	}
	// Identity Engine recovers with the email authenticator: following the
	// emailed link is the verification, so no question is asked.
	needAnswer := u.question != "" && !t.answered && !(s.cfg.IdentityEngine && t.kind == ottForgot)
	rules := s.policyText(u)
	if r.Method == http.MethodGet {
		if needAnswer {
			s.renderPage(w, http.StatusOK, page{Kind: "answer", Title: title, Action: action, Question: u.question,
				Message: "Answer your security question to continue."})
		} else {
			s.renderPage(w, http.StatusOK, page{Kind: "setpw", Title: title, Action: action, Rules: rules})
		}
		return
	}
	if needAnswer {
		if !u.checkAnswer(r.PostFormValue("answer")) {
			s.renderPage(w, http.StatusUnauthorized, page{Kind: "answer", Title: title, Action: action, Question: u.question,
				Error: "Your answer doesn't match our records. Please try again."})
			return
		}
		t.answered = true
		s.renderPage(w, http.StatusOK, page{Kind: "setpw", Title: title, Action: action, Rules: rules})
		return
	}
	newPW, confirm := r.PostFormValue("newPassword"), r.PostFormValue("confirmPassword")
	msgs := []string{"Passwords must match"}
	if newPW == confirm {
		msgs = s.passwordProblems(u, u.profile, newPW, passwordRules{history: true}, now)
	}
	if len(msgs) > 0 {
		s.renderPage(w, http.StatusUnprocessableEntity, page{Kind: "setpw", Title: title, Action: action, Errors: msgs, Rules: rules})
		return
	}
	u.setPassword(newPW, now)
	u.setStatus(StatusActive, now)
	u.failedSign = 0
	if u.activated.IsZero() {
		u.activated = now
	}
	s.st.dropOneTimeTokens(u.id, ottReset, ottForgot)
	s.renderPage(w, http.StatusOK, page{Kind: "message", Title: "Password reset", Message: "Your password has been reset. You can now sign in with your new password."})
}

// handleAppHome serves /home/{appName}/{appID}/{linkID}, where app links lead.
func (s *Server) handleAppHome(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.st.apps[r.PathValue("appID")]
	s.mu.Unlock()
	if a == nil || a.name != r.PathValue("appName") {
		s.renderError(w, http.StatusNotFound, "This app does not exist in the org.")
		return
	}
	s.renderPage(w, http.StatusOK, page{Kind: "message", Title: a.label, Message: "You would now be signed in to " + a.label + "."})
}

// handleIndex serves the org's root page.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, http.StatusOK, page{Kind: "message", Title: "Okta emulator",
		Message: "This org emulates Okta's Users API under /api/v1 and its org authorization server (issuer " + s.issuer + ")."})
}

func svgHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
}

// handleLogo serves /logos/{appName}.svg: a generated tile with the app's initials.
func (s *Server) handleLogo(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	var label string
	if ok {
		s.mu.Lock()
		for _, a := range s.st.apps {
			if a.name == name {
				label = a.label
				break
			}
		}
		s.mu.Unlock()
	}
	if label == "" {
		http.NotFound(w, r)
		return
	}
	svgHeaders(w)
	fmt.Fprint(w, logoSVG(label, initials(label)))
}

// handleGroupLogo serves the group logos that Group _links point to.
func (s *Server) handleGroupLogo(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("file") {
	case "okta-medium.svg", "okta-large.svg":
		svgHeaders(w)
		fmt.Fprint(w, logoSVG("Group", "G"))
	default:
		http.NotFound(w, r)
	}
}

func initials(label string) string {
	var out []rune
	for _, word := range strings.Fields(label) {
		for _, r := range word {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

func logoSVG(label, text string) string {
	colours := []string{"#4A154B", "#24292F", "#1A73E8", "#0B5CFF", "#0052CC", "#00A1E0", "#00297A", "#62D84E", "#B0341E"}
	sum := sha256.Sum256([]byte(label))
	fill := colours[int(sum[0])%len(colours)]
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64" role="img" aria-label="%s">`+
		`<rect width="64" height="64" rx="12" fill="%s"/>`+
		`<text x="32" y="41" font-family="Arial, Helvetica, sans-serif" font-size="24" font-weight="700" fill="#fff" text-anchor="middle">%s</text></svg>`,
		html.EscapeString(label), fill, html.EscapeString(text))
}
