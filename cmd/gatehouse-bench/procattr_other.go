//go:build !linux

package main

import "syscall"

// childAttr has nothing to add where the kernel offers no parent-death signal; the harness
// still stops its children on every exit path it controls.
func childAttr() *syscall.SysProcAttr { return nil }
