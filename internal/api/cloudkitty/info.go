package cloudkitty

// infoRoutes registers its endpoints (stub: to be built).
func (a *API) infoRoutes() {}
