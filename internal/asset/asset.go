// Package asset is the CloudHealth asset model (cloudhealth.md §6):
// accounts, instances, volumes, buckets, databases, load balancers and
// their Azure and GCP counterparts, derived from billing line items by a
// pure, incremental Deriver. It owns no storage and serves no HTTP: the
// CloudHealth dialect searches a Set with internal/asset/search.
package asset

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tally-cost/tally/internal/asset/search"
	"github.com/tally-cost/tally/internal/cost"
)

// Type is an asset type as CloudHealth spells it in /api, /api/:asset and
// the `name` of /api/search (the vendor text's list of asset objects).
type Type string

// The types a bill shows. Names are upstream's: AWS volumes are AwsVolume
// (not AwsEbsVolume), Azure managed disks AzureManagedDisk, a GCP project
// GcpComputeProject, an Azure subscription AzureSubscription.
const (
	AwsAccount         Type = "AwsAccount"
	AwsInstance        Type = "AwsInstance"
	AwsVolume          Type = "AwsVolume"
	AwsSnapshot        Type = "AwsSnapshot"
	AwsS3Bucket        Type = "AwsS3Bucket"
	AwsRdsInstance     Type = "AwsRdsInstance"
	AwsLoadBalancer    Type = "AwsLoadBalancer"
	AzureSubscription  Type = "AzureSubscription"
	AzureResourceGroup Type = "AzureResourceGroup"
	AzureVm            Type = "AzureVm" // upstream spells it so, not AzureVM
	AzureManagedDisk   Type = "AzureManagedDisk"
	GcpComputeProject  Type = "GcpComputeProject"
	GcpComputeInstance Type = "GcpComputeInstance"
	GcpComputeDisk     Type = "GcpComputeDisk"
)

// RelationSpec is one entry of the `relations` of GET /api/:asset.
type RelationSpec struct {
	Name       string `json:"name"`
	ObjectType Type   `json:"object_type"`
	HasMany    bool   `json:"has_many"`
}

// typeSpec says what a type's assets carry: the attribute naming the
// provider's own key (instance_id, volume_id, ...) and the relations.
type typeSpec struct {
	provider  string // cost.LineItem ProviderName of the bills it comes from
	keyAttr   string
	relations []RelationSpec
}

var (
	awsAccountRel = RelationSpec{Name: "account", ObjectType: AwsAccount}
	azureSubRel   = RelationSpec{Name: "subscription", ObjectType: AzureSubscription}
	azureRGRel    = RelationSpec{Name: "resource_group", ObjectType: AzureResourceGroup}
	gcpProjectRel = RelationSpec{Name: "project", ObjectType: GcpComputeProject}
)

var specs = map[Type]typeSpec{
	AwsAccount:         {provider: "AWS", keyAttr: "owner_id"},
	AwsInstance:        {provider: "AWS", keyAttr: "instance_id", relations: []RelationSpec{awsAccountRel}},
	AwsVolume:          {provider: "AWS", keyAttr: "volume_id", relations: []RelationSpec{awsAccountRel}},
	AwsSnapshot:        {provider: "AWS", keyAttr: "snapshot_id", relations: []RelationSpec{awsAccountRel}},
	AwsS3Bucket:        {provider: "AWS", keyAttr: "bucket_name", relations: []RelationSpec{awsAccountRel}},
	AwsRdsInstance:     {provider: "AWS", keyAttr: "instance_id", relations: []RelationSpec{awsAccountRel}},
	AwsLoadBalancer:    {provider: "AWS", keyAttr: "load_balancer_id", relations: []RelationSpec{awsAccountRel}},
	AzureSubscription:  {provider: "Microsoft", keyAttr: "subscription_id"},
	AzureResourceGroup: {provider: "Microsoft", keyAttr: "resource_group_id", relations: []RelationSpec{azureSubRel}},
	AzureVm:            {provider: "Microsoft", keyAttr: "azure_resource_id", relations: []RelationSpec{azureSubRel, azureRGRel}},
	AzureManagedDisk:   {provider: "Microsoft", keyAttr: "azure_resource_id", relations: []RelationSpec{azureSubRel, azureRGRel}},
	GcpComputeProject:  {provider: "Google Cloud", keyAttr: "project_id"},
	GcpComputeInstance: {provider: "Google Cloud", keyAttr: "resource_name", relations: []RelationSpec{gcpProjectRel}},
	GcpComputeDisk:     {provider: "Google Cloud", keyAttr: "resource_name", relations: []RelationSpec{gcpProjectRel}},
}

// commonAttrs are the attributes every type has, in the order GET
// /api/:asset lists them (after `id` and the type's key attribute).
var commonAttrs = []string{"name", "is_active", "first_seen", "last_seen", "cost_to_date", "region", "availability_zone"}

