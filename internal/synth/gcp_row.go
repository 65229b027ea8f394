package synth

// The flattened CSV columns of the real GCP test exports
// (bigquery-export-flat.csv, which is bigquery-export-with-credits.csv
// plus resource.name and resource.global_name), billing-formats.md §7.3.
var gcpHeader = [...]string{
	"billing_account_id", "service.id", "service.description", "sku.id", "sku.description", "usage_start_time",
	"usage_end_time", "project.id", "project.name", "project.labels", "project.ancestry_numbers", "labels",
	"system_labels", "location.location", "location.country", "location.region", "location.zone", "export_time",
	"cost", "currency", "currency_conversion_rate", "usage.amount", "usage.unit", "usage.amount_in_pricing_units",
	"usage.pricing_unit", "credits", "invoice.month", "cost_type", "resource.name", "resource.global_name",
	"partition_date",
}

// gcpRow is one export row before it is written.
type gcpRow struct {
	sku        *gcpSKU
	area       int
	loc        *gcpLocation // nil: no location (tax, rounding)
	multi      bool         // a multi-region resource (buckets, BigQuery)
	global     bool         // location "global" (logging)
	zone       byte
	project    *gcpProject // nil for account-level rows
	costType   string
	cost       int64 // micro-dollars
	usage      int64 // pricingNum × sku.usageMul, written exactly
	pricingNum int64
	pricingDen int64
	credit     gcpCredit
}

type gcpCredit struct {
	name, typ string
	amount    int64 // micro-dollars, negative; no credit when name is ""
}

// gcpBufs hold the row's JSON fragments and resource names.
type gcpBufs struct {
	labels, system, name, global []byte
}

func (b *gcpBufs) reset() {
	b.labels, b.system, b.name, b.global = b.labels[:0], b.system[:0], b.name[:0], b.global[:0]
}

func (g *gcpGen) newRow(sku *gcpSKU, loc int, costType string) *gcpRow {
	row := &g.row
	*row = gcpRow{sku: sku, area: loc, loc: &gcpLocations[loc], costType: costType}
	return row
}

func appendLabel[T string | []byte](b []byte, key string, value T) []byte {
	if len(b) > 0 {
		b = append(b, ',')
	}
	b = append(b, `{"key":`...)
	b = appendJSONString(b, key)
	b = append(b, `,"value":`...)
	b = appendJSONString(b, value)
	return append(b, '}')
}

// fillGCPResource sets labels, system labels, location and resource names
// of resource r's rows. GKE nodes and clusters carry the
// goog-k8s-cluster-name label that marks Kubernetes cost (kubecost spec §7).
func (g *gcpGen) fillGCPResource(row *gcpRow, r *gcpRes) {
	bf := &g.bufs
	bf.reset()
	p := &gcpProjects[r.project]
	team := "shared"
	if r.team >= 0 {
		team = teams[r.team]
	}
	x := mix(r.h ^ 0x6c9)
	kind := r.kind
	switch {
	case kind.gke:
		bf.labels = appendLabel(bf.labels, "goog-k8s-cluster-name", p.cluster)
		if kind.vcpus > 0 {
			bf.labels = appendLabel(bf.labels, "goog-gke-node", "")
		}
	case r.team >= 0:
		bf.labels = appendLabel(bf.labels, "env", p.env)
		bf.labels = appendLabel(bf.labels, "team", team)
	}
	if kind.vcpus > 0 {
		var n [20]byte
		bf.system = appendLabel(bf.system, "compute.googleapis.com/cores", appendDec(n[:0], kind.vcpus, 0))
		bf.system = appendLabel(bf.system, "compute.googleapis.com/machine_spec", kind.machine)
		bf.system = appendLabel(bf.system, "compute.googleapis.com/memory", appendDec(n[:0], kind.ramGiB*1024, 0))
	}
	loc := &gcpLocations[r.loc]
	zone := loc.zones[x%uint64(len(loc.zones))]
	gce := func(collection string) {
		bf.global = append(bf.global, "//compute.googleapis.com/projects/"...)
		bf.global = append(bf.global, p.id...)
		bf.global = append(bf.global, "/zones/"...)
		bf.global = append(append(append(bf.global, loc.region...), '-'), zone)
		bf.global = append(append(append(bf.global, '/'), collection...), '/')
		bf.global = appendDec(bf.global, between(x>>3, 1e18, 9e18), 0)
		row.zone = zone
	}
	switch kind.name {
	case "vm", "egress":
		bf.name = appendHex(append(append(append(bf.name, "vm-"...), team...), '-'), x, 4)
		gce("instances")
	case "gke-node":
		bf.name = append(append(append(bf.name, "gke-"...), p.cluster...), "-default-pool-"...)
		bf.name = appendHex(append(appendHex(bf.name, x, 8), '-'), x>>32, 4)
		gce("instances")
	case "pd":
		bf.name = appendHex(append(append(append(bf.name, "disk-"...), team...), '-'), x, 4)
		gce("disks")
	case "gke":
		bf.name = append(bf.name, p.cluster...)
		bf.global = append(append(bf.global, "//container.googleapis.com/projects/"...), p.id...)
		bf.global = append(append(bf.global, "/locations/"...), loc.region...)
		bf.global = append(append(bf.global, "/clusters/"...), p.cluster...)
	case "bucket", "bucket-ops":
		bf.name = appendHex(append(append(append(bf.name, "acme-"...), team...), '-'), x, 6)
		bf.global = append(append(bf.global, "//storage.googleapis.com/projects/_/buckets/"...), bf.name...)
		row.multi = true
	case "bq":
		row.multi = true
	case "sql":
		bf.name = appendHex(append(append(append(bf.name, "psql-"...), team...), '-'), x, 4)
		bf.global = append(append(bf.global, "//cloudsql.googleapis.com/projects/"...), p.id...)
		bf.global = append(append(bf.global, "/instances/"...), bf.name...)
	case "log":
		row.global = true
	}
}

