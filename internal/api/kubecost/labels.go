package kubecost

import (
	"strings"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/filter"
	"github.com/tally-cost/tally/internal/query"
)

// Labels as OpenCost presents them (kubecost-cloudcost.md §5.3). Tally
// stores a CUR's tags under the bill's own keys: `user:team` from the
// legacy CSV, `user_team` from snake_case columns and CUR 2.0 maps,
// `aws:createdBy` or `aws_created_by` for AWS's own tags. OpenCost reads
// the snake_case columns and drops `resource_tags_user_`, so a Kubecost
// dashboard asks for label `team` and `aws_created_by`. The dialect reads
// its labels through a mapping per label name rather than renaming stored
// keys, so that the native API keeps the bill's keys and grouping and
// filtering by a label read the same value in the store.

// labelPrefix names the derived dimension of a Kubecost label.
const labelPrefix = "kubecost.label:"

// labelDim is the dimension of Kubecost label name.
func labelDim(name string) cost.Dimension { return cost.Dimension(labelPrefix + name) }

// labelName returns the label name of a label dimension and true.
func labelName(d cost.Dimension) (string, bool) {
	return strings.CutPrefix(string(d), labelPrefix)
}

// isAWS tests the provider as stored: only a CUR's keys carry `user`.
var isAWS = providerIs("AWS")

// awsKeys are the stored keys that Kubecost label name reads on an AWS
// item, in order of preference: the legacy CSV's `user:name`, the
// snake_case `user_name`, and for a name `aws_x` the legacy `aws:x`
// (the snake_case `aws_x` is the name itself, the mapping's Else).
func awsKeys(name string) []string {
	keys := []string{"user:" + name, "user_" + name}
	if rest, ok := strings.CutPrefix(name, "aws_"); ok && rest != "" {
		keys = append(keys, "aws:"+rest)
	}
	return keys
}

// labelMapping is the mapping of labelDim(name): on an AWS item the first
// of awsKeys with a value, else (and on every other provider) the tag
// name itself. A tag with an empty value is not stored (the readers drop
// it), so "has a value" is "has the key". A name that is a CUR's own
// spelling of a user tag (`user:team`, `user_team`) is no OpenCost label
// of an AWS item: OpenCost has removed that prefix.
func labelMapping(name string) query.Mapping {
	var rules []query.Rule
	for _, k := range awsKeys(name) {
		t := cost.TagDimension(k)
		rules = append(rules, query.Rule{
			When: filter.And{Xs: []filter.Expr{isAWS, filter.Not{X: filter.Cond{Dim: t, Op: filter.Equals, Values: []string{""}}}}},
			From: t,
		})
	}
	if strings.HasPrefix(name, "user:") || strings.HasPrefix(name, "user_") {
		rules = append(rules, query.Rule{When: isAWS, Value: ""})
	}
	return query.Mapping{Rules: rules, Else: cost.TagDimension(name)}
}

// kubecostLabels rewrites the label comparisons of a parsed filter (tag
// dimensions, as filter.ParseKubecost gives them) into Kubecost's view:
// label[team] compares labelDim("team"); a key test label:"team" is true
// when that label has a value; a key prefix `label<~:"te"` also matches
// AWS keys `user:te…` and `user_te…`. Suffix tests need no rewriting: the
// removed prefixes are at the start of a key.
func kubecostLabels(e filter.Expr) filter.Expr {
	return filter.Rewrite(e, func(x filter.Cond) filter.Expr {
		key, isTag := x.Dim.TagKey()
		switch {
		case !isTag:
			return x
		case key != "":
			x.Dim = labelDim(key)
			return x
		case x.Op == filter.Equals:
			var has []filter.Expr
			for _, v := range x.Values {
				if v == "" {
					// label:"__unallocated__": OpenCost has no such key
					// either; keep the key test as it stands.
					has = append(has, filter.Cond{Dim: x.Dim, Op: filter.Equals, Values: []string{""}})
					continue
				}
				has = append(has, filter.Not{X: filter.Cond{Dim: labelDim(v), Op: filter.Equals, Values: []string{""}}})
			}
			return filter.Or{Xs: has}
		case x.Op == filter.Prefix:
			var alt []string
			for _, v := range x.Values {
				alt = append(alt, awsKeys(v)...)
			}
			return filter.Or{Xs: []filter.Expr{x, filter.And{Xs: []filter.Expr{isAWS, filter.Cond{Dim: x.Dim, Op: filter.Prefix, Values: alt}}}}}
		}
		return x
	})
}
