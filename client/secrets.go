package client

import (
	"fmt"
	"log/slog"
)

// The results below carry one-time secrets (activation tokens, reset links,
// temporary passwords). Their String, GoString and LogValue methods redact them,
// so that fmt's %v, %+v and %#v and slog never print the value by accident; the
// exported field still holds it for the code that must show it once.

const redacted = "[redacted]"

// redact hides a non-empty secret and keeps an empty one visible, which is what
// someone debugging "why was there no link?" needs to see.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

func redactGo(s string) string {
	if s == "" {
		return `""`
	}
	return `"` + redacted + `"`
}

// ActivationResult is the answer of Activate with sendEmail=false.
type ActivationResult struct {
	ActivationURL   string `json:"activationUrl"`
	ActivationToken string `json:"activationToken"`
	Receipt
}

// String returns the result with its secrets redacted.
func (r ActivationResult) String() string {
	return "{ActivationURL:" + redact(r.ActivationURL) + " ActivationToken:" + redact(r.ActivationToken) + "}"
}

// GoString returns the result with its secrets redacted, for %#v.
func (r ActivationResult) GoString() string {
	return "client.ActivationResult{ActivationURL:" + redactGo(r.ActivationURL) + ", ActivationToken:" + redactGo(r.ActivationToken) + "}"
}

// LogValue returns the result with its secrets redacted, for slog.
func (r ActivationResult) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("activation_url", redact(r.ActivationURL)),
		slog.String("activation_token", redact(r.ActivationToken)),
	)
}

// ResetPasswordResult is the answer of ResetPassword with sendEmail=false.
type ResetPasswordResult struct {
	ResetPasswordURL string `json:"resetPasswordUrl"`
	Receipt
}

// String returns the result with its secret redacted.
func (r ResetPasswordResult) String() string {
	return "{ResetPasswordURL:" + redact(r.ResetPasswordURL) + "}"
}

// GoString returns the result with its secret redacted, for %#v.
func (r ResetPasswordResult) GoString() string {
	return "client.ResetPasswordResult{ResetPasswordURL:" + redactGo(r.ResetPasswordURL) + "}"
}

// LogValue returns the result with its secret redacted, for slog.
func (r ResetPasswordResult) LogValue() slog.Value {
	return slog.GroupValue(slog.String("reset_password_url", redact(r.ResetPasswordURL)))
}

// ForgotPasswordResult is the answer of ForgotPassword with sendEmail=false.
type ForgotPasswordResult struct {
	ResetPasswordURL string `json:"resetPasswordUrl"`
	Receipt
}

// String returns the result with its secret redacted.
func (r ForgotPasswordResult) String() string {
	return "{ResetPasswordURL:" + redact(r.ResetPasswordURL) + "}"
}

// GoString returns the result with its secret redacted, for %#v.
func (r ForgotPasswordResult) GoString() string {
	return "client.ForgotPasswordResult{ResetPasswordURL:" + redactGo(r.ResetPasswordURL) + "}"
}

// LogValue returns the result with its secret redacted, for slog.
func (r ForgotPasswordResult) LogValue() slog.Value {
	return slog.GroupValue(slog.String("reset_password_url", redact(r.ResetPasswordURL)))
}

// TempPasswordResult is the answer of ExpirePasswordWithTempPassword.
type TempPasswordResult struct {
	TempPassword string `json:"tempPassword"`
	Receipt
}

// String returns the result with its secret redacted.
func (r TempPasswordResult) String() string {
	return "{TempPassword:" + redact(r.TempPassword) + "}"
}

// GoString returns the result with its secret redacted, for %#v.
func (r TempPasswordResult) GoString() string {
	return "client.TempPasswordResult{TempPassword:" + redactGo(r.TempPassword) + "}"
}

// LogValue returns the result with its secret redacted, for slog.
func (r TempPasswordResult) LogValue() slog.Value {
	return slog.GroupValue(slog.String("temp_password", redact(r.TempPassword)))
}

// String returns the new user with the password and recovery answer redacted.
func (u NewUser) String() string {
	return fmt.Sprintf("{Login:%s Password:%s RecoveryQuestion:%s RecoveryAnswer:%s GroupIDs:%v}",
		u.Profile.Login, redact(u.Password), u.RecoveryQuestion, redact(u.RecoveryAnswer), u.GroupIDs)
}

// GoString returns the new user with the password and recovery answer redacted.
func (u NewUser) GoString() string {
	return fmt.Sprintf("client.NewUser{Login:%q, Password:%s, RecoveryQuestion:%q, RecoveryAnswer:%s, GroupIDs:%#v}",
		u.Profile.Login, redactGo(u.Password), u.RecoveryQuestion, redactGo(u.RecoveryAnswer), u.GroupIDs)
}

// LogValue returns the new user with the password and recovery answer redacted.
func (u NewUser) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("login", u.Profile.Login),
		slog.String("password", redact(u.Password)),
		slog.String("recovery_answer", redact(u.RecoveryAnswer)),
		slog.Any("group_ids", u.GroupIDs),
	)
}

// authScheme names the kind of credential, never its value.
func (c *Client) authScheme() string {
	switch c.cred.(type) {
	case apiToken:
		return "SSWS"
	case bearerToken:
		return "Bearer"
	case *ServiceApp:
		return "OAuth"
	}
	return "custom"
}

// String describes the client without its credential.
func (c *Client) String() string {
	return "client.Client{BaseURL:" + c.BaseURL() + " Auth:" + c.authScheme() + " " + redacted + "}"
}

// GoString describes the client without its credential, for %#v.
func (c *Client) GoString() string { return c.String() }

// LogValue describes the client without its credential, for slog.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL()), slog.String("auth", c.authScheme()))
}
