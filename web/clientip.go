package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address used for rate limits and logs. X-Forwarded-For is believed only
// when the direct peer is a configured trusted proxy, and then only up to the first address
// that is not itself a trusted proxy (SECURITY.md 46): anyone else can write that header.
func (s *Server) clientIP(r *http.Request) string {
	peer := remoteAddr(r)
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	var all []string
	for _, h := range hops {
		for part := range strings.SplitSeq(h, ",") {
			all = append(all, strings.TrimSpace(part))
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(all[i])
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.o.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}
