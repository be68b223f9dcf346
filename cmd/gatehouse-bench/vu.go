package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// demoPassword is the password of every account of the emulator's demo org.
const demoPassword = "Demo-Passw0rd-1"

// page is a kind of request a virtual user makes.
type page int

const (
	pageDashboard page = iota
	pageAppSearch
	pageProfile
	pageAdminSearch
	numPages
)

func (p page) String() string {
	switch p {
	case pageDashboard:
		return "dashboard"
	case pageAppSearch:
		return "app search"
	case pageProfile:
		return "profile"
	case pageAdminSearch:
		return "admin search"
	}
	return "page " + strconv.Itoa(int(p))
}

// Element ids and test ids the harness checks responses against (views/models.go and the
// templates): a 200 that lacks them is a page that went wrong, such as a signed-out landing
// page or a section that could not load, and counts as an error.
const (
	appResultsID  = "app-results"
	userResultsID = "user-results"
	markFailed    = `data-testid="section-failed"`
	markAlert     = `data-testid="alert-error"`
)

// vu is a virtual user: one person in one browser, with its own cookie jar and connections.
type vu struct {
	id     int
	login  string
	admin  bool
	client *http.Client
	// ip is the address the harness claims for this browser in X-Forwarded-For (Gatehouse
	// trusts loopback as its proxy in the bench), so per-client limits see many clients as
	// they would behind a load balancer, not one.
	ip  string
	rng *rand.Rand
}

// newVU makes a browser. keepAlive false closes connections after each response (for the
// throw-away sessions of the memory measurement).
func newVU(id int, login string, admin, keepAlive bool) *vu {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     5 * time.Minute,
		DisableKeepAlives:   !keepAlive,
	}
	return &vu{
		id: id, login: login, admin: admin,
		client: &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second},
		ip:     fmt.Sprintf("10.%d.%d.%d", 1+id>>16&0xff, id>>8&0xff, id&0xff),
		rng:    rand.New(rand.NewPCG(uint64(id), 0x6761746568)),
	}
}

// close drops the browser's idle connections.
func (v *vu) close() { v.client.CloseIdleConnections() }

// signInTo goes through Gatehouse's /login and the emulator's sign-in form like a browser.
// With land true it follows the redirects onto the dashboard and checks it; otherwise it stops
// at Gatehouse's redirect after the callback, so the person's data is not loaded (or cached).
func (v *vu) signInTo(ctx context.Context, gatehouse string, land bool) error {
	home, err := url.Parse(gatehouse + "/")
	if err != nil {
		return fmt.Errorf("parse gatehouse url: %w", err)
	}
	c := *v.client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		if !land && req.URL.Host == home.Host && req.URL.Path == "/" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	res, body, err := v.get(ctx, &c, gatehouse+"/login", nil)
	if err != nil {
		return fmt.Errorf("sign in %s: open sign-in page: %w", v.login, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("sign in %s: sign-in page: %s", v.login, res.Status)
	}
	action, form, err := signInForm(res.Request.URL, body)
	if err != nil {
		return fmt.Errorf("sign in %s: %w", v.login, err)
	}
	form.Set("username", v.login)
	form.Set("password", demoPassword)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("sign in %s: %w", v.login, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", v.ip)
	res, err = c.Do(req)
	if err != nil {
		return fmt.Errorf("sign in %s: submit: %w", v.login, err)
	}
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return fmt.Errorf("sign in %s: read answer: %w", v.login, err)
	}
	if !land {
		if res.StatusCode/100 != 3 || res.Request.URL.Host != home.Host {
			return fmt.Errorf("sign in %s: ended on %s %s, not a redirect from Gatehouse", v.login, res.Status, res.Request.URL.Redacted())
		}
		return nil
	}
	if res.StatusCode != http.StatusOK || res.Request.URL.String() != home.String() {
		return fmt.Errorf("sign in %s: ended on %s %s, not the dashboard", v.login, res.Status, res.Request.URL.Redacted())
	}
	if err := checkPage(pageDashboard, body); err != nil {
		return fmt.Errorf("sign in %s: %w", v.login, err)
	}
	return nil
}

// signInForm finds the emulator's sign-in form in page and returns where it posts and its
// pre-filled fields (hidden transaction fields included).
func signInForm(base *url.URL, page []byte) (*url.URL, url.Values, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return nil, nil, fmt.Errorf("parse sign-in page: %w", err)
	}
	form := doc.Find("form").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Find("input[name=username]").Length() > 0
	}).First()
	if form.Length() == 0 {
		return nil, nil, errors.New("the sign-in page has no form with a username field")
	}
	action, err := base.Parse(form.AttrOr("action", ""))
	if err != nil {
		return nil, nil, fmt.Errorf("sign-in form action: %w", err)
	}
	values := url.Values{}
	form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
		values.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	return action, values, nil
}

