package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the nearest-rank method:
// the smallest sample such that at least p% of the samples are at or below it. It returns 0
// for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// latencies summarises one page's samples.
type latencies struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P95   time.Duration `json:"p95_ns"`
	P99   time.Duration `json:"p99_ns"`
}

func summarise(samples []time.Duration) latencies {
	s := slices.Clone(samples)
	slices.Sort(s)
	return latencies{Count: len(s), P50: percentile(s, 50), P95: percentile(s, 95), P99: percentile(s, 99)}
}

// userHZ is the unit of utime and stime in /proc/<pid>/stat. It is part of the kernel's ABI
// (USER_HZ), 100 on every Linux architecture Go supports, whatever CONFIG_HZ the kernel runs.
const userHZ = 100

// parseProcStat returns the CPU time (user + system) recorded in the contents of
// /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain spaces
// and parentheses, so the fields are counted from the last ')'.
func parseProcStat(stat string) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("parse /proc stat: no command name")
	}
	fields := strings.Fields(stat[end+1:])
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("parse /proc stat: %d fields after the command name, want more than %d", len(fields), stime)
	}
	var ticks int64
	for _, i := range []int{utime, stime} {
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("parse /proc stat: field %d is %q", i+3, fields[i])
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// processCPU reads the CPU time pid has used so far from the kernel's accounting.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read process stat: %w", err)
	}
	return parseProcStat(string(b))
}

// emuStats is the emulator's request counter (GET /_emulator/stats).
type emuStats struct {
	Requests map[string]int `json:"requests"`
	Total    int            `json:"total"`
}

// sub returns the requests counted in s since before, by operation; operations that did not
// move are left out.
func (s emuStats) sub(before emuStats) emuStats {
	d := emuStats{Requests: map[string]int{}, Total: s.Total - before.Total}
	for op, n := range s.Requests {
		if n -= before.Requests[op]; n != 0 {
			d.Requests[op] = n
		}
	}
	return d
}

// String lists the operations, most frequent first, e.g. "getUser 120, listAppLinks 118".
func (s emuStats) String() string {
	ops := make([]string, 0, len(s.Requests))
	for op := range s.Requests {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(a, b string) int {
		if s.Requests[a] != s.Requests[b] {
			return s.Requests[b] - s.Requests[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = op + " " + strconv.Itoa(s.Requests[op])
	}
	return strings.Join(parts, ", ")
}

// metrics holds the unlabelled samples of a Prometheus text exposition ("name value" lines);
// labelled series are skipped, as the bench reads only process-wide gauges and counters.
type metrics map[string]float64

// parseMetrics reads the text exposition format.
func parseMetrics(r io.Reader) (metrics, error) {
	m := metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			return nil, fmt.Errorf("parse metric %s: %w", fields[0], err)
		}
		m[fields[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return m, nil
}

// gcMinimumHeap is the Go runtime's smallest heap goal (4 MiB at GOGC=100): below it the goal
// says nothing about the live heap.
const gcMinimumHeap = 4 << 20

// liveHeap estimates the heap that survived the last garbage collection from the GC's next
// target. Since Go 1.21 the target is live + (live + stacks + globals) × GOGC/100, so
// live ≈ (target − stacks × GOGC/100) / (1 + GOGC/100), give or take the globals (a constant
// that cancels in differences). Unlike heap-in-use, which also counts garbage not collected
// yet and swings by up to GOGC% between two scrapes, this figure moves only when live data
// does. ok is false when the metrics lack the inputs or the target sits at the runtime's
// minimum.
func liveHeap(m metrics) (bytes float64, ok bool) {
	next, hasNext := m["go_memstats_next_gc_bytes"]
	stacks := m["go_memstats_stack_inuse_bytes"]
	g, hasG := m["go_gc_gogc_percent"]
	if !hasNext || !hasG || g <= 0 {
		return 0, false
	}
	f := g / 100
	if next <= gcMinimumHeap*f+64<<10 {
		return 0, false
	}
	return (next - stacks*f) / (1 + f), true
}
