package main

import (
	"context"
	"errors"
	"io/fs"
	"syscall"

	"github.com/authgate/authgate/evaluator"
	"github.com/authgate/authgate/gate"
	"github.com/authgate/authgate/snapshot"
)

// Exit codes: the contract of every command, documented in the README and in
// `authgate --help`.
const (
	exitOK           = 0 // the gate passed
	exitViolations   = 1 // a failing control at or above --fail-on
	exitUsage        = 2 // usage, invalid input or policy error
	exitAuth         = 3 // authentication, permission or licence failure
	exitInconclusive = 4 // no verdict could be reached
)

// errGateFailed is returned by check and run when a control at or above
// --fail-on failed; the reports were written and it needs no message.
var errGateFailed = errors.New("gate failed")

// usagef returns an error in the command line or in a file the user gave
// (flags, config, waivers, policies, snapshot contents): exit 2. It is the
// pipeline's InputError, so both sides of the command line map alike.
func usagef(format string, a ...any) error { return gate.Inputf(format, a...) }

// asUsage marks err, unless nil, as an error in what the user gave.
func asUsage(err error) error { return gate.AsInput(err) }

// authError marks authentication, permission and licence failures.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// exitCode is the one place that maps an error to the process exit code.
// Errors it does not recognise are inconclusive: a gate must never read an
// unexpected failure as a pass.
func exitCode(err error) int {
	var usage *gate.InputError
	var auth *authError
	var snap *snapshot.Error
	var policy *evaluator.PolicyError
	var param *evaluator.ParamError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errGateFailed):
		return exitViolations
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return exitInconclusive // --timeout or an interrupt: no verdict, whatever the error wraps
	case errors.As(err, &auth):
		return exitAuth
	case errors.Is(err, snapshot.ErrIncomplete):
		return exitInconclusive
	case errors.As(err, &usage), errors.As(err, &snap), errors.As(err, &policy), errors.As(err, &param):
		return exitUsage
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission),
		errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ENAMETOOLONG):
		return exitUsage // a file the user named is missing, unreadable or a symlink loop
	default:
		return exitInconclusive
	}
}
