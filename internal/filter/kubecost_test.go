package filter

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
)

// The String() form of the AST is the expected value throughout: it
// shows dimension, operator, values and nesting, so a wrong tree cannot
// print the wanted text.

func TestParseKubecost(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		e, err := ParseKubecost(in, KubecostFields)
		if err != nil {
			t.Fatalf("ParseKubecost(%q): %v", in, err)
		}
		if e == nil {
			t.Fatalf("ParseKubecost(%q) = nil, want %s", in, want)
		}
		if got := e.String(); got != want {
			t.Fatalf("ParseKubecost(%q)\n got %s\nwant %s", in, got, want)
		}
	}

	// §6.3 examples.
	f(`service:"AmazonEC2"`, `service = ["AmazonEC2"]`)
	f(`provider:"AWS","GCP"+category!:"Network"`,
		`and(provider = ["AWS","GCP"], not(category = ["Network"]))`)
	f(`(accountID:"1111" | accountID:"2222") + label[env]:"prod"`,
		`and(or(subAccountId = ["1111"], subAccountId = ["2222"]), tag:env = ["prod"])`)
	f(`service<~:"Amazon"`, `service prefix ["Amazon"]`)
	f(`providerID~>:"-vm"`, `providerId suffix ["-vm"]`)
	f(`label:"team"`, `tag: = ["team"]`)

	// Every operator and its negation.
	f(`service:"a"`, `service = ["a"]`)
	f(`service!:"a"`, `not(service = ["a"])`)
	f(`service~:"a"`, `service contains ["a"]`)
	f(`service!~:"a"`, `not(service contains ["a"])`)
	f(`service<~:"a"`, `service prefix ["a"]`)
	f(`service!<~:"a"`, `not(service prefix ["a"])`)
	f(`service~>:"a"`, `service suffix ["a"]`)
	f(`service!~>:"a"`, `not(service suffix ["a"])`)

	// Every field of §6.1 and its dimension.
	f(`invoiceEntityID:"1"+invoiceEntityName:"2"+accountID:"3"+accountName:"4"+regionID:"5"`,
		`and(billingAccountId = ["1"], billingAccountName = ["2"], subAccountId = ["3"], subAccountName = ["4"], region = ["5"])`)
	f(`availabilityZone:"6"|provider:"7"|providerID:"8"|category:"9"|service:"10"`,
		`or(availabilityZone = ["6"], provider = ["7"], providerId = ["8"], category = ["9"], service = ["10"])`)

	// Labels: keyed values, and key tests on bare label.
	f(`label[team]:"x"`, `tag:team = ["x"]`)
	f(`label[team]~:"x"`, `tag:team contains ["x"]`)
	f(`label[team]!<~:"x"`, `not(tag:team prefix ["x"])`)
	f(`label[app.kubernetes.io/name]:"web"`, `tag:app.kubernetes.io/name = ["web"]`)
	f(`label[ Team Name ]:"x"`, `tag: Team Name  = ["x"]`) // brackets keep their bytes
	f(`label[équipe]:"x"`, `tag:équipe = ["x"]`)
	f(`perspective[1001]:"Prod","Test"`, `perspective:1001 = ["Prod","Test"]`)
	f(`perspective[ 1001 ]!:"Other"`, `not(perspective:1001 = ["Other"])`)
	f(`tag[team]:"x"`, `tag:team = ["x"]`)
	f(`label~:"team"`, `tag: = ["team"]`) // '~:' on keys is "has key", as ':'
	f(`label<~:"te"`, `tag: prefix ["te"]`)
	f(`label~>:"am"`, `tag: suffix ["am"]`)
	f(`label!:"team"`, `not(tag: = ["team"])`)
	f(`label!~:"team"`, `not(tag: = ["team"])`)
	f(`tag:"team"`, `tag: = ["team"]`)

	// Several values: OR'ed when positive, AND'ed (not any-of) when negated.
	f(`provider:"AWS","GCP","Azure"`, `provider = ["AWS","GCP","Azure"]`)
	f(`service!:"A","B"`, `not(service = ["A","B"])`)
	f(`service!~:"A","B"`, `not(service contains ["A","B"])`)

	// Bare identifiers as values (§6.2), mixed with strings.
	f(`provider:providerA,providerB`, `provider = ["providerA","providerB"]`)
	f(`provider:AWS,"Google Cloud"`, `provider = ["AWS","Google Cloud"]`)
	f(`accountID:123456789012`, `subAccountId = ["123456789012"]`)
	f(`service:label`, `service = ["label"]`)

	// __unallocated__ is the empty value, quoted or bare; "" too.
	f(`service:"__unallocated__"`, `service = [""]`)
	f(`service:__unallocated__`, `service = [""]`)
	f(`label[team]!:"__unallocated__"`, `not(tag:team = [""])`)
	f(`service:""`, `service = [""]`)
	f(`service:"__unallocated__x"`, `service = ["__unallocated__x"]`)

	// Strings keep every byte, operators included.
	f(`service:"a+b|c(d),e:f!~:[g]"`, `service = ["a+b|c(d),e:f!~:[g]"]`)
	f(`service:"Amazon Elastic Compute Cloud"`, `service = ["Amazon Elastic Compute Cloud"]`)
	f(`service:"café ☕"`, `service = ["café ☕"]`)

	// Whitespace outside strings is ignored.
	f(" \tservice \n:\r\n \"a\" ,\t\"b\" + category : \"c\" ", `and(service = ["a","b"], category = ["c"])`)
	f(`service :"a"|category!:"b"`, `or(service = ["a"], not(category = ["b"]))`)

	// Parentheses and nesting.
	f(`(service:"a")`, `service = ["a"]`)
	f(`((((service:"a"))))`, `service = ["a"]`)
	f(`service:"a"+provider:"b"+category:"c"`, `and(service = ["a"], provider = ["b"], category = ["c"])`)
	f(`service:"a"|(provider:"b"+(category:"c"|category:"d"))`,
		`or(service = ["a"], and(provider = ["b"], or(category = ["c"], category = ["d"])))`)
	f(`(service:"a"+provider:"b")|(service:"c"+provider:"d")`,
		`or(and(service = ["a"], provider = ["b"]), and(service = ["c"], provider = ["d"]))`)
	f(`(service:"a"|service:"b")+(provider:"c")`, `and(or(service = ["a"], service = ["b"]), provider = ["c"])`)
	f(`(service:"a" + provider:"b") + category:"c"`, `and(and(service = ["a"], provider = ["b"]), category = ["c"])`)
	f(strings.Repeat("(", maxDepth)+`service:"a"`+strings.Repeat(")", maxDepth), `service = ["a"]`)
}

