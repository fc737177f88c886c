package gate

import "fmt"

// InputError marks a problem in what the user gave: a flag value, a file's
// contents, a parameter. The command line maps it to exit 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Inputf returns an InputError with a formatted message.
func Inputf(format string, a ...any) error {
	return &InputError{fmt.Errorf(format, a...)}
}

// AsInput wraps err as an InputError, unless it is nil.
func AsInput(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{err}
}
