package client

// Receipt names one Okta answer by the id Okta gave it (the X-Okta-Request-Id header), the id
// Okta's System Log and support know the call by. Every operation that changes something
// returns one — alone, or embedded in its result — so that an audit record names the very
// call it records, whatever other calls the same request made before or after it.
type Receipt struct {
	// RequestID is X-Okta-Request-Id; "" when the answer had none (or, on a user or
	// credentials object, when it came inside a list or another object).
	RequestID string `json:"-"`
}

// stamp records the id of the answer that carried the value.
func (r *Receipt) stamp(id string) { r.RequestID = id }

// stamper is a decoded answer that keeps the id of the response it came in.
type stamper interface{ stamp(id string) }

// stampFrom records the answer's request id on out when out keeps one.
func stampFrom(out any, res *response) {
	if s, ok := out.(stamper); ok && res != nil {
		s.stamp(res.header.Get("X-Okta-Request-Id"))
	}
}
