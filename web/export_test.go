package web

import "strings"

// Exports for the web_test package only: the route table as tests walk it (the authorization
// matrix, cross-origin and no-state-change-on-GET checks), and a bare Server for the header
// tests. No other package needs them.

type Options = serverOptions

var NewServer = newServer

// RouteInfo describes one entry of the route table.
type RouteInfo struct {
	Pattern string // e.g. "POST /admin/users/{id}/suspend"
	Method  string
	Path    string
	Access  string // public, user, staff, admin
	StepUp  bool
	Limits  []string
}

// Routes lists the route table.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		ri := RouteInfo{Pattern: rt.pattern, Method: method, Path: path, Access: rt.access.String(), StepUp: rt.stepUp}
		for _, l := range rt.limits {
			ri.Limits = append(ri.Limits, l.Name)
		}
		out = append(out, ri)
	}
	return out
}
