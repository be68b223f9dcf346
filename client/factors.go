package client

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The Factors API (docs/OKTA.md "Factors"): a person's enrolled MFA factors, setting up an
// authenticator app (token:software:totp) and removing a factor.

// FactorType is a factor's factorType (UserFactorType).
type FactorType string

// Okta's factor types.
const (
	FactorTOTP          FactorType = "token:software:totp"
	FactorHOTP          FactorType = "token:hotp"
	FactorPush          FactorType = "push"
	FactorSignedNonce   FactorType = "signed_nonce"
	FactorSMS           FactorType = "sms"
	FactorCall          FactorType = "call"
	FactorEmail         FactorType = "email"
	FactorQuestion      FactorType = "question"
	FactorWebAuthn      FactorType = "webauthn"
	FactorU2F           FactorType = "u2f"
	FactorToken         FactorType = "token"
	FactorHardwareToken FactorType = "token:hardware"
	FactorWeb           FactorType = "web"
)

// FactorProvider is a factor's provider (UserFactorProvider).
type FactorProvider string

// Okta's factor providers.
const (
	FactorProviderOkta     FactorProvider = "OKTA"
	FactorProviderGoogle   FactorProvider = "GOOGLE"
	FactorProviderFIDO     FactorProvider = "FIDO"
	FactorProviderRSA      FactorProvider = "RSA"
	FactorProviderSymantec FactorProvider = "SYMANTEC"
	FactorProviderYubico   FactorProvider = "YUBICO"
	FactorProviderDuo      FactorProvider = "DUO"
	FactorProviderCustom   FactorProvider = "CUSTOM"
)

// FactorStatus is a factor's status (UserFactorStatus).
type FactorStatus string

// Okta's factor statuses.
const (
	FactorActive            FactorStatus = "ACTIVE"
	FactorPendingActivation FactorStatus = "PENDING_ACTIVATION"
	FactorEnrolled          FactorStatus = "ENROLLED"
	FactorNotSetUp          FactorStatus = "NOT_SETUP"
	FactorInactive          FactorStatus = "INACTIVE"
	FactorExpired           FactorStatus = "EXPIRED"
	FactorDisabled          FactorStatus = "DISABLED"
)

// FactorKind groups factor types the way a person thinks of them, for pages to name them in
// the person's language.
type FactorKind int

// The kinds of factor.
const (
	KindOther FactorKind = iota
	// KindAuthenticatorApp: codes from an app (token:software:totp, token:hotp).
	KindAuthenticatorApp
	// KindOktaVerify: Okta Verify's push or FastPass on a device.
	KindOktaVerify
	// KindPhone: a code by text message or call.
	KindPhone
	// KindEmail: a code by email.
	KindEmail
	// KindSecurityQuestion: an answer to a question.
	KindSecurityQuestion
	// KindSecurityKey: a security key or biometric (WebAuthn, U2F).
	KindSecurityKey
	// KindHardwareToken: RSA SecurID, Symantec VIP, YubiKey OTP and the like.
	KindHardwareToken
)

// FactorProfile holds a factor's profile attributes, each set only for the types that have
// it.
type FactorProfile struct {
	// CredentialID is the account name the factor was enrolled for (TOTP, push, tokens) or a
	// key's credential id (WebAuthn, U2F).
	CredentialID string `json:"credentialId"`
	// DeviceName is a push factor's phone ("Alice's iPhone"); DeviceType and Platform
	// describe it (SmartPhone_IPhone, IOS); Version is Okta Verify's.
	DeviceName string `json:"name"`
	DeviceType string `json:"deviceType"`
	Platform   string `json:"platform"`
	Version    string `json:"version"`
	// PhoneNumber and PhoneExtension belong to sms and call factors.
	PhoneNumber    string `json:"phoneNumber"`
	PhoneExtension string `json:"phoneExtension"`
	// Email belongs to an email factor.
	Email string `json:"email"`
	// Question and QuestionText belong to a security question factor.
	Question     string `json:"question"`
	QuestionText string `json:"questionText"`
	// AuthenticatorName names a WebAuthn authenticator ("MacBook Touch ID").
	AuthenticatorName string `json:"authenticatorName"`
}

