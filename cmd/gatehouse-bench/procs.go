package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildBinaries compiles the emulator and Gatehouse into dir with the go command, as the
// binaries people deploy are built (the Dockerfile and make build: CGO_ENABLED=0, -trimpath,
// no race detector), so the figures are theirs. Building them the same way also lets the go
// command reuse what cmd/gatehouse's TestDockerfile compiled in the same make test: on a
// fresh machine a second configuration costs another full compile (about 100 CPU seconds on
// two cores).
func buildBinaries(ctx context.Context, goCmd, dir string, stderr io.Writer) (emulator, gatehouse string, err error) {
	emulator = filepath.Join(dir, "okta-emulator")
	gatehouse = filepath.Join(dir, "gatehouse")
	for _, b := range []struct{ out, pkg string }{
		{emulator, "gatehouse/cmd/okta-emulator"},
		{gatehouse, "gatehouse/cmd/gatehouse"},
	} {
		cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return "", "", fmt.Errorf("go build %s: %w", b.pkg, err)
		}
	}
	return emulator, gatehouse, nil
}

// goCommand finds the go command: $GO (as make passes it), then PATH, then $GOROOT/bin.
func goCommand(getenv func(string) string) (string, error) {
	if g := getenv("GO"); g != "" {
		return exec.LookPath(g)
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("the go command is not on PATH (set GO=/path/to/go)")
}

// freePort asks the kernel for an unused loopback port. Another process could take it before
// the child binds it; on loopback in a benchmark run that is unlikely, and the child's failure
// to listen is reported with its log.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// proc is a child process with its output captured to a log file.
type proc struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startProc starts bin with args and env (the whole environment of the child), writing its
// stdout and stderr to logPath.
func startProc(name, bin string, args, env []string, logPath string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, logPath: logPath, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// pid is the child's process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the child has ended (crashed, if the harness did not stop it).
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// failure describes a child that ended on its own, pointing at its log.
func (p *proc) failure() error {
	return fmt.Errorf("%s exited unexpectedly (%v); its log is %s", p.name, p.waitErr, p.logPath)
}

// stop sends SIGTERM, waits up to grace for a clean exit, then kills the child. Stopping a
// child that already exited is a no-op.
func (p *proc) stop(grace time.Duration) {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitReady polls url until it answers 200, the child exits or timeout passes.
func waitReady(ctx context.Context, p *proc, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("readiness request: %w", err)
		}
		res, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return p.failure()
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s after %s (last: %s); its log is %s", p.name, url, timeout, last, p.logPath)
		case <-tick.C:
		}
	}
}

// childEnv is the harness's environment without any GATEHOUSE_* setting (a developer's own
// configuration must not leak into the measured process), plus extra.
func childEnv(base []string, extra map[string]string) []string {
	out := make([]string, 0, len(base)+len(extra))
	for _, kv := range base {
		if strings.HasPrefix(kv, "GATEHOUSE_") || strings.HasPrefix(kv, "OKTA_EMULATOR_") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

// loopbackURL is http://127.0.0.1:port.
func loopbackURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
