// Command gatehouse-keys makes the key pair of Gatehouse's Okta service app: the private key
// Gatehouse signs its client assertions with (GATEHOUSE_OKTA_PRIVATE_KEY_FILE) and the public
// key to register with the app in Okta, as PEM and as a JWKS with its key id. `make keys`
// runs it into keys/, which git ignores.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-keys:", err)
		os.Exit(1)
	}
}
