package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxFormBytes bounds every form body (SECURITY.md 34).
const maxFormBytes = 64 << 10

// parseForm reads a POST form under a size limit.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e := newError(http.StatusRequestEntityTooLarge, "error.form.title", "error.form.too_much", nil)
			e.Err = err
			return e
		}
		return badRequest("error.form.unreadable")
	}
	return nil
}

// field returns a trimmed form value, or the raw value for secrets (passwords keep their
// spaces).
func field(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

func secretField(r *http.Request, name string) string {
	return r.PostFormValue(name)
}

// validText checks a free-text field's length (in characters) and rejects control characters.
func validText(s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if n < min {
		if min == 1 {
			return errors.New("required")
		}
		return fmt.Errorf("at least %d characters", min)
	}
	if n > max {
		return fmt.Errorf("at most %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errors.New("control characters")
		}
	}
	if !utf8.ValidString(s) {
		return errors.New("invalid text")
	}
	return nil
}
