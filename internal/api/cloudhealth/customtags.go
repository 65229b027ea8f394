package cloudhealth

import (
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/assetindex"
	"github.com/tally-cost/tally/internal/customtag"
	"github.com/tally-cost/tally/internal/engine"
	"github.com/tally-cost/tally/internal/tenant"
)

// customTagRoutes registers POST /v1/custom_tags (spec §7).
func (a *API) customTagRoutes() {
	a.mux.HandleFunc("POST /v1/custom_tags", a.handle(a.postCustomTags))
}

// maxTagBytes bounds the body: 100 assets of 100 tags of 127+255
// characters (4 bytes each at most) is under 16 MB.
const maxTagBytes = 16 << 20

// postCustomTags applies the request item by item and answers 200 with
// the updates and the per-item errors. Tagging needs a role that edits
// content; a scoped key may tag only assets of its accounts, and an
// asset it cannot see fails as one that does not exist, so that ids of
// other tenants cannot be probed. A body that is not a tag_groups
// document, or names more than 100 assets, is 422.
func (a *API) postCustomTags(r *http.Request) (any, error) {
	if a.assets == nil || a.customTags == nil {
		return nil, apierr.New(http.StatusNotFound, "no such endpoint: POST "+Prefix+"v1/custom_tags")
	}
	p, ok := tenant.FromContext(r.Context())
	if !ok {
		return nil, engine.ErrNoPrincipal
	}
	if err := p.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, apierr.New(http.StatusUnprocessableEntity, fmt.Sprintf("Content-Type must be application/json, not %q", ct))
		}
	}
	req, err := customtag.Parse(http.MaxBytesReader(nil, r.Body, maxTagBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apierr.New(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxTagBytes))
		}
		if errors.Is(err, customtag.ErrMalformed) || errors.Is(err, customtag.ErrTooManyAssets) {
			return nil, apierr.New(http.StatusUnprocessableEntity, tagErrorText(err))
		}
		return nil, err
	}
	if err := a.assets.Refresh(r.Context()); err != nil {
		return nil, err
	}
	set, viewer := a.assets.Set(), assetindex.NewViewer(p.Scope)
	visible := func(assetType string, id int64) bool {
		x := set.Get(id)
		return x != nil && x.Type == asset.Type(assetType) && viewer.Sees(x)
	}
	return a.customTags.Apply(r.Context(), req, visible)
}

// tagErrorText is the refusal as clients print it: the guide's own text
// for too many assets, the parser's (with line and column) otherwise.
func tagErrorText(err error) string {
	if errors.Is(err, customtag.ErrTooManyAssets) {
		return customtag.ErrTooManyAssets.Error()
	}
	return err.Error()
}
