package oktatest

import (
	"context"
	"net/http"
	"strings"
)

// reqRecord carries what the handlers learn about a request to the logger.
type reqRecord struct {
	op      string
	auth    string
	subject string
}

type recKey struct{}

func recordOf(ctx context.Context) *reqRecord {
	if r, ok := ctx.Value(recKey{}).(*reqRecord); ok {
		return r
	}
	return &reqRecord{}
}

// statusWriter remembers the status written, for the request log, and calls
// onStatus once with it before the header goes out.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onStatus func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if w.onStatus != nil {
			w.onStatus(code)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routes builds the handler: the control API, then the per-request pipeline
// (request log → faults → latency → rate limit → route).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	ops := map[string]string{}
	handle := func(pattern, op string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, h)
		ops[pattern] = op
	}

	// Org authorization server (OIDC).
	handle("GET /.well-known/openid-configuration", "discovery", s.handleDiscovery)
	handle("GET /.well-known/oauth-authorization-server", "discovery", s.handleDiscovery)
	handle("GET /oauth2/v1/keys", "keys", s.handleKeys)
	handle("GET /oauth2/v1/authorize", "authorize", s.handleAuthorize)
	handle("POST /oauth2/v1/token", "token", s.handleToken)
	handle("GET /oauth2/v1/userinfo", "userinfo", s.handleUserinfo)
	handle("POST /oauth2/v1/userinfo", "userinfo", s.handleUserinfo)
	handle("POST /oauth2/v1/revoke", "revoke", s.handleRevoke)
	handle("POST /oauth2/v1/introspect", "introspect", s.handleIntrospect)
	handle("GET /oauth2/v1/logout", "logout", s.handleLogout)
	handle("POST /oauth2/v1/logout", "logout", s.handleLogout)

	// The MyAccount API (Identity Engine).
	handle("GET /idp/myaccount/password/complexity-requirements", "getPasswordRequirements", s.handleMyPasswordRequirements)

	// Pages a person sees.
	handle("POST /signin", "signIn", s.handleSignIn)
	handle("POST /signin/expired-password", "changeExpiredPassword", s.handleExpiredPassword)
	handle("POST /signin/idp", "signInIdP", s.handleIdPSignIn)
	handle("POST /signin/factor", "verifyFactor", s.handleFactor)
	handle("GET /welcome/{token}", "activationPage", s.handleWelcome)
	handle("POST /welcome/{token}", "activationPage", s.handleWelcome)
	// Identity Engine orgs' activation links (USERS-API.md §10.17).
	handle("GET /tokens/{token}/verify", "activationPage", s.handleWelcome)
	handle("POST /tokens/{token}/verify", "activationPage", s.handleWelcome)
	handle("GET /reset_password/{token}", "resetPasswordPage", s.handleResetPage)
	handle("POST /reset_password/{token}", "resetPasswordPage", s.handleResetPage)
	handle("GET /signin/reset-password/{token}", "resetPasswordPage", s.handleResetPage)
	handle("POST /signin/reset-password/{token}", "resetPasswordPage", s.handleResetPage)
	handle("GET /verify_email/{token}", "verifyEmailChange", s.handleVerifyEmail)
	handle("POST /verify_email/{token}", "verifyEmailChange", s.handleVerifyEmail)
	handle("GET /home/{appName}/{appID}/{linkID}", "appHome", s.handleAppHome)
	handle("GET /logos/{file}", "logo", s.handleLogo)
	handle("GET /logos/groups/{file}", "logo", s.handleGroupLogo)
	handle("GET /{$}", "home", s.handleIndex)

	api := s.apiRoutes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_emulator/") {
			s.serveControl(w, r)
			return
		}
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)

		rec := &reqRecord{}
		start := s.now()
		logged := false
		logRequest := func(status int) {
			logged = true
			s.record(Request{Time: start, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
				Auth: rec.auth, Subject: rec.subject, Status: status, Op: rec.op})
		}
		// The log entry is written before the answer leaves, so a test that
		// has its response can rely on finding the request in Requests.
		sw := &statusWriter{ResponseWriter: w, onStatus: logRequest}
		w.Header().Set("X-Okta-Request-Id", newRequestID())
		// Date comes from the emulator's clock so that X-Rate-Limit-Reset − Date
		// is meaningful under a fake clock.
		w.Header().Set("Date", start.Format(http.TimeFormat))
		r = r.WithContext(context.WithValue(r.Context(), recKey{}, rec))

		path := r.URL.Path
		var match apiMatch
		isAPI := path == "/api/v1" || strings.HasPrefix(path, "/api/v1/")
		if isAPI {
			match = matchAPI(api, r)
			rec.op = match.op()
		} else if _, pattern := mux.Handler(r); pattern != "" {
			rec.op = ops[pattern]
		}
		defer func() {
			if !logged {
				// No answer at all: a dropped, hung or abandoned request.
				logRequest(0)
			}
			s.log.Debug("oktatest request", "method", r.Method, "op", rec.op, "status", sw.status)
		}()

		b, limited := bucketFor(r.Method, path)
		if limited {
			// Requests in flight count against the org's concurrency limit
			// from the moment they arrive (a slow or hung answer holds its slot).
			if !s.conc.enter() {
				s.writeConcurrencyLimited(sw)
				return
			}
			defer s.conc.leave()
		}
		if f := s.takeFault(r.Method, path); f != nil && !s.applyFault(w, sw, r, f, b, limited) {
			return
		}
		if d := s.latencyFor(path); d > 0 && !sleepCtx(r.Context(), d) {
			return
		}
		if limited {
			rs := s.takeRate(b, s.credentialKey(r), path)
			setRateHeaders(w.Header(), rs)
			if rs.exceeded {
				writeOktaError(sw, apiError(http.StatusTooManyRequests, codeRateLimited))
				return
			}
		}
		if isAPI {
			s.serveAPI(sw, r, match, rec)
			return
		}
		mux.ServeHTTP(sw, r)
	})
}

// applyFault carries out f; it reports whether the request should continue to
// be served normally (a pure Delay). b is the request's rate-limit bucket when
// limited is set.
func (s *Server) applyFault(raw http.ResponseWriter, w *statusWriter, r *http.Request, f *Fault, b bucket, limited bool) bool {
	if !sleepCtx(r.Context(), f.Delay) {
		return false
	}
	switch {
	case f.Drop:
		if conn, _, err := http.NewResponseController(raw).Hijack(); err == nil {
			// Log first: the client may notice the close before this handler returns.
			if w.onStatus != nil {
				w.onStatus(0)
			}
			conn.Close()
			return false
		}
		// Not hijackable (e.g. HTTP/2 or a recorder): abort, which also closes
		// the stream without a response.
		panic(http.ErrAbortHandler)
	case f.Hang:
		<-r.Context().Done()
		return false
	case f.Status != 0:
		code := f.ErrorCode
		if code == "" {
			code = codeForStatus(f.Status)
		}
		if limited {
			// An injected answer still counts against the bucket and carries its
			// headers, as every Okta answer does (USERS-API.md §1, §8); an
			// injected 429 reports the bucket as spent.
			rs := s.takeRate(b, s.credentialKey(r), r.URL.Path)
			if f.Status == http.StatusTooManyRequests {
				rs.remaining = 0
			}
			setRateHeaders(w.Header(), rs)
		}
		writeOktaError(w, &oktaError{status: f.Status, code: code, summary: summaryFor(code)})
		return false
	}
	return true
}
