package cloudkitty

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/rating/frames"
	"github.com/tally-cost/tally/internal/store"
)

// storageRoutes registers GET /v1/storage/dataframes (§5.6). Its answer
// holds every rated point of the window, so it is streamed frame by
// frame instead of built in memory.
func (a *API) storageRoutes() {
	a.mux.HandleFunc("GET /v1/storage/dataframes", a.storageDataframes)
}

// v1Frame is one frame of the v1 answer: one scope's points of one type
// in one period.
type v1Frame struct {
	Begin     string       `json:"begin"`
	End       string       `json:"end"`
	TenantID  string       `json:"tenant_id"`
	Resources []v1Resource `json:"resources"`
}

// v1Resource is one rated point in the v1 format.
type v1Resource struct {
	Service string            `json:"service"`
	Desc    map[string]string `json:"desc"`
	Volume  string            `json:"volume"`
	Rating  string            `json:"rating"`
}

// storageDataframes lists the rated points whose period lies within
// [begin, end], one frame per scope, period and metric type, in the
// order they were stored (upstream's v1 SQL storage answers in insertion
// order too). Upstream's v2 storage puts the points of every scope of a
// period and type into one frame named after its first point's scope;
// Tally stores each scope's period apart, so each frame is one scope's
// and its tenant_id is that scope (upstream: desc[scope_key], else
// "__UNDEF__"; the two agree for points the processor rated).
func (a *API) storageDataframes(w http.ResponseWriter, r *http.Request) {
	ar, err := readArgs(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	win, err := a.v1Window(ar)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	eq := store.EntryQuery{Window: win, Filter: rated(
		equals(cost.DimSubAccountID, nonEmpty(ar.str("tenant_id"))...),
		equals(cost.DimService, nonEmpty(ar.str("resource_type"))...),
	)}
	fw := &frameWriter{w: w}
	if windowed := win.End.After(win.Start); windowed {
		var cur *v1Frame
		var curStart, curEnd time.Time
		_, err = a.engine.Entries(r.Context(), eq, func(e *store.Entry) error {
			scope, typ, period, p := frames.FromLineItem(&e.Item)
			// Entries selects by period start; a period must also end
			// within the window (upstream's rule).
			if period.End.After(win.End) {
				return nil
			}
			if cur == nil || cur.TenantID != scope || cur.Resources[0].Service != typ || !curStart.Equal(period.Start) || !curEnd.Equal(period.End) {
				if err := fw.frame(cur); err != nil {
					return err
				}
				cur = &v1Frame{Begin: v1Time(period.Start), End: v1Time(period.End), TenantID: scope}
				curStart, curEnd = period.Start, period.End
			}
			cur.Resources = append(cur.Resources, v1Resource{Service: typ, Desc: p.Desc(), Volume: v1Decimal(p.Qty), Rating: v1Decimal(p.Price)})
			return nil
		})
		if err == nil {
			err = fw.frame(cur)
		}
	}
	if err != nil {
		if !fw.started {
			WriteError(w, r, err)
			return
		}
		// The status is sent: the client sees a truncated body.
		a.log.Error("cloudkitty API: streaming dataframes", "path", r.URL.Path, "err", err)
		return
	}
	fw.end()
}

// nonEmpty is the list of v, empty when v is "".
func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// frameWriter writes {"dataframes": [...]} one frame at a time, the
// status and headers with the first.
type frameWriter struct {
	w       http.ResponseWriter
	bw      *bufio.Writer
	started bool
	n       int
}

func (fw *frameWriter) start() {
	if fw.started {
		return
	}
	fw.started = true
	fw.w.Header().Set("Content-Type", "application/json")
	fw.w.WriteHeader(http.StatusOK)
	fw.bw = bufio.NewWriterSize(fw.w, 64<<10)
	fw.bw.WriteString(`{"dataframes": [`)
}

// frame writes f (nothing when nil).
func (fw *frameWriter) frame(f *v1Frame) error {
	if f == nil {
		return nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	fw.start()
	if fw.n > 0 {
		fw.bw.WriteString(", ")
	}
	fw.n++
	_, err = fw.bw.Write(b)
	if err != nil {
		return errors.Join(errClientGone, err)
	}
	return nil
}

// errClientGone stops a stream whose client went away.
var errClientGone = errors.New("writing the answer")

// end closes the list and flushes.
func (fw *frameWriter) end() {
	fw.start()
	fw.bw.WriteString("]}")
	fw.bw.Flush()
}
