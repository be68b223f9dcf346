package oktatest

import (
	"fmt"
	"slices"
	"strings"
)

// Group expressions of listGroups ([SPEC] listGroups): search= "for all properties except for
// _embedded, _links, and objectClass" — any profile attribute, id, created,
// lastMembershipUpdated, lastUpdated, type and source.id — with sw, eq and co ("You can
// only use co with … profile.name and profile.description") and, as its examples show, gt
// and lt on timestamps; filter= on id, type, lastUpdated and lastMembershipUpdated.

func groupAttrs() exprAttrs[*group] {
	return exprAttrs[*group]{value: groupAttrValue, check: checkGroupAttrOp, isTime: isGroupTimeAttr}
}

func isGroupTimeAttr(attr string) bool {
	return attr == "created" || attr == "lastUpdated" || attr == "lastMembershipUpdated"
}

func checkGroupAttrOp(mode exprMode, attr, op string) error {
	if mode == modeFilter {
		if !slices.Contains([]string{"id", "type", "lastUpdated", "lastMembershipUpdated"}, attr) {
			return fmt.Errorf("attribute %s not filterable: %w", attr, errBadExpr)
		}
		if op == "eq" || (isGroupTimeAttr(attr) && slices.Contains([]string{"gt", "ge", "lt", "le"}, op)) {
			return nil
		}
		return fmt.Errorf("operator %s not allowed on %s: %w", op, attr, errBadExpr)
	}
	if !slices.Contains([]string{"id", "created", "lastMembershipUpdated", "lastUpdated", "type", "source.id"}, attr) &&
		!strings.HasPrefix(attr, "profile.") {
		return fmt.Errorf("attribute %s not searchable: %w", attr, errBadExpr)
	}
	switch op {
	case "eq", "sw", "pr":
		return nil
	case "co":
		if attr == "profile.name" || attr == "profile.description" {
			return nil
		}
	case "gt", "ge", "lt", "le":
		if isGroupTimeAttr(attr) {
			return nil
		}
	}
	return fmt.Errorf("operator %s not allowed on %s: %w", op, attr, errBadExpr)
}

func groupAttrValue(g *group, attr string) (string, bool) {
	switch attr {
	case "id":
		return g.id, true
	case "type":
		return g.typ, true
	case "created":
		return timeAttr(g.created)
	case "lastUpdated":
		return timeAttr(g.lastUpdated)
	case "lastMembershipUpdated":
		return timeAttr(g.lastMembershipUpdated)
	case "source.id":
		return g.sourceAppID, g.sourceAppID != ""
	}
	name, ok := strings.CutPrefix(attr, "profile.")
	if !ok {
		return "", false
	}
	if v, ok := groupProfile(g)[name]; ok && v != nil {
		return fmt.Sprint(v), true
	}
	return "", false
}

// sortedGroups orders group ids by attr for search= with sortBy= (ties by id, groups
// without the attribute last), descending with desc. s.mu must be held.
func (s *Server) sortedGroups(attr string, desc bool) []string {
	ids := slices.Clone(s.st.groupOrder)
	key := func(id string) (string, bool) {
		v, ok := groupAttrValue(s.st.groups[id], attr)
		return strings.ToLower(v), ok && v != ""
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		ka, oka := key(a)
		kb, okb := key(b)
		switch {
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		case ka != kb:
			c := strings.Compare(ka, kb)
			if desc {
				c = -c
			}
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}