// Types lists every type the Deriver makes, sorted: the body of GET /api.
func Types() []Type {
	return slices.Sorted(maps.Keys(specs))
}

// Known reports whether t is a type the Deriver makes.
func Known(t Type) bool {
	_, ok := specs[t]
	return ok
}

// Attributes returns the attribute names of t (`attributes` of GET
// /api/:asset, without the perspective groups the dialect adds) and its
// relations.
func Attributes(t Type) ([]string, []RelationSpec) {
	s, ok := specs[t]
	if !ok {
		return nil, nil
	}
	attrs := append([]string{"id", s.keyAttr}, commonAttrs...)
	return attrs, slices.Clone(s.relations)
}

// ID is the asset's stable numeric id: the first 53 bits of SHA-256 over
// provider, type and key. Deriving again (another process, a re-ingest)
// gives the same id, so custom tags and metrics keyed by id survive.
// 53 bits because CloudHealth ids are JSON numbers and JavaScript and
// Python-json clients read them as doubles; a 2^-53 collision chance per
// pair is checked by the Deriver rather than assumed away.
func ID(t Type, key string) int64 {
	h := sha256.New()
	h.Write([]byte("tally-asset/v1\x00"))
	h.Write([]byte(specs[t].provider))
	h.Write([]byte{0})
	h.Write([]byte(t))
	h.Write([]byte{0})
	h.Write([]byte(key))
	id := int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]) >> 11)
	if id == 0 {
		id = 1 // 0 reads as "no id" to clients
	}
	return id
}

// Asset is one asset as a snapshot of the Deriver shows it. It satisfies
// search.Attributes; its relations point into the same Set.
type Asset struct {
	ID       int64
	Type     Type
	Provider string
	// Key is the provider's identifier: instance, volume or snapshot id,
	// bucket name, RDS identifier, load balancer name, lower-cased ARM id
	// (Azure), resource global name (GCP), account/subscription/project id.
	Key              string
	Name             string
	Region           string
	AvailabilityZone string
	// FirstSeen and LastSeen are the earliest charge start and the latest
	// charge end of the line items that named the asset.
	FirstSeen, LastSeen time.Time
	// Active: LastSeen within ActiveWindow of the latest charge end of the
	// whole data set (see Options.ActiveWindow).
	Active bool
	// CostToDate is Σ of every metric over the asset's line items, exact.
	// For an account, subscription, project or resource group that is
	// everything billed to it, not only the assets found in it.
	CostToDate [cost.NumMetrics]decimal.Decimal
	// Tags are the provider tags of the latest line item that named it.
	Tags map[string]string
	// Relations maps a relation name (account, subscription, project,
	// resource_group) to the related asset.
	Relations map[string]*Asset
}

// CostMetric is the metric of the `cost_to_date` attribute: billed
// (invoice) cost, which is what CloudHealth's asset cost columns show.
const CostMetric = cost.Billed

// Attr implements search.Attributes.
func (a *Asset) Attr(name string) (any, bool) {
	switch name {
	case "id":
		return a.ID, true
	case specs[a.Type].keyAttr:
		return a.Key, true
	case "name":
		return a.Name, true
	case "is_active":
		return a.Active, true
	case "first_seen":
		return a.FirstSeen, true
	case "last_seen":
		return a.LastSeen, true
	case "cost_to_date":
		return a.CostToDate[CostMetric], true
	case "region":
		return nullable(a.Region), true
	case "availability_zone":
		return nullable(a.AvailabilityZone), true
	}
	return nil, false
}

// nullable renders an unknown value as null, as upstream does, so that
// no comparison (!= included) matches it.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Related implements search.Attributes.
func (a *Asset) Related(name string) (search.Relation, bool) {
	for _, r := range specs[a.Type].relations {
		if r.Name != name {
			continue
		}
		if b := a.Relations[name]; b != nil {
			return search.Relation{Assets: []search.Attributes{b}}, true
		}
		return search.Relation{}, true
	}
	return search.Relation{}, false
}

var _ search.Attributes = (*Asset)(nil)

// Set is an immutable snapshot of derived assets.
type Set struct {
	list []*Asset // by type, then id
	byID map[int64]*Asset
}

// All returns every asset, ordered by type and id.
func (s *Set) All() []*Asset { return s.list }

// Get returns the asset with the id, or nil.
func (s *Set) Get(id int64) *Asset { return s.byID[id] }

// OfType returns the assets of type t, ordered by id.
func (s *Set) OfType(t Type) []*Asset {
	var out []*Asset
	for _, a := range s.list {
		if a.Type == t {
			out = append(out, a)
		}
	}
	return out
}
