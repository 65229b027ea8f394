package server

import (
	"fmt"
	"strings"
)

// Filters in the Kubecost filter language (internal/filter/kubecost.go),
// which the native API shares with its own field names, generated as a
// small structure that the suite both prints and evaluates on the
// world's rows. The expected answer to a filtered request is computed
// here, independently of the server, from the same structure that made
// the request.
//
// The language has no negated group: "!" belongs to the comparison
// ("!:", "!<~:"). The negation of a group is therefore written by De
// Morgan's laws (negate), which is also how a client would write it.

// dialect names the world's properties in one filter language.
type dialect struct {
	name string
	// fields maps the suite's property names to the language's fields.
	fields map[string]string
	// provider is how the dialect names the world's provider: Kubecost
	// its own (Microsoft is "Azure"); the native API accepts every
	// spelling in any case, probed with the CLI's ("azure").
	provider string
}

var (
	nativeFilters = dialect{
		name:     "native",
		fields:   map[string]string{"account": "subAccountId", "provider": "provider", "service": "service", "region": "region"},
		provider: "azure",
	}
	kubecostFilters = dialect{
		name:     "kubecost",
		fields:   map[string]string{"account": "accountID", "provider": "provider", "service": "service", "region": "regionID"},
		provider: "Azure",
	}
)

// value is a property of a world row as dialect d names it (worldItemAt
// gives every row the same service and region).
func (d dialect) value(property string, r row) string {
	switch property {
	case "account":
		return r.account
	case "provider":
		return d.provider
	case "service":
		return "Microsoft.Compute"
	case "region":
		return "us-east-1"
	}
	panic("no property " + property)
}

// fx is a generated filter.
type fx interface {
	// text prints the filter; top is false inside parentheses.
	text(d dialect, top bool) string
	// match evaluates the filter on a row.
	match(d dialect, r row) bool
	// negate returns the filter that matches exactly the rows this one
	// does not.
	negate() fx
}

// cmp is a comparison: property op value(s), any of which may match
// (a value list); neg negates the whole comparison, so that a negated
// list matches none of its values, as the language defines it.
type cmp struct {
	property string
	op       string // ":", "~:", "<~:" or "~>:"
	neg      bool
	values   []string
}

func (c cmp) text(d dialect, _ bool) string {
	q := make([]string, len(c.values))
	for i, v := range c.values {
		q[i] = `"` + v + `"`
	}
	bang := ""
	if c.neg {
		bang = "!"
	}
	return d.fields[c.property] + bang + c.op + strings.Join(q, ",")
}

func (c cmp) match(d dialect, r row) bool {
	got := d.value(c.property, r)
	hit := false
	for _, v := range c.values {
		switch c.op {
		case ":":
			hit = hit || got == v
		case "~:":
			hit = hit || strings.Contains(got, v)
		case "<~:":
			hit = hit || strings.HasPrefix(got, v)
		case "~>:":
			hit = hit || strings.HasSuffix(got, v)
		default:
			panic("no op " + c.op)
		}
	}
	return hit != c.neg
}

func (c cmp) negate() fx { c.neg = !c.neg; return c }

// group joins two or more filters with one operator, as the language
// requires of each level; nested groups print in parentheses.
type group struct {
	or bool
	xs []fx
}

func (g group) text(d dialect, top bool) string {
	op := "+"
	if g.or {
		op = "|"
	}
	parts := make([]string, len(g.xs))
	for i, x := range g.xs {
		parts[i] = x.text(d, false)
	}
	s := strings.Join(parts, op)
	if !top {
		s = "(" + s + ")"
	}
	return s
}

func (g group) match(d dialect, r row) bool {
	for _, x := range g.xs {
		if x.match(d, r) == g.or {
			return g.or
		}
	}
	return !g.or
}

func (g group) negate() fx {
	n := group{or: !g.or, xs: make([]fx, len(g.xs))}
	for i, x := range g.xs {
		n.xs[i] = x.negate()
	}
	return n
}

func or(xs ...fx) fx  { return group{or: true, xs: xs} }
func and(xs ...fx) fx { return group{xs: xs} }

// is compares a property with one value or a list.
func is(property string, values ...string) fx {
	return cmp{property: property, op: ":", values: values}
}

// generatedFilters are the filters every filtering endpoint is asked
// with, in dialect d's naming: tautologies and contradictions written
// with '|', value lists, nested parentheses and their negations, and
// every account alone, with a filter that matches nothing, and paired
// with each other account (one tenant's account beside another's).
func generatedFilters(d dialect) []fx {
	prov := is("provider", d.provider)
	none := is("provider", "zzz")
	acct := func(a ...string) fx { return is("account", a...) }
	accounts := worldAccounts()
	var each []fx
	for _, a := range accounts {
		each = append(each, acct(a))
	}
	shapes := []fx{
		or(prov, prov.negate()),
		or(none, prov),
		and(none, prov),
		is("service", "Microsoft.Compute", "AmazonS3"),
		acct(accounts...),
		or(each...),
		or(cmp{property: "account", op: "<~:", values: []string{"acct"}}, none),
		or(cmp{property: "account", op: "~>:", values: []string{"1"}}, cmp{property: "account", op: "~:", values: []string{"-a"}}),
		cmp{property: "account", op: ":", neg: true, values: []string{"acct-a1", "acct-b1", "acct-c1"}},
		and(or(prov, prov.negate()), is("region", "us-east-1")),
		or(and(prov, is("region", "us-east-1")), and(prov.negate(), is("service", "Microsoft.Compute"))),
		and(prov, or(acct("acct-a1"), and(is("service", "Microsoft.Compute", "AmazonS3"), or(acct("acct-b1"), acct("acct-c2"))))),
		or(and(or(prov, none), or(acct("acct-a1"), acct("acct-c1"))), and(acct("acct-b1"), prov.negate())),
		or(and(acct("acct-shared"), or(none, prov)), acct("acct-c1", "acct-b1")),
	}
	var out []fx
	for _, s := range shapes {
		out = append(out, s, s.negate())
	}
	for i, a := range accounts {
		out = append(out, acct(a), or(acct(a), none), or(none, acct(a)))
		for _, b := range accounts[i+1:] {
			out = append(out, or(acct(a), acct(b)), acct(b, a))
		}
	}
	return out
}

// describe is a filter's text for messages.
func describe(d dialect, f fx) string { return fmt.Sprintf("%s filter %s", d.name, f.text(d, true)) }
