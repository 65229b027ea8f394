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

// Covers is the filter of one asset (see Index.Covers). It mirrors how
// internal/asset classifies a line item, so that the items it selects
// are exactly those the asset was derived from (TestCovers checks this
// over the samples): the provider, the account, and the resource id as
// each bill may spell it.
func Covers(a *asset.Asset) filter.Expr {
	acct := AccountOf(a)
	own := eq(cost.DimProvider, false, a.Provider)
	switch a.Type {
	case asset.AwsAccount, asset.GcpComputeProject:
		return filter.AndOf(own, eq(cost.DimSubAccountID, false, a.Key))
	case asset.AzureSubscription:
		// Keys are lower-cased ids; exports mix the cases of one id.
		return filter.AndOf(own, eq(cost.DimSubAccountID, true, a.Key))
	case asset.AzureResourceGroup:
		// The key is "<subscription>/<group>", both lower-cased.
		_, rg, _ := strings.Cut(a.Key, "/")
		return filter.AndOf(own, eq(cost.DimSubAccountID, true, acct), eq(cost.DimResourceGroup, true, rg))
	case asset.AzureVm, asset.AzureManagedDisk:
		// The key is the whole ARM id, lower-cased.
		return filter.AndOf(own, eq(cost.DimSubAccountID, true, acct), eq(cost.DimResourceID, true, a.Key))
	case asset.GcpComputeInstance, asset.GcpComputeDisk:
		return filter.AndOf(own, eq(cost.DimSubAccountID, false, acct), eq(cost.DimResourceID, false, a.Key))
	}
	return filter.AndOf(own, eq(cost.DimSubAccountID, false, acct), awsResource(a))
}

// awsResource selects the resource ids an AWS resource's key was cut
// from: the bare id, or an ARN of the resource's service ending in it
// (arn:aws:ec2:r:a:instance/i-…, …:rds:…:db:<name>,
// …:elasticloadbalancing:…:loadbalancer/<name>, arn:aws:s3:::<bucket>).
// Bare bucket, database and load balancer names count only on the
// service's own items, as classify reads them.
func awsResource(a *asset.Asset) filter.Expr {
	arn := func(service string, suffixes ...string) filter.Expr {
		return filter.And{Xs: []filter.Expr{
			filter.Cond{Dim: cost.DimResourceID, Op: filter.Prefix, Values: []string{"arn:"}},
			filter.Cond{Dim: cost.DimResourceID, Op: filter.Contains, Values: []string{":" + service + ":"}},
			filter.Cond{Dim: cost.DimResourceID, Op: filter.Suffix, Values: suffixes},
		}}
	}
	bare := func(services ...string) filter.Expr {
		return filter.AndOf(eq(cost.DimResourceID, false, a.Key), eq(cost.DimService, false, services...))
	}
	switch a.Type {
	case asset.AwsRdsInstance:
		return filter.Or{Xs: []filter.Expr{bare("AmazonRDS", "Amazon Relational Database Service"), arn("rds", ":db:"+a.Key)}}
	case asset.AwsLoadBalancer:
		return filter.Or{Xs: []filter.Expr{bare("AWSELB", "Elastic Load Balancing"), arn("elasticloadbalancing", ":loadbalancer/"+a.Key)}}
	case asset.AwsS3Bucket:
		return filter.Or{Xs: []filter.Expr{bare("AmazonS3", "Amazon Simple Storage Service"), arn("s3", ":s3:::"+a.Key)}}
	}
	// Instances, volumes, snapshots: the id alone, as the last part of a
	// path that is not an ARN, or of an EC2 ARN.
	notARN := filter.Not{X: filter.Cond{Dim: cost.DimResourceID, Op: filter.Prefix, Values: []string{"arn:"}}}
	last := filter.Cond{Dim: cost.DimResourceID, Op: filter.Suffix, Values: []string{"/" + a.Key, ":" + a.Key}}
	return filter.Or{Xs: []filter.Expr{
		eq(cost.DimResourceID, false, a.Key),
		filter.And{Xs: []filter.Expr{notARN, last}},
		arn("ec2", "/"+a.Key, ":"+a.Key),
	}}
}

func eq(d cost.Dimension, fold bool, vs ...string) filter.Expr {
	return filter.Cond{Dim: d, Op: filter.Equals, Values: vs, FoldCase: fold}
}
