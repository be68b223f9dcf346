package session

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// wireVersion is written into every stored record so that the format can
// change without misreading old records.
const wireVersion = 1

// wireRecord is the stored form of a Record: short JSON names keep a
// session near the size of its tokens, and times are Unix nanoseconds.
type wireRecord struct {
	V       int      `json:"v"`
	UserID  string   `json:"u"`
	Issuer  string   `json:"is,omitempty"`
	Login   string   `json:"l,omitempty"`
	Name    string   `json:"n,omitempty"`
	Email   string   `json:"e,omitempty"`
	Roles   []string `json:"r,omitempty"`
	RolesAt int64    `json:"rc,omitempty"`
	Auth    int64    `json:"at,omitempty"`
	ACR     string   `json:"acr,omitempty"` // optional: records from before it read as ""
	AMR     []string `json:"amr,omitempty"`
	Created int64    `json:"c"`
	Seen    int64    `json:"ls"`
	// Dev is the device (Record.Device); Device is the English summary Gatehouse stored
	// before issue 20 ("Chrome on macOS"), read from records of that time, never written.
	Dev     *wireDevice `json:"dv,omitempty"`
	Device  string      `json:"d,omitempty"`
	IP      string      `json:"ip,omitempty"`
	Access  string      `json:"ta,omitempty"`
	Refresh string      `json:"tr,omitempty"`
	IDToken string      `json:"ti,omitempty"`
	Expiry  int64       `json:"te,omitempty"`
	// Optional: records from before issue 20 read as "" (no choice, profile unknown).
	Lang     string `json:"lg,omitempty"`
	PrefLang string `json:"pl,omitempty"`
	Locale   string `json:"lc,omitempty"`
	Timezone string `json:"tz,omitempty"`
}

// wireDevice is the stored form of a Device.
type wireDevice struct {
	Browser string `json:"b,omitempty"`
	System  string `json:"s,omitempty"`
	Other   bool   `json:"o,omitempty"`
}

func toWireDevice(d Device) *wireDevice {
	if d.IsZero() {
		return nil
	}
	return &wireDevice{Browser: d.Browser, System: d.System, Other: d.Other}
}

func fromWire(w wireRecord) Device {
	if w.Dev != nil {
		return Device{Browser: w.Dev.Browser, System: w.Dev.System, Other: w.Dev.Other}
	}
	return legacyDevice(w.Device)
}

// legacyDevice reads the English summary records held before issue 20, which the web layer
// wrote from a closed vocabulary: "Chrome on macOS", "Chrome", "A browser on Android",
// "Another program". Such records live at most a session's absolute lifetime, and stay
// readable in every language meanwhile.
func legacyDevice(s string) Device {
	switch {
	case s == "":
		return Device{}
	case s == "Another program":
		return Device{Other: true}
	}
	if system, ok := strings.CutPrefix(s, "A browser on "); ok {
		return Device{System: system}
	}
	if browser, system, ok := strings.Cut(s, " on "); ok {
		return Device{Browser: browser, System: system}
	}
	return Device{Browser: s}
}

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func marshalRecord(r *Record) ([]byte, error) {
	b, err := json.Marshal(wireRecord{
		V:        wireVersion,
		UserID:   r.UserID,
		Issuer:   r.Issuer,
		Login:    r.Login,
		Name:     r.Name,
		Email:    r.Email,
		Roles:    r.Roles,
		RolesAt:  toNanos(r.RolesCheckedAt),
		Auth:     toNanos(r.AuthTime),
		ACR:      r.ACR,
		AMR:      r.AMR,
		Created:  toNanos(r.Created),
		Seen:     toNanos(r.LastSeen),
		Dev:      toWireDevice(r.Device),
		IP:       r.IP,
		Access:   r.Tokens.Access,
		Refresh:  r.Tokens.Refresh,
		IDToken:  r.Tokens.ID,
		Expiry:   toNanos(r.Tokens.Expiry),
		Lang:     r.Lang,
		PrefLang: r.PreferredLanguage,
		Locale:   r.Locale,
		Timezone: r.Timezone,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal session record: %w", err)
	}
	return b, nil
}

func unmarshalRecord(b []byte, id string) (*Record, error) {
	var w wireRecord
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("unmarshal session record: %w", err)
	}
	if w.V != wireVersion {
		return nil, fmt.Errorf("unmarshal session record: unknown version %d", w.V)
	}
	return &Record{
		ID:             id,
		UserID:         w.UserID,
		Issuer:         w.Issuer,
		Login:          w.Login,
		Name:           w.Name,
		Email:          w.Email,
		Roles:          w.Roles,
		RolesCheckedAt: fromNanos(w.RolesAt),
		AuthTime:       fromNanos(w.Auth),
		ACR:            w.ACR,
		AMR:            w.AMR,
		Created:        fromNanos(w.Created),
		LastSeen:       fromNanos(w.Seen),
		Device:         fromWire(w),
		IP:             w.IP,
		Tokens: Tokens{
			Access:  w.Access,
			Refresh: w.Refresh,
			ID:      w.IDToken,
			Expiry:  fromNanos(w.Expiry),
		},
		Lang:              w.Lang,
		PreferredLanguage: w.PrefLang,
		Locale:            w.Locale,
		Timezone:          w.Timezone,
	}, nil
}