func TestParseKubecostEmpty(t *testing.T) {
	for _, in := range []string{"", " ", "\t\r\n "} {
		e, err := ParseKubecost(in, KubecostFields)
		if e != nil || err != nil {
			t.Fatalf("ParseKubecost(%q) = %v, %v; want nil, nil", in, e, err)
		}
	}
}

// TestParseKubecostURL checks the two ways a '+' reaches the server: sent
// as %2B it decodes to AND; sent raw it decodes to a space, which must be
// an error naming %2B rather than a silently dropped term.
func TestParseKubecostURL(t *testing.T) {
	q, err := url.ParseQuery(`filter=service%3A%22AmazonEC2%22%2Bcategory%3A%22Compute%22`)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseKubecost(q.Get("filter"), KubecostFields)
	if err != nil {
		t.Fatal(err)
	}
	if want := `and(service = ["AmazonEC2"], category = ["Compute"])`; e.String() != want {
		t.Fatalf("got %s, want %s", e, want)
	}

	q, err = url.ParseQuery(`filter=service:"AmazonEC2"+category:"Compute"`)
	if err != nil {
		t.Fatal(err)
	}
	in := q.Get("filter")
	if in != `service:"AmazonEC2" category:"Compute"` {
		t.Fatalf("decoded %q", in)
	}
	_, err = ParseKubecost(in, KubecostFields)
	want := `parsing filter: at 'category': expect '+' or '|' (a '+' in a URL decodes to a space: send it as %2B) (position 20)`
	if err == nil || err.Error() != want {
		t.Fatalf("ParseKubecost(%q) error %v, want %s", in, err, want)
	}
}

