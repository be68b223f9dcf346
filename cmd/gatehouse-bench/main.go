// Command gatehouse-bench is Gatehouse's load benchmark (make bench). It builds the Okta
// emulator and Gatehouse, starts them as separate processes on loopback (the emulator adding a
// fixed latency to every Okta API call), signs in virtual users through the emulator's sign-in
// form, each with its own session, and drives a mixed workload: the dashboard most often, the
// apps active search, the profile, and the directory search for a few admins. It runs the same
// workload against three configurations — the default, the per-person cache off, and the cache
// off with the dashboard's Okta reads made one after another — and prints one table with the
// figures and ratios of the performance issue, PASS or FAIL beside each target.
//
// A missed target is a result, not an error: the command exits non-zero only when the harness
// itself fails (a build, a process that will not start, a broken sign-in). See
// docs/PERFORMANCE.md for what each row means and a recorded run.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Environ(), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-bench:", err)
		stop()
		os.Exit(1)
	}
}
