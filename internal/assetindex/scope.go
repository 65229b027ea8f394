package assetindex

import (
	"strings"

	"github.com/tally-cost/tally/internal/asset"
	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/scope"
)

// accountRelations are the relations that name an asset's account-like
// owner, by provider.
var accountRelations = []string{"account", "subscription", "project"}

// AccountOf returns the account (AWS account, Azure subscription, GCP
// project) an asset belongs to: the asset itself when it is one, else
// the related one; "" when unknown.
func AccountOf(a *asset.Asset) string {
	switch a.Type {
	case asset.AwsAccount, asset.AzureSubscription, asset.GcpComputeProject:
		return a.Key
	}
	for _, r := range accountRelations {
		if b := a.Relations[r]; b != nil {
			return b.Key
		}
	}
	return ""
}

// Viewer tells which assets a tenant scope sees: those of its accounts.
// Account ids compare without case: the Deriver lower-cases Azure
// subscription ids (exports mix cases of one id), while a scope holds
// them as the organization was given them. AWS account and GCP project
// ids have one spelling, so this widens nothing.
type Viewer struct {
	all      bool
	accounts map[string]bool // lower-cased
}

// NewViewer returns the Viewer of sc.
func NewViewer(sc scope.Scope) Viewer {
	ids, limited := sc.IDs()
	if !limited {
		return Viewer{all: true}
	}
	v := Viewer{accounts: make(map[string]bool, len(ids))}
	for _, id := range ids {
		v.accounts[strings.ToLower(id)] = true
	}
	return v
}

// Sees reports whether a belongs to an account of the scope. An asset
// whose account is unknown is seen by whole-installation scopes only.
func (v Viewer) Sees(a *asset.Asset) bool {
	if v.all {
		return true
	}
	acct := AccountOf(a)
	return acct != "" && v.accounts[strings.ToLower(acct)]
}

// Covers returns the line items an asset covers, as a filter: the
// resource id as bills spell it (bare, or as the ARN the key was cut
// from) within the asset's account, or the account, subscription,
// project or resource group itself. false for an unknown id or one of
// another type. The engine uses it to lay custom tags over line items.
func (ix *Index) Covers(assetType string, id int64) (filter.Expr, bool) {
	set := ix.Set()
	if set == nil {
		return nil, false
	}
	a := set.Get(id)
	if a == nil || string(a.Type) != assetType {
		return nil, false
	}
	return Covers(a), true
}

// Covers is the filter of one asset (see Index.Covers).
func Covers(a *asset.Asset) filter.Expr {
	eq := func(d cost.Dimension, fold bool, vs ...string) filter.Expr {
		return filter.Cond{Dim: d, Op: filter.Equals, Values: vs, FoldCase: fold}
	}
	suffix := func(vs ...string) filter.Expr {
		return filter.Cond{Dim: cost.DimResourceID, Op: filter.Suffix, Values: vs}
	}
	acct := AccountOf(a)
	switch a.Type {
	case asset.AwsAccount, asset.GcpComputeProject:
		return eq(cost.DimSubAccountID, false, a.Key)
	case asset.AzureSubscription:
		return eq(cost.DimSubAccountID, true, a.Key)
	case asset.AzureResourceGroup:
		// The key is "<subscription>/<group>", both lower-cased.
		_, rg, _ := strings.Cut(a.Key, "/")
		return filter.AndOf(eq(cost.DimSubAccountID, true, acct), eq(cost.DimResourceGroup, true, rg))
	case asset.AzureVm, asset.AzureManagedDisk:
		// The key is the whole ARM id, lower-cased.
		return eq(cost.DimResourceID, true, a.Key)
	case asset.GcpComputeInstance, asset.GcpComputeDisk:
		return filter.AndOf(eq(cost.DimSubAccountID, false, acct), eq(cost.DimResourceID, false, a.Key))
	}
	// AWS resources: the key is the bare id, or the last part of an ARN
	// (instance/i-…, :db:<name>, loadbalancer/<name>, :::<bucket>).
	var ids filter.Expr
	switch a.Type {
	case asset.AwsRdsInstance:
		ids = filter.Or{Xs: []filter.Expr{eq(cost.DimResourceID, false, a.Key), suffix(":db:" + a.Key)}}
	case asset.AwsLoadBalancer:
		ids = filter.Or{Xs: []filter.Expr{eq(cost.DimResourceID, false, a.Key), suffix(":loadbalancer/" + a.Key)}}
	case asset.AwsS3Bucket:
		ids = eq(cost.DimResourceID, false, a.Key, "arn:aws:s3:::"+a.Key)
	default: // instances, volumes, snapshots
		ids = filter.Or{Xs: []filter.Expr{eq(cost.DimResourceID, false, a.Key), suffix("/"+a.Key, ":"+a.Key)}}
	}
	return filter.AndOf(eq(cost.DimSubAccountID, false, acct), ids)
}
