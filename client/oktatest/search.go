package oktatest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// predicate selects users for filter= and search= expressions.
type predicate = func(u *user) bool

// exprAttrs tells the parser about the records an expression selects (users or groups):
// how to read an attribute and which attributes and operators each dialect accepts.
type exprAttrs[T any] struct {
	value  func(rec T, attr string) (string, bool)
	check  func(mode exprMode, attr, op string) error
	isTime func(attr string) bool
}

// exprMode chooses the dialect: Okta's older filter= accepts a small subset,
// search= is SCIM-like (USERS-API.md §4.1). In both, attribute names are case
// sensitive and operators are not; filter= compares values case-sensitively,
// search= does not (Okta's listUsers parameter descriptions, docs/OKTA.md
// "Finding people").
type exprMode int

const (
	modeFilter exprMode = iota
	modeSearch
)

var errBadExpr = errors.New("invalid expression")

type exprToken struct {
	text   string
	quoted bool
}

func tokenizeExpr(s string) ([]exprToken, error) {
	var toks []exprToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, exprToken{text: string(c)})
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string: %w", errBadExpr)
			}
			toks = append(toks, exprToken{text: b.String(), quoted: true})
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()\"", rune(s[j])) {
				j++
			}
			toks = append(toks, exprToken{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

type exprParser[T any] struct {
	toks  []exprToken
	pos   int
	mode  exprMode
	attrs exprAttrs[T]
}

// parseExpr compiles a filter or search expression over users into a predicate.
// typeID is the org's (single) user type id, for type.id.
func parseExpr(s string, mode exprMode, typeID string) (predicate, error) {
	return parseExprOf(s, mode, userAttrs(typeID))
}

// userAttrs are the attributes of users' filter= and search= expressions.
func userAttrs(typeID string) exprAttrs[*user] {
	return exprAttrs[*user]{
		value:  func(u *user, attr string) (string, bool) { return attrValue(u, attr, typeID) },
		check:  checkUserAttrOp,
		isTime: isTimeAttr,
	}
}

// parseExprOf compiles an expression over records of any kind.
func parseExprOf[T any](s string, mode exprMode, attrs exprAttrs[T]) (func(T) bool, error) {
	toks, err := tokenizeExpr(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression: %w", errBadExpr)
	}
	p := &exprParser[T]{toks: toks, mode: mode, attrs: attrs}
	pred, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q: %w", p.toks[p.pos].text, errBadExpr)
	}
	return pred, nil
}

func (p *exprParser[T]) peekWord(w string) bool {
	return p.pos < len(p.toks) && !p.toks[p.pos].quoted && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *exprParser[T]) next() (exprToken, bool) {
	if p.pos >= len(p.toks) {
		return exprToken{}, false
	}
	t := p.toks[p.pos]
	p.pos++
	return t, true
}

func (p *exprParser[T]) or() (func(T) bool, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(r T) bool { return l(r) || right(r) }
	}
	return left, nil
}

func (p *exprParser[T]) and() (func(T) bool, error) {
	left, err := p.factor()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.factor()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(r T) bool { return l(r) && right(r) }
	}
	return left, nil
}

func (p *exprParser[T]) factor() (func(T) bool, error) {
	t, ok := p.next()
	if !ok {
		return nil, fmt.Errorf("unexpected end: %w", errBadExpr)
	}
	if !t.quoted && t.text == "(" {
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if c, ok := p.next(); !ok || c.quoted || c.text != ")" {
			return nil, fmt.Errorf("missing ): %w", errBadExpr)
		}
		return inner, nil
	}
	if t.quoted {
		return nil, fmt.Errorf("expected an attribute: %w", errBadExpr)
	}
	attr := t.text
	opTok, ok := p.next()
	if !ok || opTok.quoted {
		return nil, fmt.Errorf("expected an operator: %w", errBadExpr)
	}
	op := strings.ToLower(opTok.text)
	if err := p.attrs.check(p.mode, attr, op); err != nil {
		return nil, err
	}
	if op == "pr" {
		// pr: "the attribute has a non-empty value".
		return func(r T) bool { v, present := p.attrs.value(r, attr); return present && v != "" }, nil
	}
	val, ok := p.next()
	if !ok || (!val.quoted && (val.text == "(" || val.text == ")")) {
		return nil, fmt.Errorf("expected a value: %w", errBadExpr)
	}
	if p.mode == modeFilter && !val.quoted {
		return nil, fmt.Errorf("filter values must be quoted: %w", errBadExpr)
	}
	return compare(p.attrs, attr, op, val.text, p.mode == modeFilter)
}

