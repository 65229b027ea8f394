package cloudkitty

// v2FrameRoutes registers its endpoints (stub: to be built).
func (a *API) v2FrameRoutes() {}
