// Package pyclient is the end-to-end test of the CloudKitty dialect
// through the client operators actually run: Debian bookworm's
// python3-cloudkittyclient 4.6.0 (the `cloudkitty` command, spec §12),
// pointed at a real Tally HTTP server with --os-auth-type
// cloudkitty-noauth. It has no code of its own; the test lives in
// *_test.go and runs with `make test-cloudkitty-client` (or as part of
// `make test`, which installs the client first).
//
// The test runs in process over httptest rather than by starting the
// tally binary, because it needs three things the binary would hide:
// the full server stack (server.Handler with NoAuth, exactly what
// `tally serve --no-auth` mounts) on a real TCP port, a recorder of
// every HTTP request the client sends (to compare with §12.2), and
// direct access to the store to load rated data with frames.Write.
package pyclient
