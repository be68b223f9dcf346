package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "=1+2", want: "'=1+2"},
		{in: "+1", want: "'+1"},
		{in: "-1", want: "'-1"},
		{in: "@SUM(A1)", want: "'@SUM(A1)"},
		{in: "\t=1", want: "'\t=1"},
		{in: "\r=1", want: "'\r=1"},
		{in: "\x00=1", want: "'\x00=1"},
		{in: `=HYPERLINK("https://evil.example","x")`, want: `'=HYPERLINK("https://evil.example","x")`},
		{in: "", want: ""},
		{in: "ticket 4711", want: "ticket 4711"},
		{in: "a=1", want: "a=1"},
		{in: " =1", want: " =1"}, // a leading space makes it text already
		{in: "'=1", want: "'=1"},
		{in: "2026-03-01T12:00:00Z", want: "2026-03-01T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			assert.Equal(t, tt.want, Neutralize(tt.in))
		})
	}
}

// recorder is an http.ResponseWriter's body as WriteCSV sees it: it counts flushes and
// notes how much had been written at each.
type recorder struct {
	bytes.Buffer
	flushedAt []int
}

func (r *recorder) Flush() { r.flushedAt = append(r.flushedAt, r.Len()) }

// countingQuerier counts the pages asked for and the largest one.
type countingQuerier struct {
	q       Querier
	pages   int
	largest int
}

func (c *countingQuerier) Query(ctx context.Context, f Filter) (Page, error) {
	c.pages++
	c.largest = max(c.largest, f.Limit)
	return c.q.Query(ctx, f)
}

func TestWriteCSVStreams(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), SQLiteFile))
	for i := range 12 {
		e := entry(t0.Add(time.Duration(i)*time.Second), ada, bob, "a"+strconv.Itoa(i), ResultSuccess)
		e.Reason = "line one\nline two, with \"quotes\""
		e.Detail = "-1"
		add(t, db, e)
	}
	var out recorder
	q := &countingQuerier{q: db}
	require.NoError(t, writeCSV(t.Context(), &out, q, Filter{}, 5))
	assert.Equal(t, 3, q.pages, "12 entries in batches of 5")
	assert.Equal(t, 5, q.largest, "never more than a batch in memory")
	require.Len(t, out.flushedAt, 3, "each batch is sent as it comes")
	assert.Less(t, out.flushedAt[0], out.flushedAt[1])

	body := out.String()
	assert.True(t, strings.HasPrefix(body, "time,id,actor_id,actor_login,"), "the header row comes first")
	assert.Contains(t, body, "\r\n", "RFC 4180 line ends")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err, "the output parses as CSV")
	require.Len(t, rows, 13)
	assert.Equal(t, "line one\nline two, with \"quotes\"", rows[1][10], "a reason with a line break, a comma and quotes stays one cell")
	assert.Equal(t, "'-1", rows[1][11], "every column is neutralised, not just the reason")
	assert.Equal(t, "a11", rows[1][6])
	assert.Equal(t, "a0", rows[12][6])
}

type brokenQuerier struct{ after int }

func (b *brokenQuerier) Query(_ context.Context, f Filter) (Page, error) {
	if b.after == 0 {
		return Page{}, errDown
	}
	b.after--
	return Page{Entries: []Entry{{ID: 9, Time: t0, Action: "x"}}, Older: Cursor{Time: t0, ID: 9}}, nil
}

func TestWriteCSVReportsFailure(t *testing.T) {
	var out bytes.Buffer
	err := WriteCSV(t.Context(), &out, &brokenQuerier{after: 2}, Filter{})
	require.ErrorIs(t, err, errDown, "a failure mid-export is returned, for the log")
	assert.Equal(t, 3, strings.Count(out.String(), "\r\n"), "the header and what was read before it")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = WriteCSV(ctx, &bytes.Buffer{}, &brokenQuerier{after: 100}, Filter{})
	assert.True(t, errors.Is(err, context.Canceled), "a download abandoned half-way stops reading: %v", err)
}

func TestCSVFilename(t *testing.T) {
	assert.Equal(t, "gatehouse-audit-20260301T120000Z.csv", CSVFilename(time.Date(2026, 3, 1, 13, 0, 0, 0, time.FixedZone("CET", 3600))))
}
