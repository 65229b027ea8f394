package cloudkitty

// collectorRoutes registers its endpoints (stub: to be built).
func (a *API) collectorRoutes() {}
