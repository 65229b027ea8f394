package cloudkitty

import "github.com/google/uuid"

// requestID is the x-openstack-request-id of a response: "req-<uuid>".
func requestID() string { return "req-" + uuid.NewString() }
