// Package errkind holds the few kinds of failure that decide how an
// answer fails: the request is invalid, the object is not found (or out
// of the caller's sight), it conflicts with what exists, the caller may
// not, or the caller is not known. Domain packages declare their sentinel
// errors with a kind, so that the one error-to-status map (api/apierr)
// reads the kind and imports no domain package, and a new domain or
// dialect adds no case to it.
package errkind

// Kind is a class of failure. It is an error only so that errors.Is can
// test for it: errors.Is(err, errkind.NotFound) holds for every error
// whose chain holds a sentinel of that kind.
type Kind struct{ name string }

func (k *Kind) Error() string { return k.name }

// The kinds.
var (
	// Invalid: the request is malformed or asks for the impossible.
	Invalid = &Kind{"invalid"}
	// NotFound: the object does not exist or the caller may not see it.
	NotFound = &Kind{"not found"}
	// Conflict: the change collides with the state of what exists.
	Conflict = &Kind{"conflict"}
	// Forbidden: the caller is known, and its role does not allow it.
	Forbidden = &Kind{"forbidden"}
	// Unauthenticated: no credentials, or credentials that are not valid.
	Unauthenticated = &Kind{"unauthenticated"}
)

// New returns a sentinel error of kind k with text msg. Each call makes a
// distinct error, which callers compare with errors.Is as usual.
func (k *Kind) New(msg string) error { return &sentinel{kind: k, msg: msg} }

type sentinel struct {
	kind *Kind
	msg  string
}

func (e *sentinel) Error() string { return e.msg }

// Is makes the sentinel match its kind as well as itself.
func (e *sentinel) Is(target error) bool { return target == e.kind }
