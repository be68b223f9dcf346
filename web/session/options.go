package session

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// KeySize is the size in bytes of every session key.
const KeySize = 32

// Defaults for Options.
const (
	defaultCookieName  = "gatehouse"
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxLifetime = 10 * time.Hour
	defaultLoginTTL    = 10 * time.Minute
	defaultTouchEvery  = time.Minute
	// maxLoginTTL bounds LoginTTL: the login cookie's Max-Age must not
	// exceed 600 seconds.
	maxLoginTTL = 10 * time.Minute
)

// Options configure a Store. Zero values take the defaults above.
type Options struct {
	// Keys are the session keys, newest first, each exactly KeySize bytes;
	// at least one is required. The newest signs cookies and encrypts
	// records; all of them verify and decrypt, so a new key can be
	// prepended and the old one dropped after MaxLifetime.
	Keys [][]byte
	// Secure is true when served over HTTPS: cookie names get the
	// "__Host-" prefix and the Secure attribute.
	Secure bool
	// CookieName is the session cookie's name (defaultCookieName if
	// empty); the login-transaction cookie is CookieName+"_login".
	CookieName string
	// IdleTimeout ends a session after this long without activity.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after Created, active or not.
	MaxLifetime time.Duration
	// LoginTTL is how long a login transaction lives (at most maxLoginTTL).
	LoginTTL time.Duration
	// TouchEvery throttles writes of LastSeen: at most one per this
	// interval and session, instead of one per request. It must be shorter
	// than IdleTimeout.
	TouchEvery time.Duration
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// String describes the options without key material.
func (o Options) String() string {
	return fmt.Sprintf("{keys:%d secure:%t cookie:%q idle:%v max_lifetime:%v login_ttl:%v touch_every:%v}",
		len(o.Keys), o.Secure, o.CookieName, o.IdleTimeout, o.MaxLifetime, o.LoginTTL, o.TouchEvery)
}

// GoString is String, so that %#v redacts too.
func (o Options) GoString() string { return o.String() }

// LogValue implements slog.LogValuer without key material.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("keys", len(o.Keys)),
		slog.Bool("secure", o.Secure),
		slog.String("cookie", o.CookieName),
		slog.Duration("idle", o.IdleTimeout),
		slog.Duration("max_lifetime", o.MaxLifetime),
		slog.Duration("login_ttl", o.LoginTTL),
		slog.Duration("touch_every", o.TouchEvery),
	)
}

// withDefaults fills zero fields and validates the result.
func (o Options) withDefaults() (Options, error) {
	if len(o.Keys) == 0 {
		return o, errors.New("session: at least one session key is required")
	}
	for i, k := range o.Keys {
		if len(k) != KeySize {
			return o, fmt.Errorf("session: key %d is %d bytes, want %d", i+1, len(k), KeySize)
		}
	}
	if o.CookieName == "" {
		o.CookieName = defaultCookieName
	}
	if !validCookieName(o.CookieName) {
		return o, fmt.Errorf("session: cookie name %q: use only letters, digits, '-' and '_'", o.CookieName)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.MaxLifetime, DefaultMaxLifetime)
	def(&o.LoginTTL, defaultLoginTTL)
	def(&o.TouchEvery, defaultTouchEvery)
	switch {
	case o.IdleTimeout < time.Second:
		return o, fmt.Errorf("session: idle timeout %v is shorter than a second", o.IdleTimeout)
	case o.MaxLifetime < time.Second:
		return o, fmt.Errorf("session: max lifetime %v is shorter than a second", o.MaxLifetime)
	case o.LoginTTL < time.Second || o.LoginTTL > maxLoginTTL:
		return o, fmt.Errorf("session: login TTL %v is outside [1s, %v]", o.LoginTTL, maxLoginTTL)
	case o.TouchEvery < 0 || o.TouchEvery >= o.IdleTimeout:
		return o, fmt.Errorf("session: touch interval %v must be shorter than the idle timeout %v", o.TouchEvery, o.IdleTimeout)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

func validCookieName(s string) bool {
	for _, r := range s {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return s != ""
}

// ParseKeys parses a comma-separated list of session keys, newest first, as
// found in GATEHOUSE_SESSION_KEYS. Each key is KeySize bytes written as hex
// (64 characters) or base64 (standard or URL alphabet, padded or not).
// Errors name the position of the bad key but never echo key material.
func ParseKeys(s string) ([][]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("session keys: none given")
	}
	parts := strings.Split(s, ",")
	keys := make([][]byte, 0, len(parts))
	for i, p := range parts {
		k, err := parseKey(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("session keys: key %d of %d: %w", i+1, len(parts), err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// parseKey decodes one key. The decoders' own errors are dropped because
// some of them quote the offending character.
func parseKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		k, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("decodes to %d bytes, want %d (generate one with: openssl rand -hex 32)", len(k), KeySize)
		}
		return k, nil
	}
	return nil, fmt.Errorf("not %d bytes in hex (%d characters) or base64 (generate one with: openssl rand -hex 32)", KeySize, 2*KeySize)
}
