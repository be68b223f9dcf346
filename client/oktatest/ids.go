package oktatest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"regexp"
	"strings"
	"time"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Okta ids are a three-character type prefix plus 17 base62 characters.
const (
	prefixUser       = "00u"
	prefixGroup      = "00g"
	prefixApp        = "0oa"
	prefixAssignment = "0ua"
	prefixUserType   = "oty"
	prefixOrg        = "00o"
	prefixAppLink    = "aln"
	prefixSchema     = "osc"
	idBodyLength     = 17
)

// userIDPattern is the shape of a user id; an "after" cursor must look like one.
var userIDPattern = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)

// timeLayout is Okta's timestamp format: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// formatTimePtr renders a nullable timestamp: the zero time is JSON null.
func formatTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

// randomString returns n uniformly random base62 characters from crypto/rand.
func randomString(n int) string {
	var b strings.Builder
	b.Grow(n)
	buf := make([]byte, 64)
	for b.Len() < n {
		if _, err := rand.Read(buf); err != nil {
			panic("oktatest: crypto/rand failed: " + err.Error())
		}
		for _, c := range buf {
			// Rejection sampling keeps the distribution uniform (248 = 4*62).
			if c < 248 && b.Len() < n {
				b.WriteByte(base62[c%62])
			}
		}
	}
	return b.String()
}

// derivedString returns n base62 characters derived from seed with SHA-256, so
// seeded ids are the same on every start and demo URLs stay stable.
func derivedString(seed string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for counter := uint32(0); b.Len() < n; counter++ {
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], counter)
		sum := sha256.Sum256(append([]byte(seed), c[:]...))
		for _, x := range sum {
			if x < 248 && b.Len() < n {
				b.WriteByte(base62[x%62])
			}
		}
	}
	return b.String()
}

func newID(prefix string) string { return prefix + randomString(idBodyLength) }

func derivedID(prefix, key string) string {
	return prefix + derivedString(prefix+":"+strings.ToLower(key), idBodyLength)
}

// newRequestID mimics Okta's opaque X-Okta-Request-Id values.
func newRequestID() string { return "req" + randomString(22) }

func newErrorID() string { return "oae" + randomString(22) }

// hashSecret hashes a password or recovery answer with the user's salt. SHA-256 is
// not a password hash, but the emulator only needs to not keep plaintext.
func hashSecret(salt []byte, secret string) [32]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte{0})
	h.Write([]byte(secret))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// tokenKey is how issued bearer secrets are indexed: never by their plaintext.
func tokenKey(token string) [32]byte { return sha256.Sum256([]byte(token)) }

func newSalt() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("oktatest: crypto/rand failed: " + err.Error())
	}
	return b
}
