package cloudkitty

// scriptRoutes registers its endpoints (stub: to be built).
func (a *API) scriptRoutes() {}
