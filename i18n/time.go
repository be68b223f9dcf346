package i18n

import (
	"regexp"
	"time"
)

// Time formats t as a date and time in the Locale's zone, the zone's abbreviation after it
// ("2 Jan 2026, 09:15 PST"; "UTC" when the person's zone is unknown, so nobody takes UTC for
// local time).
func (l *Locale) Time(t time.Time) string {
	t = t.In(l.zone)
	return t.Format(dateLayouts[l.lang]) + " " + t.Format("MST")
}

// Stamp formats an Okta timestamp for people: absolute and relative ("2 Jan 2026, 09:15 PST
// (3 days ago)"), or "" when there is none. now is the portal's clock.
func (l *Locale) Stamp(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return l.Tf("time.stamp", map[string]any{"When": l.Time(*t), "Ago": l.Ago(now.Sub(*t))})
}

// Ago says how long ago something happened, d before now, in words ("3 days ago", "vor 3
// Tagen", "3日前"), rounded down to the largest sensible unit.
func (l *Locale) Ago(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return l.T("time.just_now")
	case d < time.Hour:
		return l.Tn("time.minutes_ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return l.Tn("time.hours_ago", int(d/time.Hour))
	case d < 60*day:
		return l.Tn("time.days_ago", int(d/day))
	case d < 730*day:
		return l.Tn("time.months_ago", int(d/(30*day)))
	}
	return l.Tn("time.years_ago", int(d/(365*day)))
}

// zoneName is the shape of an IANA time zone name ("America/Los_Angeles", "Etc/GMT+5",
// "UTC"): checked before the name reaches time.LoadLocation, which would otherwise look up
// whatever a cookie says.
var zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9][A-Za-z0-9_+\-]*){0,2}$`)

// LoadZone returns the IANA time zone name names, and false for anything that is not one.
func LoadZone(name string) (*time.Location, bool) {
	if name == "" || len(name) > 64 || !zoneName.MatchString(name) || name == "Local" {
		return nil, false
	}
	z, err := time.LoadLocation(name)
	if err != nil || z.String() != name {
		return nil, false
	}
	return z, true
}
