package web_test

import "os/exec"

var exec_LookPath = exec.LookPath
