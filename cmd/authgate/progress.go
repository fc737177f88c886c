package main

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/authgate/authgate/internal/progress"
)

// newEvalProgress shows a long evaluation's progress on stderr, as fetch
// does for a fetch: a live line on a terminal, else a plain line every
// 30 s. With quiet it is nil, which shows nothing.
func newEvalProgress(stderr io.Writer, quiet bool) *progress.Eval {
	if quiet {
		return nil
	}
	return progress.NewEval(progressWriters(stderr))
}

// progressWriters reports to stderr live when it is a terminal, else as
// log lines.
func progressWriters(stderr io.Writer) progress.Options {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progress.Options{Live: f}
	}
	return progress.Options{Lines: stderr}
}