// filterAttrs are the attributes filter= accepts.
func filterAttrs() []string {
	return []string{"status", "lastUpdated", "id", "profile.login", "profile.email", "profile.firstName", "profile.lastName"}
}

// searchAttrs are the non-profile attributes search= accepts.
func searchAttrs() []string {
	return []string{"id", "status", "created", "activated", "statusChanged", "lastUpdated", "type.id"}
}

// containsAttrs are the attributes on which search= allows "co".
func containsAttrs() []string {
	return []string{"profile.firstName", "profile.lastName", "profile.email", "profile.login"}
}

// checkUserAttrOp accepts the attributes and operators of users' filter= and search=.
func checkUserAttrOp(mode exprMode, attr, op string) error {
	if mode == modeFilter {
		if !slices.Contains(filterAttrs(), attr) {
			return fmt.Errorf("attribute %s not filterable: %w", attr, errBadExpr)
		}
		switch op {
		case "eq":
			return nil
		case "gt", "ge", "lt", "le":
			if attr == "lastUpdated" {
				return nil
			}
		}
		return fmt.Errorf("operator %s not allowed on %s: %w", op, attr, errBadExpr)
	}
	if !slices.Contains(searchAttrs(), attr) && !strings.HasPrefix(attr, "profile.") {
		return fmt.Errorf("attribute %s not searchable: %w", attr, errBadExpr)
	}
	switch op {
	case "eq", "sw", "gt", "ge", "lt", "le", "pr":
		return nil
	case "co":
		if slices.Contains(containsAttrs(), attr) {
			return nil
		}
	}
	return fmt.Errorf("operator %s not allowed on %s: %w", op, attr, errBadExpr)
}

func isTimeAttr(attr string) bool {
	return slices.Contains([]string{"created", "activated", "statusChanged", "lastUpdated", "lastLogin", "passwordChanged"}, attr)
}

// attrValue reads an attribute (named exactly, as Okta's names are case
// sensitive) as text; timestamps use Okta's format, so they compare correctly
// as strings too.
func attrValue(u *user, attr, typeID string) (string, bool) {
	switch attr {
	case "id":
		return u.id, true
	case "status":
		return u.status, true
	case "type.id":
		return typeID, true
	case "created":
		return timeAttr(u.created)
	case "activated":
		return timeAttr(u.activated)
	case "statusChanged":
		return timeAttr(u.statusChanged)
	case "lastUpdated":
		return timeAttr(u.lastUpdated)
	case "lastLogin":
		return timeAttr(u.lastLogin)
	case "passwordChanged":
		return timeAttr(u.passwordChanged)
	}
	name, ok := strings.CutPrefix(attr, "profile.")
	if !ok {
		return "", false
	}
	if v, ok := u.profile[name]; ok && v != nil {
		return fmt.Sprint(v), true
	}
	return "", false
}

func timeAttr(t time.Time) (string, bool) {
	if t.IsZero() {
		return "", false
	}
	return formatTime(t), true
}

// compare builds the predicate of one comparison; caseSensitive compares
// values as given (filter=), otherwise case-insensitively (search=).
func compare[T any](attrs exprAttrs[T], attr, op, want string, caseSensitive bool) (func(T) bool, error) {
	if attrs.isTime(attr) && op != "sw" && op != "co" {
		t, err := time.Parse(time.RFC3339Nano, want)
		if err != nil {
			return nil, fmt.Errorf("bad timestamp %q: %w", want, errBadExpr)
		}
		want = formatTime(t)
	}
	fold := func(v string) string {
		if caseSensitive {
			return v
		}
		return strings.ToLower(v)
	}
	lw := fold(want)
	return func(r T) bool {
		got, ok := attrs.value(r, attr)
		if !ok {
			return false
		}
		lg := fold(got)
		switch op {
		case "eq":
			return lg == lw
		case "sw":
			return strings.HasPrefix(lg, lw)
		case "co":
			return strings.Contains(lg, lw)
		case "gt":
			return lg > lw
		case "ge":
			return lg >= lw
		case "lt":
			return lg < lw
		case "le":
			return lg <= lw
		}
		return false
	}, nil
}

// sortedOrder returns the user ids ordered by attribute attr for search=
// with sortBy= (Okta: ASCII order, not case sensitive; ties by id; users
// without the attribute last), descending with desc. s.mu must be held.
func (s *Server) sortedOrder(attr string, desc bool) []string {
	ids := slices.Clone(s.st.order)
	key := func(id string) (string, bool) {
		v, ok := attrValue(s.st.users[id], attr, s.st.userTypeID)
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
