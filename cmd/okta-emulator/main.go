// Command okta-emulator serves the oktatest Okta org emulator on its own, so that
// Gatehouse (or any Okta client) can be developed and tested without an Okta org.
// See the oktatest package documentation for what it emulates and for its
// /_emulator/ control API.
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
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "okta-emulator:", err)
		os.Exit(1)
	}
}