func TestParseKubecostErrors(t *testing.T) {
	f := func(in string, wantPos int, wantMsg string) {
		t.Helper()
		e, err := ParseKubecost(in, KubecostFields)
		if err == nil {
			t.Fatalf("ParseKubecost(%q) = %v, want error %q", in, e, wantMsg)
		}
		if e != nil {
			t.Fatalf("ParseKubecost(%q) returned %v with its error", in, e)
		}
		if !errors.Is(err, cost.ErrInvalid) {
			t.Fatalf("ParseKubecost(%q): %v does not wrap cost.ErrInvalid", in, err)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("ParseKubecost(%q): %T is not a *SyntaxError", in, err)
		}
		if se.Pos != wantPos || err.Error() != wantMsg {
			t.Fatalf("ParseKubecost(%q)\n got %d %s\nwant %d %s", in, se.Pos, err, wantPos, wantMsg)
		}
	}

	// Lexer errors: OpenCost reports the last byte it consumed.
	f(`service~"x"`, 7, `lexing filter: Position 7: Unexpected '~'`)
	f(`service~>"x"`, 8, `lexing filter: Position 8: Unexpected '>'`)
	f(`service>~:"x"`, 7, `lexing filter: unexpected character/byte at position 7. Please avoid Unicode.`)
	f(`service<"x"`, 7, `lexing filter: Position 7: Unexpected '<'`)
	f(`service<~"x"`, 8, `lexing filter: Position 8: Unexpected '~'`)
	f(`service!"x"`, 7, `lexing filter: Position 7: Unexpected '!'`)
	f(`service!~"x"`, 8, `lexing filter: Position 8: Unexpected '~'`)
	f(`service!~>"x"`, 9, `lexing filter: Position 9: Unexpected '>'`)
	f(`service!<"x"`, 8, `lexing filter: Position 8: Unexpected '<'`)
	f(`service!<~"x"`, 9, `lexing filter: Position 9: Unexpected '~'`)
	f(`service~`, 7, `lexing filter: Position 7: Unexpected '~'`)
	f(`service!`, 7, `lexing filter: Position 7: Unexpected '!'`)
	f(`service:"AmazonEC2`, 8, `lexing filter: unterminated string starting at 8`)
	f(`service:"a"+category:"`, 21, `lexing filter: unterminated string starting at 21`)
	f(`label[team:"x"`, 5, `lexing filter: unterminated access starting at 5`)
	f(`service:"a"&category:"b"`, 11, `lexing filter: unexpected character/byte at position 11. Please avoid Unicode.`)
	f(`sérvice:"a"`, 1, `lexing filter: unexpected character/byte at position 1. Please avoid Unicode.`)
	f(`service:"a"%2Bcategory:"b"`, 11, `lexing filter: unexpected character/byte at position 11. Please avoid Unicode.`)
	f(`service:'a'`, 8, `lexing filter: unexpected character/byte at position 8. Please avoid Unicode.`)
	f("service:\"a\"\x00", 11, `lexing filter: unexpected character/byte at position 11. Please avoid Unicode.`)
	// The first error wins.
	f(`service~"x"+category:"`, 7, `lexing filter: Position 7: Unexpected '~'`)

	// Parser errors: OpenCost's wording, then the position.
	f(`:"x"`, 0, `parsing filter: at ':': expect filter field (position 0)`)
	f(`foo:"x"`, 0, `parsing filter: at 'foo': expect filter field (position 0)`)
	f(`service:"a"+Service:"b"`, 12, `parsing filter: at 'Service': expect filter field (position 12)`)
	f(`"service":"a"`, 0, `parsing filter: at 'service': expect filter field (position 0)`)
	f(`+service:"a"`, 0, `parsing filter: at '+': expect filter field (position 0)`)
	f(`service:"a"+`, 12, `parsing filter: at end: expect filter field (position 12)`)
	f(`()`, 1, `parsing filter: at ')': expect filter field (position 1)`)
	f(`service "x"`, 8, `parsing filter: at 'x': expect filter op like ':', '!:', '~:', or '!~:' (position 8)`)
	f(`service`, 7, `parsing filter: at end: expect filter op like ':', '!:', '~:', or '!~:' (position 7)`)
	f(`service[x]:"a"`, 7, `parsing filter: at 'x': expect filter op like ':', '!:', '~:', or '!~:' (position 7)`)
	f(`label[team]`, 11, `parsing filter: at end: expect filter op like ':', '!:', '~:', or '!~:' (position 11)`)
	f(`label[]:"x"`, 5, `parsing filter: at '': expect a label name between '[' and ']' (position 5)`)
	f(`perspective[]:"x"`, 11, `parsing filter: at '': expect a perspective id between '[' and ']' (position 11)`)
	f(`perspective:"x"`, 11, `parsing filter: at ':': expect a perspective id in '[' and ']' after perspective (position 11)`)
	f(`service:`, 8, `parsing filter: at end: expect string as filter value (position 8)`)
	f(`service:"a",`, 12, `parsing filter: at end: expect string as filter value (position 12)`)
	f(`service:"a",+category:"b"`, 12, `parsing filter: at '+': expect string as filter value (position 12)`)
	f(`service:(`, 8, `parsing filter: at '(': expect string as filter value (position 8)`)
	f(`service:"a")`, 11, `parsing filter: Found ')' without matching '(' (position 11)`)
	f(`(service:"a"))`, 13, `parsing filter: Found ')' without matching '(' (position 13)`)
	f(`(service:"a"`, 0, `parsing filter: Found '(' without matching ')' (position 0)`)
	f(`service:"a" + (provider:"b"`, 14, `parsing filter: Found '(' without matching ')' (position 14)`)
	f(`((service:"a")`, 0, `parsing filter: Found '(' without matching ')' (position 0)`)
	f(`service:"a" | provider:"b" + category:"c"`, 27, `parsing filter: Found "plus", Expected "or" (position 27)`)
	f(`service:"a" + provider:"b" | category:"c"`, 27, `parsing filter: Found "or", Expected "plus" (position 27)`)
	f(`(service:"a"+provider:"b"|category:"c")`, 25, `parsing filter: Found "or", Expected "plus" (position 25)`)
	f(`service:"a" category:"b"`, 12,
		`parsing filter: at 'category': expect '+' or '|' (a '+' in a URL decodes to a space: send it as %2B) (position 12)`)
	f(`(service:"a" category:"b")`, 13,
		`parsing filter: at 'category': expect '+', '|' or ')' (a '+' in a URL decodes to a space: send it as %2B) (position 13)`)
	f(`service:"a""b"`, 11, `parsing filter: at 'b': expect '+' or '|' (position 11)`)
	f(`service:"a":"b"`, 11, `parsing filter: at ':': expect '+' or '|' (position 11)`)
	f(`service:"a"(provider:"b")`, 11, `parsing filter: at '(': expect '+' or '|' (position 11)`)
	deep := strings.Repeat("(", maxDepth+1) + `service:"a"` + strings.Repeat(")", maxDepth+1)
	f(deep, maxDepth, `parsing filter: at '(': filter nested deeper than 64 parentheses (position 64)`)
}

