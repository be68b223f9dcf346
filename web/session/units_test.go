package session

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSec12_SessionIDs(t *testing.T) {
	const n = 100_000
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	seen := make(map[string]struct{}, n)
	for range n {
		id := newID()
		if !urlSafe.MatchString(id) {
			require.Failf(t, "id is not 43 base64url characters", "%q", id)
		}
		seen[id] = struct{}{}
	}
	assert.Len(t, seen, n, "100,000 ids must be unique")
	raw, err := base64.RawURLEncoding.DecodeString(newID())
	require.NoError(t, err)
	assert.Len(t, raw, 32, "ids carry 256 bits")
}

func TestParseKeys(t *testing.T) {
	key := bytes.Repeat([]byte{0xfb, 0xff, 0x3e}, 11)[:32] // has '+', '/', '-' and '_' in base64
	hexKey := hex.EncodeToString(key)
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{name: "hex", in: hexKey, want: 1},
		{name: "upper-case hex", in: strings.ToUpper(hexKey), want: 1},
		{name: "std base64", in: base64.StdEncoding.EncodeToString(key), want: 1},
		{name: "std base64 unpadded", in: base64.RawStdEncoding.EncodeToString(key), want: 1},
		{name: "url base64", in: base64.URLEncoding.EncodeToString(key), want: 1},
		{name: "url base64 unpadded", in: base64.RawURLEncoding.EncodeToString(key), want: 1},
		{name: "several with spaces", in: hexKey + " , " + base64.StdEncoding.EncodeToString(key), want: 2},
		{name: "empty", in: " ", wantErr: "none given"},
		{name: "empty item", in: hexKey + ",", wantErr: "key 2 of 2: empty"},
		{name: "short hex", in: hexKey[:62], wantErr: "key 1 of 1"},
		{name: "16-byte base64", in: base64.StdEncoding.EncodeToString(key[:16]), wantErr: "key 1 of 1: decodes to 16 bytes"},
		{name: "garbage in second position", in: hexKey + ",not-a-key!!", wantErr: "key 2 of 2: not 32 bytes"},
		{name: "non-hex 64 characters", in: strings.Repeat("g", 63) + "!", wantErr: "key 1 of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseKeys(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				for _, item := range strings.Split(tt.in, ",") {
					if item = strings.TrimSpace(item); len(item) > 3 {
						assert.NotContains(t, err.Error(), item, "errors never echo key material")
					}
				}
				assert.NotContains(t, err.Error(), "'g'", "nor single characters of it")
				return
			}
			require.NoError(t, err)
			require.Len(t, keys, tt.want)
			for _, k := range keys {
				assert.Equal(t, key, k)
			}
		})
	}
}

func TestNewStoreOptions(t *testing.T) {
	b := NewMemoryBackend(nil)
	t.Cleanup(func() { _ = b.Close() })
	k := [][]byte{testKey1()}
	tests := []struct {
		name    string
		b       Backend
		o       Options
		wantErr string
	}{
		{name: "defaults", b: b, o: Options{Keys: k}},
		{name: "no backend", o: Options{Keys: k}, wantErr: "nil backend"},
		{name: "no keys", b: b, o: Options{}, wantErr: "at least one"},
		{name: "short key", b: b, o: Options{Keys: [][]byte{testKey1(), make([]byte, 16)}}, wantErr: "key 2 is 16 bytes"},
		{name: "bad cookie name", b: b, o: Options{Keys: k, CookieName: "a b;"}, wantErr: "cookie name"},
		{name: "login TTL above 10 min", b: b, o: Options{Keys: k, LoginTTL: 11 * time.Minute}, wantErr: "login TTL"},
		{name: "touch as long as idle", b: b, o: Options{Keys: k, IdleTimeout: time.Minute, TouchEvery: time.Minute}, wantErr: "touch interval"},
		{name: "negative idle", b: b, o: Options{Keys: k, IdleTimeout: -time.Minute}, wantErr: "idle timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewStore(tt.b, tt.o)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "gatehouse", s.CookieName())
			assert.Equal(t, "gatehouse_login", s.LoginCookieName())
			assert.Equal(t, DefaultIdleTimeout, s.o.IdleTimeout)
			assert.Equal(t, DefaultMaxLifetime, s.o.MaxLifetime)
			assert.Equal(t, defaultLoginTTL, s.o.LoginTTL)
			assert.Equal(t, defaultTouchEvery, s.o.TouchEvery)
		})
	}
}

