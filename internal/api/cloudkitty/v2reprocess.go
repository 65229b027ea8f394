package cloudkitty

// v2ReprocessRoutes registers its endpoints (stub: to be built).
func (a *API) v2ReprocessRoutes() {}
