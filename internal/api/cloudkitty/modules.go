package cloudkitty

// moduleRoutes registers its endpoints (stub: to be built).
func (a *API) moduleRoutes() {}
