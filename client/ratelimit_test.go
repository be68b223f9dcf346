package client_test

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gatehouse/client"
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestParseRateLimit(t *testing.T) {
	reset := okDate.Unix() + 60
	resetStr := strconv.FormatInt(reset, 10)
	tests := []struct {
		name    string
		h       http.Header
		want    client.RateLimit
		wantErr bool
	}{
		{
			name: "Okta's three headers",
			h:    header("X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "599", "X-Rate-Limit-Reset", resetStr),
			want: client.RateLimit{Limit: 600, Remaining: 599, Reset: time.Unix(reset, 0).UTC(), Known: true},
		},
		{
			name: "concurrency limit shows zeros",
			h:    header("X-Rate-Limit-Limit", "0", "X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", resetStr),
			want: client.RateLimit{Reset: time.Unix(reset, 0).UTC(), Known: true},
		},
		{
			name: "repeated and comma-joined values: the smallest wins",
			h: header("X-Rate-Limit-Limit", "600, 100", "X-Rate-Limit-Remaining", "50", "X-Rate-Limit-Remaining", "7",
				"X-Rate-Limit-Reset", resetStr+", "+strconv.FormatInt(reset-30, 10)),
			want: client.RateLimit{Limit: 100, Remaining: 7, Reset: time.Unix(reset-30, 0).UTC(), Known: true},
		},
		{
			name: "surrounding spaces",
			h:    header("X-Rate-Limit-Limit", " 600 ", "X-Rate-Limit-Remaining", "\t1", "X-Rate-Limit-Reset", resetStr+" "),
			want: client.RateLimit{Limit: 600, Remaining: 1, Reset: time.Unix(reset, 0).UTC(), Known: true},
		},
		{name: "no headers", h: http.Header{}},
		{name: "a header missing", h: header("X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "599")},
		{name: "empty values", h: header("X-Rate-Limit-Limit", "", "X-Rate-Limit-Remaining", " , ", "X-Rate-Limit-Reset", "")},
		{
			name:    "not a number",
			h:       header("X-Rate-Limit-Limit", "lots", "X-Rate-Limit-Remaining", "599", "X-Rate-Limit-Reset", resetStr),
			wantErr: true,
		},
		{
			name:    "negative",
			h:       header("X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "-1", "X-Rate-Limit-Reset", resetStr),
			wantErr: true,
		},
		{
			name:    "absurd reset",
			h:       header("X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "1", "X-Rate-Limit-Reset", "99999999999999999999"),
			wantErr: true,
		},
		{
			name:    "fractional",
			h:       header("X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "1", "X-Rate-Limit-Reset", "1714583002.5"),
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := client.ParseRateLimit(tt.h)
			if tt.wantErr {
				require.Error(t, err)
				assert.False(t, got.Known)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRetryWait(t *testing.T) {
	date := okDate.Format(http.TimeFormat)
	reset := func(delta int64) string { return strconv.FormatInt(okDate.Unix()+delta, 10) }
	tests := []struct {
		name   string
		h      http.Header
		want   time.Duration
		wantOK bool
	}{
		{name: "reset in 9 s", h: header("Date", date, "X-Rate-Limit-Reset", reset(9)), want: 10 * time.Second, wantOK: true},
		{name: "reset now", h: header("Date", date, "X-Rate-Limit-Reset", reset(0)), want: time.Second, wantOK: true},
		{name: "reset already passed", h: header("Date", date, "X-Rate-Limit-Reset", reset(-30)), want: 0, wantOK: true},
		{name: "several resets: the smallest", h: header("Date", date, "X-Rate-Limit-Reset", reset(20), "X-Rate-Limit-Reset", reset(4)), want: 5 * time.Second, wantOK: true},
		{name: "RFC 850 date", h: header("Date", okDate.Format(time.RFC850), "X-Rate-Limit-Reset", reset(1)), want: 2 * time.Second, wantOK: true},
		{
			name: "a Date centuries ago saturates instead of overflowing",
			h:    header("Date", "Wed, 01 May 1000 00:00:00 GMT", "X-Rate-Limit-Reset", "0"),
			want: time.Duration(math.MaxInt64 / int64(time.Second) * int64(time.Second)), wantOK: true,
		},
		{name: "no Date", h: header("X-Rate-Limit-Reset", reset(9))},
		{name: "no Reset", h: header("Date", date)},
		{name: "bad Date", h: header("Date", "yesterday", "X-Rate-Limit-Reset", reset(9))},
		{name: "bad Reset", h: header("Date", date, "X-Rate-Limit-Reset", "soon")},
		{name: "huge Reset", h: header("Date", date, "X-Rate-Limit-Reset", "9223372036854775807")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := client.ParseRetryWait(tt.h)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzParseRateLimit checks that any header values parse without panicking and
// that a Known result is sane.
func FuzzParseRateLimit(f *testing.F) {
	f.Add("600", "599", "1714583062")
	f.Add("0", "0", "1714583062")
	f.Add("600, 100", " 7 ", "1714583062,1714583000")
	f.Add("", "", "")
	f.Add("-1", "x", "99999999999999999999")
	f.Add("9223372036854775807", "2147483648", "100000000000")
	f.Add(",,,", "\x00", "1e9")
	f.Fuzz(func(t *testing.T, limit, remaining, reset string) {
		h := http.Header{}
		h.Set("X-Rate-Limit-Limit", limit)
		h.Set("X-Rate-Limit-Remaining", remaining)
		h.Set("X-Rate-Limit-Reset", reset)
		rl, err := client.ParseRateLimit(h)
		if err != nil && rl.Known {
			t.Fatalf("Known with an error: %+v, %v", rl, err)
		}
		if rl.Known && (rl.Limit < 0 || rl.Remaining < 0 || rl.Reset.Unix() < 0) {
			t.Fatalf("insane result %+v from %q %q %q", rl, limit, remaining, reset)
		}
	})
}

// FuzzParseRetryWait checks that any Date and Reset never panic and never give a
// negative wait.
func FuzzParseRetryWait(f *testing.F) {
	f.Add("Wed, 01 May 2024 17:03:22 GMT", "1714583011")
	f.Add("Wed, 01 May 2024 17:03:22 GMT", "0")
	f.Add("Monday, 01-Jan-01 00:00:00 GMT", "100000000000")
	f.Add("Mon Jan  1 00:00:00 0001", "9223372036854775807")
	f.Add("", "")
	f.Add("garbage", "-5")
	f.Add("Wed, 01 MAY 1000 0:00:00 GMT", "0") // once overflowed time.Duration
	f.Fuzz(func(t *testing.T, date, reset string) {
		h := http.Header{}
		h.Set("Date", date)
		h.Set("X-Rate-Limit-Reset", reset)
		d, ok := client.ParseRetryWait(h)
		if d < 0 {
			t.Fatalf("negative wait %v from %q %q", d, date, reset)
		}
		if !ok && d != 0 {
			t.Fatalf("wait %v reported as unknown", d)
		}
	})
}
