package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// Assets serves the embedded files. Each file gets a content-hashed name
// (css/app.css → css/app.3f2a1b4c5d.css) so that it can be cached forever: a new build with
// different content produces a new URL.
type Assets struct {
	byName   map[string]*asset // logical name, e.g. "css/app.css"
	byHashed map[string]*asset // hashed name, e.g. "css/app.3f2a1b4c5d.css"
}

type asset struct {
	name, hashed string
	contentType  string
	etag         string
	raw          []byte
	compressible bool

	gzOnce sync.Once
	gz     []byte
	brOnce sync.Once
	br     []byte
}

// New indexes the embedded files. Compression happens lazily, once per file and encoding, on
// first request: start-up stays fast and files nobody asks for cost nothing.
func New() (*Assets, error) {
	return newAssets(FS)
}

func newAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(path.Base(p), "LICENSE") {
			return nil
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read asset %s: %w", p, err)
		}
		sum := sha256.Sum256(raw)
		h := hex.EncodeToString(sum[:5])
		ext := path.Ext(p)
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &asset{
			name:         p,
			hashed:       strings.TrimSuffix(p, ext) + "." + h + ext,
			contentType:  ct,
			etag:         `"` + h + `"`,
			raw:          raw,
			compressible: ext == ".css" || ext == ".js" || ext == ".svg" || ext == ".json",
		}
		a.byName[p] = as
		a.byHashed[as.hashed] = as
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// URL returns the content-hashed URL of the asset with the given logical name
// ("css/app.css"). An unknown name returns the unhashed URL, which 404s visibly.
func (a *Assets) URL(name string) string {
	if as, ok := a.byName[name]; ok {
		return Prefix + as.hashed
	}
	return Prefix + name
}

// ServeHTTP serves an asset. Hashed URLs are immutable for a year; logical names (kept for
// anything that cannot know the hash) must be revalidated.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, Prefix)
	h := w.Header()
	as, ok := a.byHashed[p]
	if ok {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if as, ok = a.byName[p]; ok {
		h.Set("Cache-Control", "no-cache")
	} else {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", as.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", as.etag)
	if as.compressible {
		h.Add("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.raw
	if as.compressible {
		switch enc := preferredEncoding(r.Header.Get("Accept-Encoding")); enc {
		case "br":
			body = as.brotli()
			h.Set("Content-Encoding", "br")
		case "gzip":
			body = as.gzip()
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func (as *asset) gzip() []byte {
	as.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(as.raw)
		_ = zw.Close()
		as.gz = b.Bytes()
	})
	return as.gz
}

func (as *asset) brotli() []byte {
	as.brOnce.Do(func() {
		var b bytes.Buffer
		bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
		_, _ = bw.Write(as.raw)
		_ = bw.Close()
		as.br = b.Bytes()
	})
	return as.br
}

// preferredEncoding picks br over gzip over identity, honouring q=0 exclusions.
func preferredEncoding(accept string) string {
	var br, gz bool
	for part := range strings.SplitSeq(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			continue
		}
		switch name {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}