func TestParseKubecostResolvers(t *testing.T) {
	f := func(in string, resolve func(string) (cost.Dimension, bool), want string) {
		t.Helper()
		e, err := ParseKubecost(in, resolve)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else if e != nil {
			got = e.String()
		}
		if got != want {
			t.Fatalf("ParseKubecost(%q)\n got %s\nwant %s", in, got, want)
		}
	}
	f(`service:"AmazonEC2"+tag[team]:"x"`, NativeFields, `and(service = ["AmazonEC2"], tag:team = ["x"])`)
	f(`subAccountId:"1"|accountId:"2"|Region:"us-east-1"|chargeCategory!:"Tax"`, NativeFields,
		`or(subAccountId = ["1"], subAccountId = ["2"], region = ["us-east-1"], not(chargeCategory = ["Tax"]))`)
	f(`kubernetes:"true"+source:"prod-cur"`, NativeFields, `and(kubernetes = ["true"], source = ["prod-cur"])`)
	f(`label[team]:"x"`, NativeFields, `tag:team = ["x"]`)
	f(`accountID:"1"`, NativeFields, `subAccountId = ["1"]`)
	f(`regionID:"1"`, NativeFields, `region = ["1"]`)
	f(`foo:"1"`, NativeFields, `error: parsing filter: at 'foo': expect filter field (position 0)`)
	// The Kubecost field names are case-sensitive and not the native ones.
	f(`AccountID:"1"`, KubecostFields, `error: parsing filter: at 'AccountID': expect filter field (position 0)`)
	f(`subAccountId:"1"`, KubecostFields, `error: parsing filter: at 'subAccountId': expect filter field (position 0)`)
	// With no resolver only labels are fields.
	f(`label[a]:"1"`, nil, `tag:a = ["1"]`)
	f(`service:"1"`, nil, `error: parsing filter: at 'service': expect filter field (position 0)`)
	// label and tag never reach the resolver.
	f(`label:"x"`, func(string) (cost.Dimension, bool) { return cost.DimService, true }, `tag: = ["x"]`)
}

func TestKubecostFields(t *testing.T) {
	want := map[string]cost.Dimension{
		"invoiceEntityID": cost.DimBillingAccountID, "invoiceEntityName": cost.DimBillingAccountName,
		"accountID": cost.DimSubAccountID, "accountName": cost.DimSubAccountName,
		"regionID": cost.DimRegion, "availabilityZone": cost.DimAvailabilityZone,
		"provider": cost.DimProvider, "providerID": cost.DimProviderID,
		"category": cost.DimCategory, "service": cost.DimService,
	}
	for name, d := range want {
		if got, ok := KubecostFields(name); !ok || got != d {
			t.Errorf("KubecostFields(%q) = %q, %v; want %q", name, got, ok, d)
		}
		if _, ok := KubecostFields(strings.ToLower(name)); ok && strings.ToLower(name) != name {
			t.Errorf("KubecostFields(%q) matched; field names are case-sensitive", strings.ToLower(name))
		}
	}
	for _, name := range []string{"", "label", "tag", "cluster", "namespace"} {
		if d, ok := KubecostFields(name); ok {
			t.Errorf("KubecostFields(%q) = %q", name, d)
		}
	}
}
