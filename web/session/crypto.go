package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/securecookie"
)

// idBytes is the entropy of session ids and login-transaction ids (256 bits).
const idBytes = 32

// HKDF info strings: one sub-key per purpose, so that the same session key
// never serves two algorithms.
const (
	infoCookieMAC = "gatehouse/session/v1/cookie-hmac-sha256"
	infoRecordKey = "gatehouse/session/v1/record-aes-256-gcm"
	infoKeyID     = "gatehouse/session/v1/key-id"
)

// sealVersion is the first byte of every sealed value.
const sealVersion = 1

// maxCookieValue bounds what the codecs will even try to verify; ours are
// about 120 bytes.
const maxCookieValue = 256

// Additional-data prefixes bind a sealed value to what it is and to the id
// it was written for: a record copied under another id, or a login
// transaction presented as a record, fails to open.
const (
	adRecord = "gatehouse session record\x00"
	// adRecordKey binds a record to the hash of its id (its backend key) rather than
	// to the id: as strong a binding (a record copied under another key still fails
	// to open), and it lets a person's sessions be listed from the per-user index,
	// which holds only the hashes (Store.List). Records sealed under adRecord before
	// it still open, and move to it at their next write.
	adRecordKey = "gatehouse session record by key\x00"
	adLogin     = "gatehouse login transaction\x00"
	adFlash     = "gatehouse flash\x00"
)

var errUnsealed = errors.New("session: cannot open sealed value")

// newID returns a fresh random id: 32 bytes from crypto/rand, base64url
// without padding (43 characters).
func newID() string {
	var b [idBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashID is how an id appears in backend keys: an attacker who can read the
// backend (a Redis replica, a memory dump of it) learns no usable session
// id. Plain SHA-256 is enough because ids carry 256 bits of entropy.
func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// sealer is the record cipher derived from one session key.
type sealer struct {
	id   byte
	aead cipher.AEAD
}

// keyring holds everything derived from the session keys, newest first.
type keyring struct {
	sessionCodecs []securecookie.Codec
	loginCodecs   []securecookie.Codec
	sealers       []sealer
}

func newKeyring(keys [][]byte, sessionMaxAge, loginMaxAge time.Duration) (*keyring, error) {
	kr := &keyring{}
	for i, k := range keys {
		mac, err := hkdf.Key(sha256.New, k, nil, infoCookieMAC, 32)
		if err != nil {
			return nil, fmt.Errorf("derive cookie key %d: %w", i+1, err)
		}
		enc, err := hkdf.Key(sha256.New, k, nil, infoRecordKey, 32)
		if err != nil {
			return nil, fmt.Errorf("derive record key %d: %w", i+1, err)
		}
		kid, err := hkdf.Key(sha256.New, k, nil, infoKeyID, 1)
		if err != nil {
			return nil, fmt.Errorf("derive key id %d: %w", i+1, err)
		}
		block, err := aes.NewCipher(enc)
		if err != nil {
			return nil, fmt.Errorf("record cipher %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("record AEAD %d: %w", i+1, err)
		}
		kr.sealers = append(kr.sealers, sealer{id: kid[0], aead: aead})
		kr.sessionCodecs = append(kr.sessionCodecs, newCodec(mac, sessionMaxAge))
		kr.loginCodecs = append(kr.loginCodecs, newCodec(mac, loginMaxAge))
	}
	return kr, nil
}

// newCodec signs (HMAC-SHA256) without encrypting: the value is a random id
// with nothing to hide from its owner. The codec's own timestamp check is a
// second line behind the server-side lifetimes (it reads the wall clock).
func newCodec(macKey []byte, maxAge time.Duration) securecookie.Codec {
	return securecookie.New(macKey, nil).
		SetSerializer(securecookie.NopEncoder{}).
		MaxLength(maxCookieValue).
		MaxAge(int((maxAge + time.Minute) / time.Second))
}

// encodeID signs id for the cookie called name with the newest key.
func encodeID(codecs []securecookie.Codec, name, id string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != idBytes {
		return "", errors.New("session: malformed id")
	}
	v, err := codecs[0].Encode(name, raw)
	if err != nil {
		return "", fmt.Errorf("sign cookie: %w", err)
	}
	return v, nil
}

// decodeID verifies a cookie value with every key and returns the id, or
// false for anything not signed by one of our keys.
func decodeID(codecs []securecookie.Codec, name, value string) (string, bool) {
	if value == "" || len(value) > maxCookieValue {
		return "", false
	}
	var raw []byte
	if err := securecookie.DecodeMulti(name, value, &raw, codecs...); err != nil {
		return "", false
	}
	if len(raw) != idBytes {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(raw), true
}

// seal encrypts plaintext with the newest key, bound to ad.
func (kr *keyring) seal(plaintext []byte, ad string) []byte {
	s := kr.sealers[0]
	out := make([]byte, 2, 2+len(plaintext)+s.aead.Overhead())
	out[0], out[1] = sealVersion, s.id
	return s.aead.Seal(out, nil, plaintext, []byte(ad))
}

// open decrypts a sealed value with whichever key wrote it. Key ids are one
// byte, so two keys may share one; GCM's tag tells which is right.
func (kr *keyring) open(sealed []byte, ad string) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != sealVersion {
		return nil, errUnsealed
	}
	for _, s := range kr.sealers {
		if s.id != sealed[1] {
			continue
		}
		if pt, err := s.aead.Open(nil, nil, sealed[2:], []byte(ad)); err == nil {
			return pt, nil
		}
	}
	return nil, errUnsealed
}
