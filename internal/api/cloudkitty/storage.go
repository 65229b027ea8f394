package cloudkitty

// storageRoutes registers its endpoints (stub: to be built).
func (a *API) storageRoutes() {}
