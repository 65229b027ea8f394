package cloudkitty

// v2ScopeRoutes registers its endpoints (stub: to be built).
func (a *API) v2ScopeRoutes() {}
