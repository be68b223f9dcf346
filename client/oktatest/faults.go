package oktatest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveFaultControl serves POST /_emulator/fault: the HTTP form of Inject, for
// out-of-process tests. Query parameters:
//
//	path   a URL path prefix, e.g. /api/v1/users (default: every path)
//	status the HTTP status to answer, with Okta's error body for it: the code
//	       Okta pairs with the status (429 E0000047, 404 E0000007, 409
//	       E0000112, 500 E0000009, 503 E0000010, ...) unless code= names one
//	count  how many matching requests fail (default: until clear-faults)
//	method only requests with this method (default: any)
//	code   the errorCode to send instead of the status's
//	delay  a duration to wait first (alone: a slow answer, then served normally)
//	drop   true: close the connection without answering
//	hang   true: never answer (until the client gives up)
//
// It answers 204, or 400 E0000001 naming the bad parameter.
func (s *Server) serveFaultControl(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Fault{Path: q.Get("path"), Method: strings.ToUpper(q.Get("method")), ErrorCode: q.Get("code")}
	bad := func(name, msg string) { writeOktaError(w, validationError(name, name+": "+msg)) }
	if v := q.Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 400 || n > 599 {
			bad("status", "must be an HTTP error status (400-599)")
			return
		}
		f.Status = n
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad("count", "must be a positive number")
			return
		}
		f.Times = n
	}
	if v := q.Get("delay"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("delay", "must be a duration such as 250ms")
			return
		}
		f.Delay = d
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"drop", &f.Drop}, {"hang", &f.Hang}} {
		if v := q.Get(b.name); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				bad(b.name, "must be true or false")
				return
			}
			*b.dst = on
		}
	}
	if f.Status == 0 && f.Delay == 0 && !f.Drop && !f.Hang {
		bad("status", "give status, delay, drop or hang")
		return
	}
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		bad("path", "must start with /")
		return
	}
	s.Inject(f)
	w.WriteHeader(http.StatusNoContent)
}
