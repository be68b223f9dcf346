package handlers

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"gatehouse/i18n"
)

// TestWaitInWords: how long to wait is said in the sentence's language, with the plural form
// the language gives the number; the log reads the English.
func TestWaitInWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, lang string
		wait       time.Duration
		want       string
	}{
		{name: "under a minute", lang: "en", wait: 20 * time.Second, want: "a minute"},
		{name: "minutes round up", lang: "en", wait: 14*time.Minute + time.Second, want: "15 minutes"},
		{name: "German plural", lang: "de", wait: 5 * time.Minute, want: "5 Minuten"},
		{name: "French singular past a minute", lang: "fr", wait: 61 * time.Second, want: "2 minutes"},
		{name: "Japanese has no plural", lang: "ja", wait: 3 * time.Minute, want: "3分"},
		{name: "an hour or more", lang: "es", wait: 2 * time.Hour, want: "una hora"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, waitPhrase(tt.wait).in(i18n.New(tt.lang, nil)))
		})
	}
}

// TestTooManyTriesInTheLanguage: the limiter's refusal carries its wait as a phrase, so the page
// says it in the person's language and the log in English.
func TestTooManyTriesInTheLanguage(t *testing.T) {
	t.Parallel()
	e := tooManyTries(15 * time.Minute)
	assert.Equal(t, "You have tried this too many times. Nothing was done this time; please wait 15 minutes and try again.", e.Msg)
	_, msg := e.Words(i18n.New("de", nil))
	assert.Equal(t, "Sie haben es zu oft versucht. Diesmal wurde nichts ausgeführt; bitte warten Sie 15 Minuten und versuchen Sie es dann erneut.", msg)
}
