package azurebilling

import (
	"net/http"
	"strconv"
)

// paginate returns items as a bare array (upstream's only shape, §4), or,
// when the request asks for pages, one page in DRF's page-number shape.
func paginate(r *http.Request, items []any) (any, error) {
	p, err := parsePage(r.URL.Query())
	if err != nil || !p.asked {
		return items, err
	}
	n, err := p.resolve(int64(len(items)))
	if err != nil {
		return nil, err
	}
	start := min((n-1)*p.size, len(items))
	end := min(start+p.size, len(items))
	return pageBody(r, p, n, int64(len(items)), items[start:end]), nil
}

// resolve returns the page number to serve out of count items: DRF's
// rules, where page 1 of an empty list exists and any page past the end
// is 404 "Invalid page.".
func (p page) resolve(count int64) (int, error) {
	pages := int((count + int64(p.size) - 1) / int64(p.size))
	pages = max(pages, 1)
	if p.last {
		return pages, nil
	}
	if p.number > pages {
		return 0, &detailError{status: http.StatusNotFound, detail: msgInvalidPage}
	}
	return p.number, nil
}

// pageBody is DRF's PageNumberPagination response. Its links are
// absolute, with the query parameters sorted as DRF's
// replace_query_param writes them; the first page's link has no page.
func pageBody(r *http.Request, p page, n int, count int64, results any) obj {
	link := func(to int) any {
		v := r.URL.Query()
		if to == 1 {
			v.Del("page")
		} else {
			v.Set("page", strconv.Itoa(to))
		}
		u := baseURL(r) + r.URL.Path
		if q := v.Encode(); q != "" {
			u += "?" + q
		}
		return u
	}
	var next, prev any
	if int64(n)*int64(p.size) < count {
		next = link(n + 1)
	}
	if n > 1 {
		prev = link(n - 1)
	}
	return obj{{"count", count}, {"next", next}, {"previous", prev}, {"results", results}}
}
