package main

import "syscall"

// childAttr makes the kernel kill a child if the harness dies without stopping it (killed
// with SIGKILL, say), so no emulator or Gatehouse is left listening behind it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
