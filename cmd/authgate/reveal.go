package main

import (
	"context"
	"io"

	"github.com/authgate/authgate/pseudonym"
	"github.com/authgate/authgate/snapshot"
)

func cmdReveal(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("reveal", "reveal TOKEN... --snapshot FILE [--pseudonym-key-file FILE] [--format text|json]", stdout)
	var snap, keyFile, format string
	fs.StringVar(&snap, "snapshot", "", "the original (not pseudonymised) snapshot `FILE` the tokens were made from (required)")
	fs.StringVar(&keyFile, "pseudonym-key-file", "", "read the pseudonym key from `FILE` instead of $"+pseudonym.EnvKey)
	fs.StringVar(&format, "format", "text", "output `FORMAT`: text|json")
	enumFlag(fs, "format", "text", "json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if snap == "" {
		return usagef("reveal: --snapshot FILE is required")
	}
	if fs.NArg() == 0 {
		return usagef("reveal: give at least one TOKEN (pn_...)")
	}
	if format != "text" && format != "json" {
		return usagef("reveal: --format: unknown format %q (valid: text, json)", format)
	}
	tokens := fs.Args()
	for _, t := range tokens {
		if !pseudonym.IsToken(t) {
			return usagef("reveal: %q is not a token (pn_ and 16 base32 characters, optionally @ and a UPN's domain)", t)
		}
	}
	p, err := pseudonym.LoadKey(keyFile)
	if err != nil {
		return asUsage(err)
	}
	found, err := p.Reveal(ctx, snap, tokens, snapshot.ScanOptions{})
	if err != nil {
		return err
	}
	if format == "json" {
		return pseudonym.WriteRevealJSON(stdout, tokens, found)
	}
	pseudonym.WriteRevealText(stdout, tokens, found)
	return nil
}