// location cells: location.location, country, region, zone.
func (row *gcpRow) location() (location, country, region string, zone byte) {
	switch {
	case row.loc == nil:
		return "", "", "", 0
	case row.global:
		return "global", "", "", 0
	case row.multi:
		return row.loc.multi, row.loc.multi, "", 0
	}
	return row.loc.region, row.loc.country, row.loc.region, row.zone
}

func appendPricing(b []byte, row *gcpRow) []byte {
	if row.pricingDen == 1 {
		return appendDec(b, row.pricingNum, 0)
	}
	return appendDec(b, row.pricingNum*10_000_000_000/row.pricingDen, 10)
}

func appendCredits(b []byte, c gcpCredit) []byte {
	if c.name == "" {
		return append(b, "[]"...)
	}
	b = append(b, `[{"name":`...)
	b = appendJSONString(b, c.name)
	b = append(b, `,"amount":`...)
	b = appendDec(b, c.amount, gcpScale)
	b = append(b, `,"full_name":null,"id":`...)
	b = appendAll(append(b, '"'), c.typ, ":", gcpBillingAccount, `"`)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, c.typ)
	return append(b, "}]"...)
}

func appendList(b, items []byte) []byte {
	return append(append(append(b, '['), items...), ']')
}

func appendGCPCSV(b []byte, row *gcpRow, g *gcpGen) []byte {
	bf := &g.bufs
	sku := row.sku
	b = append(b, gcpBillingAccount...)
	b = append(b, ',')
	if sku.service >= 0 {
		s := &gcpServices[sku.service]
		b = append(append(append(b, s.id...), ','), s.desc...)
	} else {
		b = append(b, ",Invoice"...)
	}
	b = append(append(b, ','), sku.ids[row.area]...)
	b = appendCSV(append(b, ','), sku.descs[row.area])
	b = append(append(b, ','), g.start...)
	b = append(append(b, ','), g.end...)
	b = append(b, ',')
	if p := row.project; p != nil {
		b = append(append(append(b, p.id...), ','), p.name...)
		b = appendQuoted(append(b, ','), p.labels)
		b = append(append(b, ','), p.ancestry...)
	} else {
		b = append(b, ",,[],"...)
	}
	b = append(b, ',')
	if len(bf.labels) > 0 {
		b = append(b, '"')
		b = appendEscapedList(b, bf.labels)
		b = append(b, '"')
	} else {
		b = append(b, "[]"...)
	}
	b = append(b, ',')
	if len(bf.system) > 0 {
		b = append(b, '"')
		b = appendEscapedList(b, bf.system)
		b = append(b, '"')
	} else {
		b = append(b, "[]"...)
	}
	location, country, region, zone := row.location()
	b = append(append(b, ','), location...)
	b = append(append(b, ','), country...)
	b = append(append(b, ','), region...)
	b = append(b, ',')
	if zone != 0 {
		b = append(append(append(b, region...), '-'), zone)
	}
	b = append(append(b, ','), g.export...)
	b = appendDec(append(b, ','), row.cost, gcpScale)
	b = append(b, ",USD,1,"...)
	b = appendProduct(b, row.pricingNum, row.sku.usageMul)
	b = append(append(b, ','), sku.usageUnit...)
	b = appendPricing(append(b, ','), row)
	b = append(append(b, ','), sku.pricingUnit...)
	b = append(b, ',')
	if row.credit.name == "" {
		b = append(b, "[]"...)
	} else {
		var tmp [256]byte
		b = appendQuoted(b, appendCredits(tmp[:0], row.credit))
	}
	b = append(append(b, ','), g.invoice...)
	b = append(append(b, ','), row.costType...)
	b = append(append(b, ','), bf.name...)
	b = append(append(b, ','), bf.global...)
	return append(append(b, ','), g.partition...)
}

