package cloudkitty

// reportRoutes registers its endpoints (stub: to be built).
func (a *API) reportRoutes() {}