// Factor is an enrolled MFA factor of a person.
type Factor struct {
	ID          string         `json:"id"`
	Type        FactorType     `json:"factorType"`
	Provider    FactorProvider `json:"provider"`
	VendorName  string         `json:"vendorName"`
	Status      FactorStatus   `json:"status"`
	Created     time.Time      `json:"created"`
	LastUpdated time.Time      `json:"lastUpdated"`
	Profile     FactorProfile  `json:"profile"`
	Links       Links          `json:"_links,omitempty"`
	// Activation is set on a token:software:totp factor pending activation: the shared
	// secret to show (as a QR code and as text) until the person answers with a code.
	Activation *TOTPActivation `json:"-"`
}

// Active reports whether the factor is in use.
func (f Factor) Active() bool { return f.Status == FactorActive }

// Pending reports whether the factor's enrolment waits for its first code.
func (f Factor) Pending() bool { return f.Status == FactorPendingActivation }

// Kind returns the factor's kind.
func (f Factor) Kind() FactorKind {
	switch f.Type {
	case FactorTOTP, FactorHOTP:
		return KindAuthenticatorApp
	case FactorPush, FactorSignedNonce:
		return KindOktaVerify
	case FactorSMS, FactorCall:
		return KindPhone
	case FactorEmail:
		return KindEmail
	case FactorQuestion:
		return KindSecurityQuestion
	case FactorWebAuthn, FactorU2F:
		return KindSecurityKey
	case FactorToken, FactorHardwareToken:
		return KindHardwareToken
	}
	return KindOther
}

// Device names what the factor is on, for a person to recognise it: the phone of a push
// factor, a security key's name, the number of a phone factor, the address of an email
// factor; "" when Okta says nothing.
func (f Factor) Device() string {
	switch {
	case f.Profile.DeviceName != "":
		return f.Profile.DeviceName
	case f.Profile.AuthenticatorName != "":
		return f.Profile.AuthenticatorName
	case f.Profile.PhoneNumber != "":
		return f.Profile.PhoneNumber
	case f.Profile.Email != "":
		return f.Profile.Email
	}
	return ""
}

// TOTPActivation is the activation of a pending token:software:totp factor. Its shared
// secret lets anyone compute the person's codes: String, GoString and LogValue redact it.
type TOTPActivation struct {
	// SharedSecret is the key, in Encoding (base32): show it for manual entry and in the QR
	// code.
	SharedSecret string
	Encoding     string
	// KeyLength is what Okta says; its meaning varies between Okta's examples (6 or 16), so
	// do not rely on it.
	KeyLength int
	// TimeStep is the code period (30 s).
	TimeStep time.Duration
	// QRCodeURL is Okta's image of the QR code. Gatehouse draws its own from KeyURI.
	QRCodeURL string
}

