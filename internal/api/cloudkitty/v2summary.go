package cloudkitty

// v2SummaryRoutes registers its endpoints (stub: to be built).
func (a *API) v2SummaryRoutes() {}
