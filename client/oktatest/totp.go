package oktatest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP with HMAC-SHA-1), as the
// authenticator apps Okta's token:software:totp factor pairs with compute them: 30-second
// steps, six digits, the shared secret in base32 without padding.

const (
	totpPeriod = 30 * time.Second
	totpDigits = 6
	// totpSkewSteps is how many steps either side of now a code may come from: Okta's help
	// for Google Authenticator says "The allowable clock skew is two minutes".
	totpSkewSteps = 4
	// totpSecretBytes is the length of a new shared secret: 80 bits, 16 base32 characters,
	// the length of the secrets in Okta's enrollment examples.
	totpSecretBytes = 10
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226 §5: HMAC-SHA-1 of the counter, dynamic truncation, modulo 10^digits.
func hotp(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpStep is the RFC 6238 time step of t (T0 = the Unix epoch).
func totpStep(t time.Time) int64 { return t.Unix() / int64(totpPeriod/time.Second) }

// decodeTOTPSecret reads a base32 secret, ignoring case, spaces and padding as
// authenticator apps do.
func decodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(s))
	b, err := totpEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode TOTP secret: %w", err)
	}
	return b, nil
}

// TOTPCode returns the six-digit code an authenticator app shows at t for a base32 shared
// secret (Okta's _embedded.activation.sharedSecret), for tests that answer an enrollment.
func TOTPCode(sharedSecret string, t time.Time) (string, error) {
	secret, err := decodeTOTPSecret(sharedSecret)
	if err != nil {
		return "", err
	}
	return hotp(secret, uint64(totpStep(t)), totpDigits), nil
}

// matchTOTP returns the step of now ± the allowed skew whose code is passCode, and false
// when none is. Every candidate is computed, so the time taken does not depend on which
// step matched.
func matchTOTP(secret []byte, passCode string, now time.Time) (int64, bool) {
	passCode = strings.TrimSpace(passCode)
	if len(passCode) != totpDigits {
		return 0, false
	}
	step := totpStep(now)
	found, ok := int64(0), false
	for d := int64(-totpSkewSteps); d <= totpSkewSteps; d++ {
		if hmac.Equal([]byte(hotp(secret, uint64(step+d), totpDigits)), []byte(passCode)) && !ok {
			found, ok = step+d, true
		}
	}
	return found, ok
}
