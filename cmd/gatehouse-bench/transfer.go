package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"
)

// browserAcceptEncoding is what Chromium sends (zstd included, which Gatehouse does not use).
const browserAcceptEncoding = "gzip, deflate, br, zstd"

// transferResult is the page weight of the dashboard as a browser receives it from Gatehouse.
type transferResult struct {
	// First is a first visit: the HTML and every stylesheet, script and icon it links.
	First int `json:"first_visit_bytes"`
	// Repeat is a repeat visit: the HTML, plus any linked file that is not immutable (none
	// should be: their URLs are content-hashed).
	Repeat int            `json:"repeat_visit_bytes"`
	Files  []transferFile `json:"files"`
}

// transferFile is one response: its path, encoding and size on the wire.
type transferFile struct {
	Path      string `json:"path"`
	Encoding  string `json:"encoding"`
	Bytes     int    `json:"bytes"`
	Immutable bool   `json:"immutable"`
}

// wireSize is a response's size as sent over HTTP/1.1: status line, header lines, the blank
// line and the body as encoded. It is what a browser's "transferred" column shows, minus
// chunk framing.
func wireSize(res *http.Response, body []byte) int {
	n := len(res.Proto) + 1 + len(res.Status) + 2
	for k, vs := range res.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2 + len(body)
}

// measureTransfer loads the dashboard as v's browser would, without compression done for it
// by the transport, and adds up what arrived.
func measureTransfer(ctx context.Context, t *target, v *vu) (transferResult, error) {
	var out transferResult
	raw := &http.Client{
		Jar:           v.client.Jar,
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer raw.CloseIdleConnections()
	h := http.Header{"Accept-Encoding": {browserAcceptEncoding}}
	fetch := func(path string) (transferFile, []byte, error) {
		res, body, err := v.get(ctx, raw, t.gatehouse+path, h)
		if err != nil {
			return transferFile{}, nil, fmt.Errorf("transfer %s: %w", path, err)
		}
		if res.StatusCode != http.StatusOK {
			return transferFile{}, nil, fmt.Errorf("transfer %s: %s", path, res.Status)
		}
		f := transferFile{Path: path, Encoding: res.Header.Get("Content-Encoding"), Bytes: wireSize(res, body),
			Immutable: strings.Contains(res.Header.Get("Cache-Control"), "immutable")}
		plain, err := decodeBody(f.Encoding, body)
		if err != nil {
			return transferFile{}, nil, fmt.Errorf("transfer %s: %w", path, err)
		}
		return f, plain, nil
	}
	html, page, err := fetch("/")
	if err != nil {
		return out, err
	}
	if err := checkPage(pageDashboard, page); err != nil {
		return out, err
	}
	out.Files = append(out.Files, html)
	out.First, out.Repeat = html.Bytes, html.Bytes
	links, err := linkedFiles(page)
	if err != nil {
		return out, err
	}
	for _, path := range links {
		f, _, err := fetch(path)
		if err != nil {
			return out, err
		}
		out.Files = append(out.Files, f)
		out.First += f.Bytes
		if !f.Immutable {
			out.Repeat += f.Bytes
		}
	}
	return out, nil
}

// linkedFiles lists the same-origin stylesheets, icons and scripts a page loads.
func linkedFiles(page []byte) ([]string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("parse dashboard: %w", err)
	}
	var out []string
	add := func(u string) {
		if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
			out = append(out, u)
		}
	}
	doc.Find(`link[rel~="stylesheet"], link[rel~="icon"]`).Each(func(_ int, s *goquery.Selection) { add(s.AttrOr("href", "")) })
	doc.Find("script[src]").Each(func(_ int, s *goquery.Selection) { add(s.AttrOr("src", "")) })
	return out, nil
}

// decodeBody undoes a Content-Encoding of gzip, br or none.
func decodeBody(encoding string, body []byte) ([]byte, error) {
	switch encoding {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
	}
	return nil, fmt.Errorf("unexpected Content-Encoding %q", encoding)
}
