// Package gcp reads the Google Cloud Billing export (BigQuery standard and
// detailed usage cost tables, billing-formats.md §7) from the files users
// have: CSV with dotted column names for the nested fields
// ("service.description") and JSON lines with the nested structure, which
// tabular.NewJSONL flattens to the same names when given Columns.
package gcp

import (
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// Columns is the flattened column set of the standard and detailed export
// (billing-formats.md §7.1, spelled as §7.3), for use as the header of
// tabular.NewJSONL. List and struct-array fields (credits, labels,
// project.labels, system_labels, tags, project.ancestors) are single
// columns holding JSON text.
var Columns = []string{
	"billing_account_id",
	"invoice.month",
	"cost_type",
	"service.id", "service.description",
	"sku.id", "sku.description",
	"usage_start_time", "usage_end_time",
	"project.id", "project.number", "project.name", "project.labels",
	"project.ancestry_numbers", "project.ancestors",
	"labels", "system_labels", "tags",
	"location.location", "location.country", "location.region", "location.zone",
	"resource.name", "resource.global_name",
	"export_time",
	"cost", "currency", "currency_conversion_rate",
	"usage.amount", "usage.unit", "usage.amount_in_pricing_units", "usage.pricing_unit",
	"credits",
	"adjustment_info.id", "adjustment_info.description", "adjustment_info.mode", "adjustment_info.type",
	"cost_at_list",
	"transaction_type", "seller_name",
	"price.effective_price", "price.tier_start_amount", "price.unit", "price.pricing_unit_quantity",
	"subscription.instance_id",
	"consumption_model.id", "consumption_model.description",
	"cost_at_effective_price_default", "cost_at_list_consumption_model",
	"partition_date",
}

// columns holds the position of every column the mapper reads; -1 when
// the file does not have it.
type columns struct {
	billingAccount, invoiceMonth, costType             int
	serviceID, serviceDesc, skuID, skuDesc             int
	start, end                                         int
	projectID, projectName, projectLabels              int
	labels, systemLabels, tags                         int
	location, region, zone                             int
	resourceName, resourceGlobal                       int
	cost, currency, rate, atList                       int
	usageAmount, usageUnit, pricingAmount, pricingUnit int
	credits, sellerName, effectivePrice                int
}

func find(ix *tabular.Index) columns {
	return columns{
		billingAccount: ix.Find("billing_account_id"),
		invoiceMonth:   ix.Find("invoice.month"),
		costType:       ix.Find("cost_type"),
		serviceID:      ix.Find("service.id"),
		serviceDesc:    ix.Find("service.description"),
		skuID:          ix.Find("sku.id"),
		skuDesc:        ix.Find("sku.description"),
		start:          ix.Find("usage_start_time"),
		end:            ix.Find("usage_end_time"),
		projectID:      ix.Find("project.id"),
		projectName:    ix.Find("project.name"),
		projectLabels:  ix.Find("project.labels"),
		labels:         ix.Find("labels"),
		systemLabels:   ix.Find("system_labels"),
		tags:           ix.Find("tags"),
		location:       ix.Find("location.location"),
		region:         ix.Find("location.region"),
		zone:           ix.Find("location.zone"),
		resourceName:   ix.Find("resource.name"),
		resourceGlobal: ix.Find("resource.global_name"),
		cost:           ix.Find("cost"),
		currency:       ix.Find("currency"),
		rate:           ix.Find("currency_conversion_rate"),
		atList:         ix.Find("cost_at_list"),
		usageAmount:    ix.Find("usage.amount"),
		usageUnit:      ix.Find("usage.unit"),
		pricingAmount:  ix.Find("usage.amount_in_pricing_units"),
		pricingUnit:    ix.Find("usage.pricing_unit"),
		credits:        ix.Find("credits"),
		sellerName:     ix.Find("seller_name"),
		effectivePrice: ix.Find("price.effective_price"),
	}
}

// missing lists the required columns header lacks: cost,
// usage_start_time, and a service (service.description or service.id).
func (c columns) missing() []string {
	var out []string
	if c.cost < 0 {
		out = append(out, "cost")
	}
	if c.start < 0 {
		out = append(out, "usage_start_time")
	}
	if c.serviceDesc < 0 && c.serviceID < 0 {
		out = append(out, "service.description or service.id")
	}
	return out
}

// Detect reports whether header is a Google Cloud billing export.
func Detect(header []string) bool {
	return len(find(tabular.NewIndex(header)).missing()) == 0
}

// NewMapper returns the mapper for a file with header, or an error
// wrapping tabular.ErrUnknownLayout naming the required columns it lacks.
func NewMapper(header []string) (tabular.Mapper, error) {
	ix := tabular.NewIndex(header)
	c := find(ix)
	if m := c.missing(); len(m) > 0 {
		return nil, fmt.Errorf("%w: not a Google Cloud billing export: it needs the columns cost, usage_start_time and service.description or service.id; missing %s",
			tabular.ErrUnknownLayout, strings.Join(m, ", "))
	}
	return &mapper{ix: ix, c: c}, nil
}

type mapper struct {
	ix *tabular.Index
	c  columns
}
