// Command gonote opens a signed note with Go's golang.org/x/mod/sumdb/note, the reference
// the C2SP signed-note spec grew from. Test-only (tests/interop/test_go_note.py).
//
// Usage: gonote VERIFIER_KEY... < note
// Prints one JSON object: {"text": ..., "verified": [names], "unverified": [names]} and
// exits 0, or prints the error of note.Open and exits 1.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	message, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var verifiers []note.Verifier
	for _, vkey := range os.Args[1:] {
		verifier, err := note.NewVerifier(vkey)
		if err != nil {
			fail(err)
		}
		verifiers = append(verifiers, verifier)
	}
	opened, err := note.Open(message, note.VerifierList(verifiers...))
	if err != nil {
		fail(err)
	}
	out := map[string]any{"text": opened.Text, "verified": names(opened.Sigs), "unverified": names(opened.UnverifiedSigs)}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func names(sigs []note.Signature) []string {
	out := []string{}
	for _, sig := range sigs {
		out = append(out, sig.Name)
	}
	return out
}

func fail(err error) {
	fmt.Println(err)
	os.Exit(1)
}