// KeyURI is the otpauth:// URI (Google Authenticator's Key URI Format) an authenticator app
// reads from a QR code: issuer and account label the entry in the app. It holds the secret.
func (a TOTPActivation) KeyURI(issuer, account string) string {
	period := int(a.TimeStep / time.Second)
	if period <= 0 {
		period = 30
	}
	q := url.Values{"secret": {a.SharedSecret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"},
		"period": {strconv.Itoa(period)}}
	return "otpauth://totp/" + url.PathEscape(issuer) + ":" + url.PathEscape(account) + "?" + q.Encode()
}

// String returns the activation with its secret redacted.
func (a TOTPActivation) String() string {
	return fmt.Sprintf("{SharedSecret:%s Encoding:%s TimeStep:%s QRCodeURL:%s}", redact(a.SharedSecret), a.Encoding, a.TimeStep, redact(a.QRCodeURL))
}

// GoString returns the activation with its secret redacted, for %#v.
func (a TOTPActivation) GoString() string {
	return fmt.Sprintf("client.TOTPActivation{SharedSecret:%s, Encoding:%q, TimeStep:%d, QRCodeURL:%s}",
		redactGo(a.SharedSecret), a.Encoding, a.TimeStep, redactGo(a.QRCodeURL))
}

// LogValue returns the activation with its secret redacted, for slog.
func (a TOTPActivation) LogValue() slog.Value {
	return slog.GroupValue(slog.String("shared_secret", redact(a.SharedSecret)), slog.String("qrcode_url", redact(a.QRCodeURL)))
}

type wireActivation struct {
	TimeStep     int    `json:"timeStep"`
	SharedSecret string `json:"sharedSecret"`
	Encoding     string `json:"encoding"`
	KeyLength    int    `json:"keyLength"`
	Links        Links  `json:"_links"`
}

// UnmarshalJSON reads a factor; a pending TOTP factor's _embedded.activation becomes
// Activation (its qrcode link may sit inside the activation or beside it: Okta's examples
// show both).
func (f *Factor) UnmarshalJSON(b []byte) error {
	type plain Factor
	var w struct {
		plain
		Embedded *struct {
			Activation *wireActivation `json:"activation"`
			Links      Links           `json:"_links"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Factor(w.plain)
	if w.Embedded != nil && w.Embedded.Activation != nil && w.Embedded.Activation.SharedSecret != "" {
		a := w.Embedded.Activation
		f.Activation = &TOTPActivation{SharedSecret: a.SharedSecret, Encoding: a.Encoding, KeyLength: a.KeyLength,
			TimeStep: time.Duration(a.TimeStep) * time.Second}
		if l, ok := a.Links["qrcode"]; ok {
			f.Activation.QRCodeURL = l.Href
		} else if l, ok := w.Embedded.Links["qrcode"]; ok {
			f.Activation.QRCodeURL = l.Href
		}
	}
	return nil
}

// ListFactors returns a person's enrolled factors (GET /api/v1/users/{id}/factors).
func (c *Client) ListFactors(ctx context.Context, userID string) ([]Factor, error) {
	const op = "listFactors"
	path, err := userPath(op, userID, "/factors")
	if err != nil {
		return nil, err
	}
	var out []Factor
	if _, err := c.call(ctx, request{op: op, method: http.MethodGet, path: path}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetFactor returns one of a person's factors (GET /api/v1/users/{id}/factors/{factorId}).
func (c *Client) GetFactor(ctx context.Context, userID, factorID string) (Factor, error) {
	const op = "getFactor"
	path, err := factorPath(op, userID, factorID, "")
	if err != nil {
		return Factor{}, err
	}
	return c.factor(ctx, request{op: op, method: http.MethodGet, path: path})
}

// EnrollTOTP starts setting up an authenticator app for a person (POST
// /api/v1/users/{id}/factors with factorType token:software:totp): provider GOOGLE (any
// RFC 6238 app) or OKTA (Okta Verify's codes). The factor comes back PENDING_ACTIVATION
// with its Activation; finish with ActivateFactor and a code from the app. Okta allows
// one factor of each type and provider: ErrFactorAlreadyEnrolled otherwise.
func (c *Client) EnrollTOTP(ctx context.Context, userID string, provider FactorProvider) (Factor, error) {
	const op = "enrollFactor"
	path, err := userPath(op, userID, "/factors")
	if err != nil {
		return Factor{}, err
	}
	body := struct {
		FactorType FactorType     `json:"factorType"`
		Provider   FactorProvider `json:"provider"`
	}{FactorTOTP, provider}
	return c.factor(ctx, request{op: op, method: http.MethodPost, path: path, body: body})
}

// ActivateFactor finishes an enrolment with the first code from the person's app (POST
// …/factors/{factorId}/lifecycle/activate). A wrong code is ErrInvalidPasscode; Okta limits
// the attempts (five in five minutes: then ErrRateLimited).
func (c *Client) ActivateFactor(ctx context.Context, userID, factorID, passCode string) (Factor, error) {
	const op = "activateFactor"
	path, err := factorPath(op, userID, factorID, "/lifecycle/activate")
	if err != nil {
		return Factor{}, err
	}
	body := struct {
		PassCode string `json:"passCode"`
	}{passCode}
	return c.factor(ctx, request{op: op, method: http.MethodPost, path: path, body: body})
}

// DeleteFactor unenrolls one factor (DELETE /api/v1/users/{id}/factors/{factorId}; 204).
// Removing Okta Verify push also removes the Okta Verify codes that came with it.
func (c *Client) DeleteFactor(ctx context.Context, userID, factorID string) error {
	const op = "unenrollFactor"
	path, err := factorPath(op, userID, factorID, "")
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{op: op, method: http.MethodDelete, path: path}, nil)
	return err
}

func (c *Client) factor(ctx context.Context, r request) (Factor, error) {
	var f Factor
	if _, err := c.call(ctx, r, &f); err != nil {
		return Factor{}, err
	}
	if f.ID == "" {
		return Factor{}, fmt.Errorf("okta: %s: decode response: factor without an id", r.op)
	}
	return f, nil
}

func factorPath(op, userID, factorID, rest string) (string, error) {
	if factorID == "" {
		return "", invalidArg(op, "empty factor id")
	}
	return userPath(op, userID, "/factors/"+escapeSegment(factorID)+rest)
}
