package audit

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// CSVContentType is the Content-Type of WriteCSV's output.
const CSVContentType = "text/csv; charset=utf-8"

// CSVFilename names an export made at now, for Content-Disposition.
func CSVFilename(now time.Time) string {
	return "gatehouse-audit-" + now.UTC().Format("20060102T150405Z") + ".csv"
}

// csvHeader names the columns, in the order csvRow writes them.
var csvHeader = []string{
	"time", "id", "actor_id", "actor_login", "actor_issuer", "role", "action",
	"target_id", "target_login", "result", "reason", "detail", "okta_request_id", "request_id",
}

func csvRow(e Entry) []string {
	return []string{
		e.Time.UTC().Format(time.RFC3339Nano), strconv.FormatInt(e.ID, 10), e.ActorID, e.ActorLogin, e.ActorIssuer, e.Role, e.Action,
		e.TargetID, e.TargetLogin, e.Result, e.Reason, e.Detail, e.OktaRequestID, e.RequestID,
	}
}

// exportBatch is how many entries WriteCSV reads at a time.
const exportBatch = 500

// Querier reads pages of entries; Store and Trail are Queriers.
type Querier interface {
	Query(ctx context.Context, f Filter) (Page, error)
}

// flusher is what http.ResponseWriter offers to send what was written so far.
type flusher interface{ Flush() }

// WriteCSV writes every entry f selects to w as CSV, newest first, with a header row. It reads
// a batch at a time by keyset and writes each batch as it comes (flushing w when it can), so a
// year of entries never sits in memory and the download starts at once. f's cursors and limit
// are ignored: the export is the whole filtered view. An error after the first batch leaves a
// truncated file; the caller has sent its headers by then and can only log it.
//
// Every cell is neutralised against formula injection (Neutralize), and the output follows
// RFC 4180 (quotes where needed, CRLF line ends).
func WriteCSV(ctx context.Context, w io.Writer, q Querier, f Filter) error {
	return writeCSV(ctx, w, q, f, exportBatch)
}

func writeCSV(ctx context.Context, w io.Writer, q Querier, f Filter, batch int) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f.Before, f.After, f.Limit = Cursor{}, Cursor{}, batch
	for {
		p, err := q.Query(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range p.Entries {
			row := csvRow(e)
			for i := range row {
				row[i] = Neutralize(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if fl, ok := w.(flusher); ok {
			fl.Flush()
		}
		if p.Older.IsZero() {
			return nil
		}
		f.Before = p.Older
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// Neutralize makes a cell safe to open in a spreadsheet: a cell that starts with = + - @,
// a tab, a carriage return or NUL would be read as a formula (or be stripped into one) by
// Excel, LibreOffice or Google Sheets, so it gets a leading apostrophe, which they take as
// "this is text". Sources: OWASP, CSV Injection
// (https://owasp.org/www-community/attacks/CSV_Injection), and OWASP ASVS 5.0 V1.2.10, which
// adds NUL.
func Neutralize(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		return "'" + cell
	}
	return cell
}
