package oktatest

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"rsc.io/qr"
)

// The Factors API (docs/OKTA.md "Factors"): a person's enrolled MFA factors, enrolment and
// activation of a time-based one-time password (token:software:totp, provider OKTA or
// GOOGLE) checked for real (RFC 6238, totp.go), and unenrolment. Other factor types can be
// seeded (Okta Verify push on a named phone, SMS, email, security question, WebAuthn) so
// that clients list them as real orgs do; the emulator cannot enrol them, as that needs a
// device.

// Factor types (UserFactorType), providers (UserFactorProvider) and statuses.
const (
	FactorTOTP     = "token:software:totp"
	FactorPush     = "push"
	FactorSMS      = "sms"
	FactorCall     = "call"
	FactorEmail    = "email"
	FactorQuestion = "question"
	FactorWebAuthn = "webauthn"

	FactorProviderOkta   = "OKTA"
	FactorProviderGoogle = "GOOGLE"
	FactorProviderFIDO   = "FIDO"

	FactorStatusActive            = "ACTIVE"
	FactorStatusPendingActivation = "PENDING_ACTIVATION"
)

const (
	// activationAttempts in activationWindow: Okta's activateFactor "enforces a rate limit
	// of five activation attempts within five minutes".
	activationAttempts = 5
	activationWindow   = 5 * time.Minute
	factorIDLength     = 20
)

