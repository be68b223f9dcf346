package i18n

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, ok := LoadZone(name)
	if !ok {
		t.Fatalf("no time zone %s", name)
	}
	return z
}

func TestStampInZoneAndLanguage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	winter := time.Date(2024, 1, 10, 17, 5, 0, 0, time.UTC)
	tests := []struct {
		name, lang, zone string
		at               time.Time
		want             string
	}{
		{name: "unknown zone is UTC, labelled", lang: "en", at: winter, want: "10 Jan 2024, 17:05 UTC (2 years ago)"},
		{name: "Pacific in winter", lang: "en", zone: "America/Los_Angeles", at: winter, want: "10 Jan 2024, 09:05 PST (2 years ago)"},
		{name: "Pacific in summer", lang: "en", zone: "America/Los_Angeles", at: now.Add(-3 * time.Hour), want: "15 Jul 2026, 02:00 PDT (3 hours ago)"},
		{name: "German in Berlin", lang: "de", zone: "Europe/Berlin", at: winter, want: "10.01.2024, 18:05 CET (vor 2 Jahren)"},
		{name: "German, one day", lang: "de", zone: "Europe/Berlin", at: now.Add(-30 * time.Hour), want: "14.07.2026, 08:00 CEST (vor 30 Stunden)"},
		{name: "Japanese in Tokyo", lang: "ja", zone: "Asia/Tokyo", at: winter, want: "2024年1月11日 02:05 JST（2年前）"},
		{name: "French", lang: "fr", zone: "Europe/Paris", at: now.Add(-1 * time.Minute), want: "15/07/2026 13:59 CEST (il y a 1 minute)"},
		{name: "Spanish", lang: "es", zone: "Europe/Madrid", at: now.Add(-5 * 24 * time.Hour), want: "10/07/2026, 14:00 CEST (hace 5 días)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var z *time.Location
			if tt.zone != "" {
				z = mustZone(t, tt.zone)
			}
			at := tt.at
			assert.Equal(t, tt.want, New(tt.lang, z).Stamp(&at, now))
		})
	}
	assert.Empty(t, English().Stamp(nil, now), "no time, no words")
	assert.Empty(t, English().Stamp(&time.Time{}, now), "Okta's null is the zero time")
}

// TestAgoPlurals: relative times take the plural form CLDR gives the number in each language.
func TestAgoPlurals(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	tests := []struct {
		lang string
		d    time.Duration
		want string
	}{
		{"en", 10 * time.Second, "just now"},
		{"en", time.Minute, "1 minute ago"},
		{"en", 2 * time.Minute, "2 minutes ago"},
		{"en", 47 * time.Hour, "47 hours ago"},
		{"en", 3 * day, "3 days ago"},
		{"en", 90 * day, "3 months ago"},
		{"en", 400 * day, "13 months ago"},
		{"en", 365 * day * 2, "2 years ago"},
		{"de", time.Hour, "vor 1 Stunde"},
		{"de", 2 * 365 * day, "vor 2 Jahren"},
		{"de", 30 * day, "vor 30 Tagen"},
		{"fr", time.Hour, "il y a 1 heure"},
		{"fr", 2 * time.Hour, "il y a 2 heures"},
		{"es", 61 * day, "hace 2 meses"},
		{"es", 35 * day, "hace 35 días"},
		{"ja", 2 * 365 * day, "2年前"},
		{"ja", 5 * time.Second, "たった今"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, New(tt.lang, nil).Ago(tt.d))
		})
	}
	// French and Spanish have CLDR's "many" for round millions.
	assert.Equal(t, "il y a 1\u00a0000\u00a0000 d’ans", New("fr", nil).Tn("time.years_ago", 1_000_000))
	assert.Equal(t, "hace 1.000.000 de años", New("es", nil).Tn("time.years_ago", 1_000_000))
	assert.Equal(t, "il y a 0 minute", New("fr", nil).Tn("time.minutes_ago", 0), "French counts 0 as one")
}

func TestLoadZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"America/Los_Angeles", true},
		{"Asia/Tokyo", true},
		{"America/Argentina/Buenos_Aires", true},
		{"Etc/GMT+5", true},
		{"UTC", true},
		{"", false},
		{"Local", false},
		{"Mars/Olympus_Mons", false},
		{"../../etc/passwd", false},
		{"/etc/localtime", false},
		{"america/los_angeles", false},
		{"Europe/Berlin\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, ok := LoadZone(tt.name)
			assert.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.name, z.String())
			}
		})
	}
}
