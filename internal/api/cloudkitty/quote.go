package cloudkitty

// quoteRoutes registers its endpoints (stub: to be built).
func (a *API) quoteRoutes() {}