// get sends a GET with the browser's address and reads the whole body.
func (v *vu) get(ctx context.Context, c *http.Client, url string, header http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, vals := range header {
		req.Header[k] = vals
	}
	req.Header.Set("X-Forwarded-For", v.ip)
	res, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return res, nil, fmt.Errorf("read body: %w", err)
	}
	return res, body, nil
}

// request builds the URL and headers of p as a browser with htmx sends them: the searches
// are htmx active-search requests for the results region only.
func (v *vu) request(gatehouse string, p page) (string, http.Header) {
	// Search terms: app-name prefixes for the launcher, name prefixes for the directory.
	appTerms := [...]string{"s", "sl", "gi", "go", "goo", "zo", "ji", "j", "work", "g", ""}
	personTerms := [...]string{"ali", "mar", "chen", "sofia", "kim", "liam", "pat", "wei", "ada", "nguyen", "sara", "o"}
	h := http.Header{}
	switch p {
	case pageAppSearch:
		q := appTerms[v.rng.IntN(len(appTerms))]
		h.Set("HX-Request", "true")
		h.Set("HX-Target", appResultsID)
		h.Set("HX-Current-URL", gatehouse+"/apps")
		return gatehouse + "/apps?q=" + url.QueryEscape(q), h
	case pageProfile:
		return gatehouse + "/profile", h
	case pageAdminSearch:
		q := personTerms[v.rng.IntN(len(personTerms))]
		h.Set("HX-Request", "true")
		h.Set("HX-Target", userResultsID)
		h.Set("HX-Current-URL", gatehouse+"/admin/users")
		return gatehouse + "/admin/users?q=" + url.QueryEscape(q), h
	}
	return gatehouse + "/", h
}

// do makes one request of kind p and checks the answer; the duration is until the whole body
// has arrived.
func (v *vu) do(ctx context.Context, gatehouse string, p page) (time.Duration, error) {
	u, h := v.request(gatehouse, p)
	start := time.Now()
	res, body, err := v.get(ctx, v.client, u, h)
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if res.StatusCode != http.StatusOK {
		return d, fmt.Errorf("%s: %s", p, res.Status)
	}
	return d, checkPage(p, body)
}

// checkPage reports a 200 response that is not the page it should be.
func checkPage(p page, body []byte) error {
	var want string
	switch p {
	case pageDashboard:
		want = `data-testid="profile-name"`
	case pageAppSearch:
		want = `id="` + appResultsID + `"`
	case pageProfile:
		want = `data-testid="profile-fields"`
	case pageAdminSearch:
		want = `id="` + userResultsID + `"`
	}
	switch {
	case !bytes.Contains(body, []byte(want)):
		return fmt.Errorf("%s: the page lacks %s (signed out, or the wrong page)", p, want)
	case bytes.Contains(body, []byte(markFailed)), bytes.Contains(body, []byte(markAlert)):
		return fmt.Errorf("%s: the page shows an error", p)
	case (p == pageAppSearch || p == pageAdminSearch) && bytes.Contains(body, []byte("<html")):
		return fmt.Errorf("%s: a whole page came back for an htmx fragment request", p)
	}
	return nil
}

// pick chooses the next page of a mixed workload: mostly the dashboard, then app search and
// profile; admins spend half their requests searching the directory.
func (v *vu) pick() page {
	n := v.rng.IntN(100)
	if v.admin {
		switch {
		case n < 50:
			return pageAdminSearch
		case n < 75:
			return pageDashboard
		case n < 90:
			return pageAppSearch
		}
		return pageProfile
	}
	switch {
	case n < 55:
		return pageDashboard
	case n < 85:
		return pageAppSearch
	}
	return pageProfile
}