// SeedFactor is an enrolled factor of a seeded person.
type SeedFactor struct {
	// Type is a factor type: token:software:totp, push, sms, call, email, question or webauthn.
	Type string `json:"type"`
	// Provider defaults to OKTA (FIDO for webauthn).
	Provider string `json:"provider"`
	// Status is ACTIVE (the default) or PENDING_ACTIVATION (a TOTP enrolment not finished).
	Status string `json:"status"`
	// DeviceName is a push factor's profile.name (the phone) or a WebAuthn factor's
	// authenticatorName.
	DeviceName string `json:"deviceName"`
	// DeviceType and Platform describe a push factor's phone (SmartPhone_IPhone, IOS, …).
	DeviceType string `json:"deviceType"`
	Platform   string `json:"platform"`
	// PhoneNumber is an sms or call factor's number; Email an email factor's address.
	PhoneNumber string `json:"phoneNumber"`
	Email       string `json:"email"`
	// Question and QuestionText are a security question factor's key and text.
	Question     string `json:"question"`
	QuestionText string `json:"questionText"`
	// Secret is a TOTP factor's shared secret in base32; "" picks a random one.
	Secret string `json:"secret"`
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// factor is one enrolled factor. Guarded by Server.mu.
type factor struct {
	id, typ, provider, status string
	created, lastUpdated      time.Time
	profile                   map[string]any
	secret                    []byte // TOTP shared secret
	lastStep                  int64  // the last TOTP step accepted, so a code works once
	attempts                  []time.Time
	qrToken                   string // the secret path segment of the QR code link
}

// factorPrefix is the id prefix Okta's examples show for each factor type.
func factorPrefix(typ, provider string) string {
	switch typ {
	case FactorTOTP:
		return "ostf"
	case FactorPush:
		return "opf"
	case FactorSMS:
		return "sms"
	case FactorCall:
		return "clf"
	case FactorEmail:
		return "emf"
	case FactorQuestion:
		return "ufs"
	case FactorWebAuthn:
		return "fwf"
	}
	return "fac"
}

func validFactorType(t string) bool {
	switch t {
	case FactorTOTP, FactorPush, FactorSMS, FactorCall, FactorEmail, FactorQuestion, FactorWebAuthn:
		return true
	}
	return false
}

// defaultFactorProvider is the provider of a factor type when none is given.
func defaultFactorProvider(typ string) string {
	if typ == FactorWebAuthn {
		return FactorProviderFIDO
	}
	return FactorProviderOkta
}

// newTOTPSecret returns a random shared secret.
func newTOTPSecret() []byte {
	b := make([]byte, totpSecretBytes)
	if _, err := rand.Read(b); err != nil {
		panic("oktatest: crypto/rand failed: " + err.Error())
	}
	return b
}

// seedFactor builds a factor from its seed form; key makes its id stable.
func seedFactor(u *user, sf SeedFactor, key string, created time.Time) (*factor, error) {
	if !validFactorType(sf.Type) {
		return nil, fmt.Errorf("unknown factor type %q", sf.Type)
	}
	f := &factor{typ: sf.Type, provider: sf.Provider, status: sf.Status, created: created, lastUpdated: created,
		profile: map[string]any{}}
	if f.provider == "" {
		f.provider = defaultFactorProvider(sf.Type)
	}
	if f.status == "" {
		f.status = FactorStatusActive
	}
	if f.status != FactorStatusActive && !(f.status == FactorStatusPendingActivation && f.typ == FactorTOTP) {
		return nil, fmt.Errorf("factor %s: status %q (only a TOTP factor can be seeded pending activation)", sf.Type, sf.Status)
	}
	prefix := factorPrefix(f.typ, f.provider)
	f.id = prefix + derivedString("factor:"+u.id+":"+key, factorIDLength-len(prefix))
	switch f.typ {
	case FactorTOTP:
		if f.provider != FactorProviderOkta && f.provider != FactorProviderGoogle {
			return nil, fmt.Errorf("a TOTP factor's provider is OKTA or GOOGLE, not %q", f.provider)
		}
		f.profile["credentialId"] = u.login()
		f.secret = newTOTPSecret()
		if sf.Secret != "" {
			s, err := decodeTOTPSecret(sf.Secret)
			if err != nil {
				return nil, err
			}
			f.secret = s
		}
		f.qrToken = randomString(40)
	case FactorPush:
		f.profile["credentialId"] = u.login()
		f.profile["name"] = orDefault(sf.DeviceName, "iPhone")
		f.profile["deviceType"] = orDefault(sf.DeviceType, "SmartPhone_IPhone")
		f.profile["platform"] = orDefault(sf.Platform, "IOS")
		f.profile["version"] = "9.34.0"
	case FactorSMS, FactorCall:
		if !e164.MatchString(sf.PhoneNumber) {
			// Okta's UserFactorSMSProfile: phone numbers in E.164.
			return nil, fmt.Errorf("a %s factor needs a phone number in E.164 form (+15554151337), not %q", sf.Type, sf.PhoneNumber)
		}
		f.profile["phoneNumber"] = sf.PhoneNumber
	case FactorEmail:
		f.profile["email"] = orDefault(sf.Email, u.email())
	case FactorQuestion:
		f.profile["question"] = orDefault(sf.Question, "favorite_art_piece")
		f.profile["questionText"] = orDefault(sf.QuestionText, "What is your favorite piece of art?")
	case FactorWebAuthn:
		f.profile["credentialId"] = derivedString("webauthn:"+f.id, 43)
		f.profile["authenticatorName"] = orDefault(sf.DeviceName, "Security key")
	}
	return f, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// hasFactors reports whether the person has enrolled any factor (Okta's resetFactors
// link "is present only if the user is currently enrolled in one or more MFA factors").
func (u *user) hasFactors() bool { return len(u.factors) > 0 }

func (u *user) factorByID(id string) *factor {
	for _, f := range u.factors {
		if f.id == id {
			return f
		}
	}
	return nil
}

// activeTOTP returns the person's active TOTP factors.
func (u *user) activeTOTP() []*factor {
	var out []*factor
	for _, f := range u.factors {
		if f.typ == FactorTOTP && f.status == FactorStatusActive {
			out = append(out, f)
		}
	}
	return out
}

// Wire form of a factor (UserFactor and its subtypes).

type factorLinkJSON struct {
	Href  string     `json:"href"`
	Name  string     `json:"name,omitempty"`
	Type  string     `json:"type,omitempty"`
	Hints *hintsJSON `json:"hints,omitempty"`
}

type activationJSON struct {
	TimeStep     int                       `json:"timeStep"`
	SharedSecret string                    `json:"sharedSecret"`
	Encoding     string                    `json:"encoding"`
	KeyLength    int                       `json:"keyLength"`
	Links        map[string]factorLinkJSON `json:"_links,omitempty"`
}

type factorEmbeddedJSON struct {
	Activation *activationJSON `json:"activation,omitempty"`
}

type factorJSON struct {
	ID          string                    `json:"id"`
	FactorType  string                    `json:"factorType"`
	Provider    string                    `json:"provider"`
	VendorName  string                    `json:"vendorName"`
	Status      string                    `json:"status"`
	Created     string                    `json:"created"`
	LastUpdated string                    `json:"lastUpdated"`
	Profile     map[string]any            `json:"profile,omitempty"`
	Links       map[string]factorLinkJSON `json:"_links"`
	Embedded    *factorEmbeddedJSON       `json:"_embedded,omitempty"`
}

func allow(methods ...string) *hintsJSON { return &hintsJSON{Allow: methods} }

// factorOut renders a factor as Okta's examples do: a pending TOTP factor carries its
// activation (the shared secret and the QR code link) and an activate link; an active one
// verify, and DELETE on self. s.mu must be held.
func (s *Server) factorOut(u *user, f *factor) factorJSON {
	userURL := s.abs("/api/v1/users/" + url.PathEscape(u.id))
	self := userURL + "/factors/" + url.PathEscape(f.id)
	out := factorJSON{ID: f.id, FactorType: f.typ, Provider: f.provider, VendorName: f.provider, Status: f.status,
		Created: formatTime(f.created), LastUpdated: formatTime(f.lastUpdated), Profile: f.profile,
		Links: map[string]factorLinkJSON{"user": {Href: userURL, Hints: allow(http.MethodGet)}}}
	if f.status == FactorStatusPendingActivation {
		out.Links["activate"] = factorLinkJSON{Href: self + "/lifecycle/activate", Hints: allow(http.MethodPost)}
		out.Links["self"] = factorLinkJSON{Href: self, Hints: allow(http.MethodGet)}
		keyLength := 16
		if f.provider == FactorProviderOkta {
			// Okta's Okta Verify TOTP enrolment example says keyLength 6, its Google one 16.
			keyLength = 6
		}
		out.Embedded = &factorEmbeddedJSON{Activation: &activationJSON{TimeStep: int(totpPeriod / time.Second),
			SharedSecret: totpEncoding.EncodeToString(f.secret), Encoding: "base32", KeyLength: keyLength,
			Links: map[string]factorLinkJSON{"qrcode": {Href: self + "/qr/" + f.qrToken, Type: "image/png"}}}}
		return out
	}
	out.Links["self"] = factorLinkJSON{Href: self, Hints: allow(http.MethodGet, http.MethodDelete)}
	if f.typ == FactorQuestion {
		out.Links["questions"] = factorLinkJSON{Href: userURL + "/factors/questions", Hints: allow(http.MethodGet)}
	} else {
		out.Links["verify"] = factorLinkJSON{Href: self + "/verify", Hints: allow(http.MethodPost)}
	}
	return out
}

func (s *Server) factorRoutes() []apiRoute {
	factors := []string{"users", "{id}", "factors"}
	one := []string{"users", "{id}", "factors", "{factorId}"}
	return []apiRoute{
		{method: http.MethodGet, path: factors, op: "listFactors", scope: scopeUsersRead, h: s.listFactors},
		{method: http.MethodPost, path: factors, op: "enrollFactor", scope: scopeUsersManage, h: s.enrollFactor},
		{method: http.MethodGet, path: one, op: "getFactor", scope: scopeUsersRead, h: s.getFactor},
		{method: http.MethodDelete, path: one, op: "unenrollFactor", scope: scopeUsersManage, h: s.unenrollFactor},
		{method: http.MethodPost, path: append(slices.Clone(one), "lifecycle", "activate"), op: "activateFactor", scope: scopeUsersManage, h: s.activateFactor},
		// The QR code image of a pending TOTP enrolment: the link's secret segment is the
		// credential, as an <img> cannot send an API token.
		{method: http.MethodGet, path: append(slices.Clone(one), "qr", "{qrToken}"), op: "factorQRCode", public: true, h: s.factorQRCode},
	}
}

// factorTarget resolves the user and factor of the path. s.mu must be held.
func (s *Server) factorTarget(c *apiCall) (*user, *factor, error) {
	u, err := s.target(c)
	if err != nil {
		return nil, nil, err
	}
	id := c.params["factorId"]
	f := u.factorByID(id)
	if f == nil {
		return nil, nil, &oktaError{status: http.StatusNotFound, code: codeNotFound,
			summary: "Not found: Resource not found: " + id + " (UserFactor)"}
	}
	return u, f, nil
}

// listFactors handles GET /api/v1/users/{id}/factors.
func (s *Server) listFactors(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	out := []factorJSON{}
	for _, f := range u.factors {
		out = append(out, s.factorOut(u, f))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getFactor handles GET /api/v1/users/{id}/factors/{factorId}.
func (s *Server) getFactor(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, f, err := s.factorTarget(c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.factorOut(u, f))
	return nil
}

// enrollBody is the request of enrollFactor.
type enrollBody struct {
	FactorType string         `json:"factorType"`
	Provider   string         `json:"provider"`
	Profile    map[string]any `json:"profile"`
}

// enrollFactor handles POST /api/v1/users/{id}/factors. A token:software:totp factor of
// provider OKTA or GOOGLE is enrolled PENDING_ACTIVATION with a fresh shared secret;
// Okta allows one factor of each type and provider ("A factor of this type is already set
// up.", recorded in Okta's Factors API reference). Other types need a device the emulator
// does not have: 501 E0000060 (the emulator's limitation, not Okta's answer).
func (s *Server) enrollFactor(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body enrollBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	if _, err := boolParam(r, "activate", false); err != nil {
		return err
	}
	switch {
	case body.FactorType == "":
		return validationError("factorType", "factorType: The field cannot be left blank")
	case !validFactorType(body.FactorType):
		// Unconfirmed: the cause text is the emulator's.
		return validationError("factorType", "factorType: Invalid factor type")
	case body.FactorType != FactorTOTP:
		return &oktaError{status: http.StatusNotImplemented, code: codeUnsupported,
			summary: "Unsupported operation: the Okta emulator cannot enrol a " + body.FactorType + " factor (it needs a device); only token:software:totp"}
	case body.Provider != FactorProviderOkta && body.Provider != FactorProviderGoogle:
		return validationError("provider", "provider: A token:software:totp factor's provider is OKTA or GOOGLE")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.target(c)
	if err != nil {
		return err
	}
	if u.status == StatusDeprovisioned {
		// Unconfirmed: chose 403 E0000038, as for the other changes to a deactivated person.
		return apiError(http.StatusForbidden, codeStatusConflict)
	}
	for _, f := range u.factors {
		if f.typ == body.FactorType && f.provider == body.Provider {
			// A pending enrolment counts too (Unconfirmed): resume it from the list, or
			// unenroll it and start again.
			return validationError("factorEnrollRequest", "A factor of this type is already set up.")
		}
	}
	now := s.now()
	prefix := factorPrefix(body.FactorType, body.Provider)
	f := &factor{id: prefix + randomString(factorIDLength-len(prefix)), typ: body.FactorType, provider: body.Provider,
		status: FactorStatusPendingActivation, created: now, lastUpdated: now,
		profile: map[string]any{"credentialId": u.login()}, secret: newTOTPSecret(), qrToken: randomString(40)}
	u.factors = append(u.factors, f)
	u.lastUpdated = now
	writeJSON(w, http.StatusOK, s.factorOut(u, f))
	return nil
}

// activateBody is the request of activateFactor.
type activateBody struct {
	PassCode *string `json:"passCode"`
}

// activateFactor handles POST …/factors/{factorId}/lifecycle/activate with the first code
// of a pending TOTP factor: right within Okta's two minutes of clock skew, it becomes
// ACTIVE; wrong, 403 E0000068 "Invalid Passcode/Answer" with the cause Okta's reference
// records. More than five attempts in five minutes answer 429 E0000047 (Okta's limit; the
// answer is Unconfirmed).
func (s *Server) activateFactor(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	var body activateBody
	if err := readJSON(w, r, &body, true); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, f, err := s.factorTarget(c)
	if err != nil {
		return err
	}
	if u.status == StatusDeprovisioned {
		return apiError(http.StatusForbidden, codeStatusConflict)
	}
	if f.status != FactorStatusPendingActivation {
		// Unconfirmed: chose 400 E0000001 for activating an active factor.
		return validationError("factor", "The factor is already active.")
	}
	now := s.now()
	f.attempts = slices.DeleteFunc(f.attempts, func(t time.Time) bool { return now.Sub(t) >= activationWindow })
	if len(f.attempts) >= activationAttempts {
		// A 429 says the caller has no room left, whatever the endpoint's bucket says.
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		return apiError(http.StatusTooManyRequests, codeRateLimited)
	}
	f.attempts = append(f.attempts, now)
	if body.PassCode == nil || strings.TrimSpace(*body.PassCode) == "" {
		return validationError("passCode", "passCode: The field cannot be left blank")
	}
	step, ok := matchTOTP(f.secret, *body.PassCode, now)
	if !ok {
		return apiError(http.StatusForbidden, codeInvalidPasscode, "Your passcode doesn't match our records. Please try again.")
	}
	f.status, f.lastStep, f.lastUpdated, f.attempts = FactorStatusActive, step, now, nil
	u.lastUpdated = now
	writeJSON(w, http.StatusOK, s.factorOut(u, f))
	return nil
}

// unenrollFactor handles DELETE /api/v1/users/{id}/factors/{factorId}: 204. Okta: "You
// can't unenroll a factor from a deactivated user", and unenrolling Okta Verify push also
// unenrolls the Okta Verify TOTP factor that came with it.
func (s *Server) unenrollFactor(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	if _, err := boolParam(r, "removeRecoveryEnrollment", false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, f, err := s.factorTarget(c)
	if err != nil {
		return err
	}
	if u.status == StatusDeprovisioned {
		// Unconfirmed: the answer; the rule is Okta's.
		return apiError(http.StatusForbidden, codeStatusConflict)
	}
	okVerify := f.typ == FactorPush && f.provider == FactorProviderOkta
	u.factors = slices.DeleteFunc(u.factors, func(x *factor) bool {
		return x == f || (okVerify && x.typ == FactorTOTP && x.provider == FactorProviderOkta)
	})
	u.lastUpdated = s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// factorQRCode serves the QR code image of a pending TOTP enrolment: the otpauth:// URI an
// authenticator app scans (the Key URI Format of Google Authenticator, which Okta's
// token:software:totp pairs with).
func (s *Server) factorQRCode(w http.ResponseWriter, r *http.Request, c *apiCall) error {
	s.mu.Lock()
	u, f, err := s.factorTarget(c)
	var uri string
	if err == nil {
		if f.status != FactorStatusPendingActivation || subtle.ConstantTimeCompare([]byte(c.params["qrToken"]), []byte(f.qrToken)) != 1 {
			err = apiError(http.StatusNotFound, codeNotFound)
		} else {
			uri = otpauthURI(OrgName, u.login(), totpEncoding.EncodeToString(f.secret))
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	code, err := qr.Encode(uri, qr.M)
	if err != nil {
		return fmt.Errorf("encode QR code: %w", err)
	}
	png := code.PNG()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(png)
	return nil
}

// otpauthURI is the Key URI Format authenticator apps read from a QR code.
func otpauthURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// Test hooks.

// FactorInfo describes an enrolled factor, for tests.
type FactorInfo struct {
	ID, Type, Provider, Status string
	// Secret is a TOTP factor's shared secret in base32.
	Secret string
}

// Factors returns the user's enrolled factors.
func (s *Server) Factors(userID string) []FactorInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil {
		return nil
	}
	var out []FactorInfo
	for _, f := range u.factors {
		fi := FactorInfo{ID: f.id, Type: f.typ, Provider: f.provider, Status: f.status}
		if f.secret != nil {
			fi.Secret = totpEncoding.EncodeToString(f.secret)
		}
		out = append(out, fi)
	}
	return out
}

// EnrollFactor enrols a factor directly (as if the person had set it up on a device) and
// returns its id. It panics on an invalid factor or an unknown user, a bug in the test.
func (s *Server) EnrollFactor(userID string, sf SeedFactor) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil {
		panic("oktatest: EnrollFactor: no user " + userID)
	}
	f, err := seedFactor(u, sf, fmt.Sprintf("%d:%s", len(u.factors), randomString(8)), s.now())
	if err != nil {
		panic("oktatest: EnrollFactor: " + err.Error())
	}
	u.factors = append(u.factors, f)
	return f.id
}
