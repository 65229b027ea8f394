package cost

import "github.com/tally-cost/tally/internal/errkind"

// ErrInvalid marks a value that does not parse: a bad window, metric,
// dimension or amount. Callers map it to a 400 in their dialect.
var ErrInvalid = errkind.Invalid.New("invalid")
