package cloudkitty

// hashmapRoutes registers its endpoints (stub: to be built).
func (a *API) hashmapRoutes() {}
