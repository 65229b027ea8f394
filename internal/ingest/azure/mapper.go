package azure

import (
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// mapper turns one row of an Azure export into a line item.
type mapper struct {
	l    *layout
	kind Kind
	mca  bool
}

// get returns the trimmed cell of column c, or "" when the layout has no
// such column.
func (m *mapper) get(r *tabular.Row, c col) string {
	return strings.TrimSpace(r.Get(m.l.pos[c]))
}

// Map fills li from r. It fails only on a cost, amount or date that does
// not parse; text columns are taken as they are and tags that are not
// valid JSON are kept whole (see parseTags), so no row is ever dropped.
func (m *mapper) Map(r *tabular.Row, li *cost.LineItem) error {
	day, err := m.date(r, colDate)
	if err != nil {
		return err
	}
	// Azure cost details are daily: Date is the usage day (§6.9
	// ChargePeriodStart / End = Date / Date + 1 day).
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	li.ChargePeriodStart = day
	li.ChargePeriodEnd = day.AddDate(0, 0, 1)
	if err := m.billingPeriod(r, li, day); err != nil {
		return err
	}

	li.ProviderName = "Microsoft"
	m.accounts(r, li)
	m.resource(r, li)
	m.charge(r, li)

	if err := m.prices(r, li); err != nil {
		return err
	}
	if err := m.metrics(r, li); err != nil {
		return err
	}

	parseTags(m.get(r, colTags), li.SetTag)
	li.Kubernetes = IsKubernetes(li.Tags)
	li.Category = Category(li.MeterCategory)
	li.ProviderID = ProviderID(li.ResourceID, li.MeterCategory, li.Category, m.get(r, colAdditionalInfo), li.Tags)
	return nil
}

// date parses the date in column c, pointing at the cell on failure.
func (m *mapper) date(r *tabular.Row, c col) (time.Time, error) {
	t, err := cost.ParseTime(m.get(r, c))
	if err != nil {
		return time.Time{}, tabular.CellError(r, m.l.name(c), err)
	}
	return t, nil
}

// billingPeriod sets BillingPeriodStart = BillingPeriodStartDate and
// BillingPeriodEnd = BillingPeriodEndDate + 1 day (§6.9: Azure writes the
// last day, FOCUS wants the exclusive end). Layouts without the columns
// (PAYG, legacy) and rows with empty cells (the MCA sample) fall back to
// the calendar month of Date, which is the Azure billing month for them.
func (m *mapper) billingPeriod(r *tabular.Row, li *cost.LineItem, day time.Time) error {
	li.BillingPeriodStart = cost.MonthStart(day)
	li.BillingPeriodEnd = li.BillingPeriodStart.AddDate(0, 1, 0)
	if m.get(r, colBillingPeriodStart) != "" {
		t, err := m.date(r, colBillingPeriodStart)
		if err != nil {
			return err
		}
		li.BillingPeriodStart = t
	}
	if m.get(r, colBillingPeriodEnd) != "" {
		t, err := m.date(r, colBillingPeriodEnd)
		if err != nil {
			return err
		}
		li.BillingPeriodEnd = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
	}
	return nil
}

// accounts fills the billing account, subscription, invoice and publisher
// columns.
func (m *mapper) accounts(r *tabular.Row, li *cost.LineItem) {
	li.SubAccountID = m.get(r, colSubscriptionID)
	li.SubAccountName = m.get(r, colSubscriptionName)

	// BillingAccountId (§6.9): EA BillingAccountId, MCA/MPA
	// billingProfileId (the entity invoices are issued to). When that is
	// empty, Kubecost's fallbacks (kubecost-cloudcost.md §5.3):
	// BillingAccountId, else BillingAccountName, else the subscription.
	if m.mca {
		li.BillingAccountID = m.get(r, colBillingProfileID)
		li.BillingAccountName = m.get(r, colBillingProfileName)
	}
	li.BillingAccountID = firstNonEmpty(li.BillingAccountID, m.get(r, colBillingAccountID), m.get(r, colBillingAccountName), li.SubAccountID)
	li.BillingAccountName = firstNonEmpty(li.BillingAccountName, m.get(r, colBillingAccountName))
	// The bill's own BillingAccountId, kept apart from the FOCUS billing
	// account above: on MCA/MPA that is the billing profile, and
	// Kubecost's invoiceEntityID (kubecost-cloudcost.md §5.3), like
	// OpenCost's, is the billing account. EA writes the enrolment in both.
	li.RootAccountID = m.get(r, colBillingAccountID)
	li.RootAccountName = m.get(r, colBillingAccountName)

	li.BillingCurrency = strings.ToUpper(m.get(r, colCurrency))
	li.InvoiceID = m.get(r, colInvoiceID)
	// The partner's customer (MPA customerTenantId / customerName, §6.5);
	// other layouts have none and leave it empty.
	li.CustomerID = m.get(r, colCustomerTenantID)
	li.CustomerName = m.get(r, colCustomerName)
	li.CostCenter = m.get(r, colCostCenter) // CostCenter / costCenter
	// InvoiceIssuerName (§6.9): PartnerName, else Microsoft.
	li.InvoiceIssuerName = firstNonEmpty(m.get(r, colPartnerName), "Microsoft")
	// PublisherName as written, also empty: Azure leaves it empty on many
	// of its own rows (PublisherType Azure), and upstream's
	// publisherName=microsoft does not find them; crediting them to
	// "Microsoft" made that filter return 3,019 rows where upstream
	// returns 14.
	li.PublisherName = m.get(r, colPublisherName)
}

// resource fills the service, meter, SKU, region and resource columns.
func (m *mapper) resource(r *tabular.Row, li *cost.LineItem) {
	li.MeterCategory = m.get(r, colMeterCategory)
	li.MeterSubcategory = m.get(r, colMeterSubcategory)
	li.MeterName = m.get(r, colMeterName)
	li.MeterID = m.get(r, colMeterID)                   // MeterId / meterId
	li.ServiceFamily = m.get(r, colServiceFamily)       // as written; ServiceCategory maps it
	li.ProductOrderName = m.get(r, colProductOrderName) // ProductOrderName / productOrderName
	// ServiceName = ConsumedService (the resource provider, e.g.
	// Microsoft.Compute) as Kubecost's `service` (kubecost-cloudcost.md
	// §5.3), so the Kubecost API matches OpenCost; rows without one fall
	// back to MeterCategory ("Virtual Machines").
	li.ServiceName = firstNonEmpty(m.get(r, colConsumedService), li.MeterCategory)
	li.ServiceCategory = serviceCategory(m.get(r, colServiceFamily), m.l.has(colServiceFamily))
	li.ChargeDescription = m.get(r, colProduct)
	li.SkuID = firstNonEmpty(m.get(r, colProductID), m.get(r, colPartNumber))

	li.ResourceID = m.get(r, colResourceID)
	li.ResourceGroup = m.get(r, colResourceGroup) // kept as given, also "" and "Not applicable"
	// ResourceName (§6.9): EA ResourceName; MCA has no such column, so the
	// last segment of the resource id.
	if m.l.has(colResourceName) {
		li.ResourceName = m.get(r, colResourceName)
	} else {
		li.ResourceName = lastSegment(li.ResourceID)
	}
	// ResourceType: the legacy ResourceType column, else the ARM type read
	// from the resource id ("Microsoft.Compute/virtualMachines").
	li.ResourceType = firstNonEmpty(m.get(r, colResourceType), armType(li.ResourceID))

	// RegionID as the bill writes it (Kubecost regionID, kubecost-cloudcost.md
	// §5.3): ResourceLocation, else ResourceLocationNormalized (EA
	// 2024-08-01), else MeterRegion, else Location. Not lower-cased nor
	// stripped of spaces, although Microsoft's FOCUS conversion (§6.9)
	// does so: OpenCost and the Azure billing API show ResourceLocation
	// unchanged, so "CentralUS" must stay findable by regionID:"CentralUS",
	// and "EastUS" and "eastus" are two values, as in the bill. Dialects
	// whose upstream compares case-insensitively fold in their filters.
	// RegionName is the display name: Location (MCA "US East") when given,
	// else the value the id came from.
	li.RegionID = firstNonEmpty(m.get(r, colResourceLocation), m.get(r, colRegionNormalized), m.get(r, colMeterRegion), m.get(r, colLocation))
	li.RegionName = firstNonEmpty(m.get(r, colLocation), li.RegionID)
	li.AvailabilityZone = m.get(r, colAvailabilityZone)

	li.PricingUnit = m.get(r, colUnit)
	li.ConsumedUnit = li.PricingUnit
}

// prices keeps UnitPrice and PayGPrice (MarketPrice in the 2019-10-01
// MCA layout) as the bill writes them: an empty cell is null, a 0 stays 0
// (§6.8: Azure writes 0 for prices it does not populate). metrics derives
// the contracted and list costs from the same cells.
func (m *mapper) prices(r *tabular.Row, li *cost.LineItem) error {
	var err error
	if li.UnitPrice, err = m.nullAmount(r, colUnitPrice); err != nil {
		return err
	}
	li.ListUnitPrice, err = m.nullAmount(r, colPayGPrice)
	return err
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// lastSegment is the last non-empty "/"-separated segment of id.
func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// armType reads the resource type of an ARM resource id: the namespace
// after the last "/providers/" followed by every type segment
// (".../providers/Microsoft.Compute/virtualMachineScaleSets/x" →
// "Microsoft.Compute/virtualMachineScaleSets").
func armType(id string) string {
	const p = "/providers/"
	// Search case-insensitively without lower-casing id: ToLower can
	// change the byte length of text that is not valid UTF-8.
	i := len(id) - len(p)
	for i >= 0 && !strings.EqualFold(id[i:i+len(p)], p) {
		i--
	}
	if i < 0 {
		return ""
	}
	segs := strings.Split(strings.Trim(id[i+len(p):], "/"), "/")
	if len(segs) < 2 || segs[0] == "" {
		return ""
	}
	parts := []string{segs[0]}
	for j := 1; j < len(segs); j += 2 {
		parts = append(parts, segs[j])
	}
	return strings.Join(parts, "/")
}