// appendEscapedList writes [items] with CSV quote doubling (the caller
// writes the surrounding quotes).
func appendEscapedList(b, items []byte) []byte {
	b = append(b, '[')
	for _, c := range items {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, ']')
}

// appendGCPJSON writes the row as BigQuery exports it to JSON: nested
// records, repeated fields as arrays, numbers as JSON numbers.
func appendGCPJSON(b []byte, row *gcpRow, g *gcpGen) []byte {
	bf := &g.bufs
	sku := row.sku
	b = append(b, `{"billing_account_id":"`+gcpBillingAccount+`","service":{"id":`...)
	if sku.service >= 0 {
		s := &gcpServices[sku.service]
		b = appendJSONString(b, s.id)
		b = append(b, `,"description":`...)
		b = appendJSONString(b, s.desc)
	} else {
		b = append(b, `"","description":"Invoice"`...)
	}
	b = append(b, `},"sku":{"id":`...)
	b = appendJSONString(b, sku.ids[row.area])
	b = append(b, `,"description":`...)
	b = appendJSONString(b, sku.descs[row.area])
	b = append(b, `},"usage_start_time":"`...)
	b = append(b, g.start...)
	b = append(b, `","usage_end_time":"`...)
	b = append(b, g.end...)
	b = append(b, `","project":`...)
	if p := row.project; p != nil {
		b = append(b, `{"id":`...)
		b = appendJSONString(b, p.id)
		b = append(b, `,"number":`...)
		b = appendJSONString(b, p.number)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, p.name)
		b = append(b, `,"labels":`...)
		b = append(b, p.labels...)
		b = append(b, `,"ancestry_numbers":`...)
		b = appendJSONString(b, p.ancestry)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = appendList(append(b, `,"labels":`...), bf.labels)
	b = appendList(append(b, `,"system_labels":`...), bf.system)
	b = append(b, `,"location":`...)
	if row.loc == nil {
		b = append(b, "null"...)
	} else {
		location, country, region, zone := row.location()
		b = append(b, `{"location":`...)
		b = appendJSONString(b, location)
		b = appendNullable(append(b, `,"country":`...), country)
		b = appendNullable(append(b, `,"region":`...), region)
		b = append(b, `,"zone":`...)
		if zone != 0 {
			b = append(append(append(append(append(b, '"'), region...), '-'), zone), '"')
		} else {
			b = append(b, "null"...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"resource":`...)
	if len(bf.name) > 0 || len(bf.global) > 0 {
		b = append(b, `{"name":`...)
		b = appendJSONString(b, bf.name)
		b = append(b, `,"global_name":`...)
		b = appendJSONString(b, bf.global)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"export_time":"`...)
	b = append(b, g.export...)
	b = append(b, `","cost":`...)
	b = appendDec(b, row.cost, gcpScale)
	b = append(b, `,"currency":"USD","currency_conversion_rate":1,"usage":{"amount":`...)
	b = appendProduct(b, row.pricingNum, sku.usageMul)
	b = append(b, `,"unit":`...)
	b = appendJSONString(b, sku.usageUnit)
	b = append(b, `,"amount_in_pricing_units":`...)
	b = appendPricing(b, row)
	b = append(b, `,"pricing_unit":`...)
	b = appendJSONString(b, sku.pricingUnit)
	b = append(b, `},"credits":`...)
	b = appendCredits(b, row.credit)
	b = append(b, `,"invoice":{"month":"`...)
	b = append(b, g.invoice...)
	b = append(b, `"},"cost_type":"`...)
	b = append(b, row.costType...)
	return append(b, `"}`...)
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}
