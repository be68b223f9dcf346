package client

import (
	"context"
	"net/http"
)

// Credential authorizes the Client's requests to Okta. Two kinds exist: an SSWS API token
// (NewAPIToken, what New uses) and an OAuth 2.0 service app (NewServiceApp), which Okta
// recommends; WithBearer uses a person's own access token. Implementations must be safe for
// concurrent use.
type Credential interface {
	// Authorize sets req's Authorization header and, for a DPoP-bound token, its DPoP proof.
	// It is called for every attempt, retries included, so that each attempt carries a fresh
	// proof; it may fetch an access token first. Its error is returned to the caller as is.
	Authorize(ctx context.Context, req *http.Request) error
	// Answered is told the status and headers of every answer to a request it authorized:
	// a DPoP server may hand out a new nonce on any answer. It reports whether the request is
	// worth sending once more, authorized anew: after a 401 that rejected the access token it
	// has now dropped, or that asked for a DPoP nonce it has now learned. A 401 means Okta did
	// nothing, so the Client resends even a mutation.
	Answered(req *http.Request, status int, h http.Header) (retry bool)
}

// apiToken is an SSWS API token: it acts with its owner's admin rights (USERS-API.md §7.1).
type apiToken string

// NewAPIToken returns the credential of an SSWS API token. New(baseURL, token) is
// NewWithCredential(baseURL, NewAPIToken(token)).
func NewAPIToken(token string) Credential { return apiToken(token) }

func (t apiToken) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "SSWS "+string(t))
	return nil
}

// Answered never asks for a retry: there is no other token to try.
func (apiToken) Answered(*http.Request, int, http.Header) bool { return false }

func (apiToken) String() string { return "SSWS " + redacted }

// bearerToken is a person's own access token (WithBearer). When Okta rejects it, only a new
// sign-in or a refresh by the caller helps, so it never asks for a retry either.
type bearerToken string

func (t bearerToken) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(t))
	return nil
}

func (bearerToken) Answered(*http.Request, int, http.Header) bool { return false }

func (bearerToken) String() string { return "Bearer " + redacted }