func TestRedaction(t *testing.T) {
	rec := testRecord("00uada")
	rec.ID = newID()
	tx := LoginTx{State: "STATE-secret", Nonce: "NONCE-secret", Verifier: "VERIFIER-secret", ReturnTo: "/apps", Extra: map[string]string{"hint": "EXTRA-secret"}}
	opts := Options{Keys: [][]byte{[]byte("KEYMATERIAL-0123456789abcdefghij")}, CookieName: "gatehouse"}
	secrets := []string{rec.ID, "ACCESS-", "REFRESH-", "IDTOKEN-", rec.Email, rec.Name, "STATE-", "NONCE-", "VERIFIER-", "EXTRA-", "KEYMATERIAL"}

	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("x", "rec", rec, "recv", *rec, "tokens", rec.Tokens, "tx", tx, "opts", opts)
	outputs := map[string]string{"slog": logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outputs[verb+" record"] = fmt.Sprintf(verb, rec)
		outputs[verb+" record value"] = fmt.Sprintf(verb, *rec)
		outputs[verb+" tokens"] = fmt.Sprintf(verb, rec.Tokens)
		outputs[verb+" tx"] = fmt.Sprintf(verb, tx)
		outputs[verb+" options"] = fmt.Sprintf(verb, opts)
	}
	for name, out := range outputs {
		for _, secret := range secrets {
			assert.NotContains(t, out, secret, "%s leaks a secret", name)
		}
	}
	assert.Equal(t, "{access:true refresh:true id:true expiry:2026-03-02T10:00:00Z}", rec.Tokens.String())
	assert.Equal(t, "{access:false refresh:false id:false expiry:-}", Tokens{}.String())
	assert.Contains(t, logs.String(), `"tokens":{"access":true,"refresh":true,"id":true`)
	assert.Contains(t, rec.String(), "00uada", "the user id is what logs need")
	assert.Contains(t, tx.String(), "extra:[hint]")
}

func TestSealing(t *testing.T) {
	kr1, err := newKeyring([][]byte{testKey1()}, time.Hour, time.Minute)
	require.NoError(t, err)
	kr21, err := newKeyring([][]byte{testKey2(), testKey1()}, time.Hour, time.Minute)
	require.NoError(t, err)

	sealed := kr1.seal([]byte("plaintext"), adRecord+"id1")
	assert.Equal(t, byte(sealVersion), sealed[0])
	assert.Equal(t, kr1.sealers[0].id, sealed[1], "the key-id byte names the sealing key")
	assert.Len(t, sealed, 2+12+len("plaintext")+16, "version, key id, 96-bit nonce, ciphertext, tag")
	assert.NotEqual(t, sealed, kr1.seal([]byte("plaintext"), adRecord+"id1"), "nonces are random")

	tests := []struct {
		name   string
		kr     *keyring
		sealed []byte
		ad     string
		ok     bool
	}{
		{name: "same key", kr: kr1, sealed: sealed, ad: adRecord + "id1", ok: true},
		{name: "older key after rotation", kr: kr21, sealed: sealed, ad: adRecord + "id1", ok: true},
		{name: "another id", kr: kr1, sealed: sealed, ad: adRecord + "id2"},
		{name: "a login transaction is not a record", kr: kr1, sealed: sealed, ad: adLogin + "id1"},
		{name: "unknown version", kr: kr1, sealed: append([]byte{9}, sealed[1:]...), ad: adRecord + "id1"},
		{name: "truncated", kr: kr1, sealed: sealed[:1], ad: adRecord + "id1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.kr.open(tt.sealed, tt.ad)
			if !tt.ok {
				assert.ErrorIs(t, err, errUnsealed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "plaintext", string(pt))
		})
	}

	// The key id is only a hint: with a colliding id byte the right key is
	// still found.
	collide := &keyring{sealers: []sealer{{id: kr1.sealers[0].id, aead: kr21.sealers[0].aead}, kr1.sealers[0]}}
	pt, err := collide.open(sealed, adRecord+"id1")
	require.NoError(t, err)
	assert.Equal(t, "plaintext", string(pt))
}

func TestCookieSize(t *testing.T) {
	fx := memoryFixture(t)
	s := newStore(t, fx)
	for range 100 {
		_, c := start(t, s, "00uada")
		assert.Less(t, len(c.Value), 200)
		assert.LessOrEqual(t, len(c.Value), maxCookieValue)
	}
	w := httptest.NewRecorder()
	require.NoError(t, s.BeginLogin(t.Context(), w, LoginTx{State: strings.Repeat("s", 4000)}))
	assert.Less(t, len(setCookie(w, s.LoginCookieName()).Value), 200, "the login cookie does not grow with the transaction")
}
