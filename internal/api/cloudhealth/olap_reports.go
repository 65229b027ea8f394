package cloudhealth

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tally-cost/tally/internal/api/apierr"
)

// olapReportDef is one queryable report of the catalogue (spec §4.1):
// what a request may name and what it gets when it names nothing.
type olapReportDef struct {
	Type, ID string
	// Title is the report's display name, the response's "report".
	Title string
	// Interval, Dimensions and Measures are the defaults of a request
	// that leaves them out. The guide shows two defaults: Instance Usage
	// answers daily by time and reservation mode in # Instances, and
	// the Ruby example reads a bare cost/history as months (time first)
	// by a second dimension; the others follow those two.
	Interval   olapInterval
	Dimensions []string
	Measures   []string // the allowed measures; the first is the default
}

// Measure names of the guide (§4.2, the /new example).
const (
	measureCost          = "cost"
	measureCostRecurring = "cost_recurring"
	measureUsageQuantity = "usage_quantity"
	measureEC2Compute    = "ec2_cost_compute"
	measureEC2Transfer   = "ec2_cost_transfer"
	measureEC2OnDemand   = "ec2_cost_on_demand"
	measureCount         = "count"
	measureInstanceHours = "instance_hours"
)

// Report types of the catalogue (§4.1).
const (
	olapTypeCost        = "cost"
	olapTypeUsage       = "usage"
	olapTypeCustom      = "custom"
	olapTypePerformance = "performance"
)

// defaultCostCategorizer is the second dimension of a cost report that
// names none: the guide's response examples categorize by service.
const defaultCostCategorizer = olapDimServiceCategory

// olapCostMeasures are what every cost report offers; olapInstanceMeasures are
// the EC2 instance reports' (the guide's usage/instance/new example).
var (
	olapCostMeasures     = []string{measureCost, measureCostRecurring, measureUsageQuantity}
	olapInstanceMeasures = []string{measureUsageQuantity, measureCost, measureEC2Compute, measureEC2Transfer,
		measureCount, measureEC2OnDemand, measureInstanceHours}
	olapAllMeasures = []string{measureCost, measureCostRecurring, measureUsageQuantity, measureEC2Compute,
		measureEC2Transfer, measureEC2OnDemand, measureCount, measureInstanceHours}
)

func olapCostReport(id, title string, measures []string) olapReportDef {
	return olapReportDef{Type: olapTypeCost, ID: id, Title: title, Interval: intervalMonthly,
		Dimensions: []string{olapDimTime, defaultCostCategorizer}, Measures: measures}
}

func olapUsageReport(id, title string, measures []string, categorizer string) olapReportDef {
	return olapReportDef{Type: olapTypeUsage, ID: id, Title: title, Interval: intervalDaily,
		Dimensions: []string{olapDimTime, categorizer}, Measures: measures}
}

// olapReports is the catalogue, keyed "<type>/<id>": the reports issue 21
// serves (the guide's cost list and the two usage reports it names).
var olapReports = func() map[string]olapReportDef {
	defs := []olapReportDef{
		olapCostReport("history", "Cost History", olapCostMeasures),
		olapCostReport("current", "Current Cost", olapCostMeasures),
		olapCostReport("amortized", "Amortized Cost", olapCostMeasures),
		olapCostReport("instance", "Instance Cost", olapInstanceMeasures[1:]),
		olapCostReport("rds", "RDS Cost", olapCostMeasures),
		olapCostReport("s3", "S3 Cost", olapCostMeasures),
		olapCostReport("volume", "Volume Cost", olapCostMeasures),
		olapCostReport("ri_amortization", "RI Amortization", olapCostMeasures),
		olapUsageReport("instance", "Instance Usage", olapInstanceMeasures, olapDimReservationMode),
		olapUsageReport("volume", "Volume Usage", []string{measureUsageQuantity, measureCost}, olapDimServiceCategory),
	}
	m := make(map[string]olapReportDef, len(defs))
	for _, d := range defs {
		m[d.Type+"/"+d.ID] = d
	}
	return m
}()

// olapTypes are the report types GET /olap_reports links to; performance
// is listed by the guide but holds no report Tally serves.
var olapTypes = []string{olapTypeCost, olapTypeCustom, olapTypePerformance, olapTypeUsage}

// olapPathKind says which endpoint of §4.1 a path names.
type olapPathKind int

const (
	olapPathIndex  olapPathKind = iota // /olap_reports
	olapPathType                       // /olap_reports/:type
	olapPathReport                     // /olap_reports/:type/:id
	olapPathNew                        // /olap_reports/:type/:id/new
)

// olapPath is a parsed report path. Report is the catalogue entry of a
// standard report; a custom report has Type "custom", its id in CustomID
// and no entry (its definition is a saved document).
type olapPath struct {
	Kind     olapPathKind
	Type, ID string
	Report   olapReportDef
	CustomID int64
}

// IsCustom reports whether the path names a saved custom report.
func (p olapPath) IsCustom() bool { return p.Type == olapTypeCustom && p.Kind >= olapPathReport }

// parseOLAPPath reads a path of the reporting API, with or without the
// dialect's /cloudhealth prefix and a trailing slash (clients add one).
// An unknown report type or report is a 404.
func parseOLAPPath(p string) (olapPath, error) {
	p = strings.TrimPrefix(p, strings.TrimSuffix(Prefix, "/"))
	p = strings.Trim(p, "/")
	parts := strings.Split(p, "/")
	if parts[0] != "olap_reports" || len(parts) > 4 {
		return olapPath{}, apierr.New(http.StatusNotFound, fmt.Sprintf("no report at /%s", p))
	}
	var out olapPath
	switch len(parts) {
	case 1:
		return olapPath{Kind: olapPathIndex}, nil
	case 2:
		out.Kind = olapPathType
	case 3:
		out.Kind = olapPathReport
	case 4:
		if parts[3] != "new" {
			return olapPath{}, apierr.New(http.StatusNotFound, fmt.Sprintf("no report at /%s", p))
		}
		out.Kind = olapPathNew
	}
	out.Type = parts[1]
	known := false
	for _, t := range olapTypes {
		known = known || t == out.Type
	}
	if !known {
		return olapPath{}, apierr.New(http.StatusNotFound,
			fmt.Sprintf("unknown report type %q (want one of %s)", out.Type, strings.Join(olapTypes, ", ")))
	}
	if out.Kind == olapPathType {
		return out, nil
	}
	out.ID = parts[2]
	if out.Type == olapTypeCustom {
		// Saved reports have 64-bit integer ids, like every CloudHealth
		// object (§1.3).
		id, err := strconv.ParseInt(out.ID, 10, 64)
		if err != nil || id <= 0 {
			return olapPath{}, apierr.New(http.StatusNotFound,
				fmt.Sprintf("custom report id %q is not a positive integer", out.ID))
		}
		out.CustomID = id
		return out, nil
	}
	def, ok := olapReports[out.Type+"/"+out.ID]
	if !ok {
		return olapPath{}, apierr.New(http.StatusNotFound, fmt.Sprintf("unknown report %s/%s", out.Type, out.ID))
	}
	out.Report = def
	return out, nil
}
