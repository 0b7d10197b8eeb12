// Command gotlog checks RFC 6962 / RFC 9162 proofs with Go's golang.org/x/mod/sumdb/tlog,
// the transparency-log package behind the Go checksum database. Test-only
// (tests/interop/test_go_tlog.py).
//
// Usage: gotlog < checks.json, where checks.json is a list of
//
//	{"kind": "record", "leaf": hex, "index": n, "size": t, "root": hex, "hashes": [hex]}
//	{"kind": "tree", "size1": n, "root1": hex, "size": t, "root": hex, "hashes": [hex]}
//
// (a record's inclusion proof, leaf given as its bytes; a consistency proof from size n to
// size t). Prints a JSON list with "ok" or tlog's error for each check, in order.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

type check struct {
	Kind   string   `json:"kind"`
	Leaf   string   `json:"leaf"`
	Index  int64    `json:"index"`
	Size1  int64    `json:"size1"`
	Root1  string   `json:"root1"`
	Size   int64    `json:"size"`
	Root   string   `json:"root"`
	Hashes []string `json:"hashes"`
}

func main() {
	var checks []check
	if err := json.NewDecoder(os.Stdin).Decode(&checks); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	results := make([]string, 0, len(checks))
	for _, c := range checks {
		if err := run(c); err != nil {
			results = append(results, err.Error())
		} else {
			results = append(results, "ok")
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		os.Exit(2)
	}
}

func run(c check) error {
	root, err := parseHash(c.Root)
	if err != nil {
		return err
	}
	hashes := make([]tlog.Hash, 0, len(c.Hashes))
	for _, text := range c.Hashes {
		h, err := parseHash(text)
		if err != nil {
			return err
		}
		hashes = append(hashes, h)
	}
	switch c.Kind {
	case "record":
		leaf, err := hex.DecodeString(c.Leaf)
		if err != nil {
			return err
		}
		return tlog.CheckRecord(tlog.RecordProof(hashes), c.Size, root, c.Index, tlog.RecordHash(leaf))
	case "tree":
		root1, err := parseHash(c.Root1)
		if err != nil {
			return err
		}
		return tlog.CheckTree(tlog.TreeProof(hashes), c.Size, root, c.Size1, root1)
	}
	return fmt.Errorf("unknown check kind %q", c.Kind)
}

func parseHash(text string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := hex.DecodeString(text)
	if err != nil {
		return h, err
	}
	if len(raw) != tlog.HashSize {
		return h, fmt.Errorf("hash of %d bytes", len(raw))
	}
	copy(h[:], raw)
	return h, nil
}
