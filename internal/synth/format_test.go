package synth

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestAppendDec(t *testing.T) {
	f := func(v int64, scale int, want string) {
		t.Helper()
		if got := string(appendDec(nil, v, scale)); got != want {
			t.Errorf("appendDec(%d, %d) = %q, want %q", v, scale, got, want)
		}
	}
	f(0, 0, "0")
	f(0, 10, "0")
	f(1920000, 7, "0.192")
	f(100000000000, 10, "10")
	f(-50000, 10, "-0.000005")
	f(-10000000000, 10, "-1")
	f(123456789, 4, "12345.6789")
	f(5, 1, "0.5")
	f(math.MinInt64, 18, "-9.223372036854775808")
	f(math.MaxInt64, 0, "9223372036854775807")
}

func TestTotalSpills(t *testing.T) {
	var tot total
	want := new(big.Int)
	for _, v := range []int64{math.MaxInt64, math.MaxInt64, 5, math.MinInt64, -7, math.MaxInt64 / 3} {
		tot.add(v)
		want.Add(want, big.NewInt(v))
	}
	if tot.int().Cmp(want) != 0 {
		t.Errorf("total %s, want %s", tot.int(), want)
	}
	f := func(vs []int64, scale int, want string) {
		t.Helper()
		var tot total
		for _, v := range vs {
			tot.add(v)
		}
		if got := tot.decimal(scale); got != want {
			t.Errorf("decimal(%v, %d) = %q, want %q", vs, scale, got, want)
		}
	}
	f(nil, 10, "0")
	f([]int64{15, -20}, 1, "-0.5")
	f([]int64{1, 2}, 0, "3")
	f([]int64{math.MaxInt64, math.MaxInt64}, 10, "1844674407.3709551614")
}

func TestAppendProduct(t *testing.T) {
	f := func(a, m int64, want string) {
		t.Helper()
		if got := string(appendProduct(nil, a, m)); got != want {
			t.Errorf("appendProduct(%d, %d) = %s, want %s", a, m, got, want)
		}
	}
	f(0, gib*hourSecond, "0")
	f(16, gib*hourSecond, "61847529062400")
	f(12_000_000, gib*hourSecond, "46385646796800000000") // a month of committed GiB-hours
}

func TestAppendCSVAndJSON(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	f(string(appendCSV(nil, "plain")), "plain")
	f(string(appendCSV(nil, "a,b")), `"a,b"`)
	f(string(appendCSV(nil, `say "hi"`)), `"say ""hi"""`)
	f(string(appendCSV(nil, "two\nlines")), "\"two\nlines\"")
	f(string(appendJSONString(nil, "a\"b\\c\n")), `"a\"b\\c\u000a"`)
}

func TestPicker(t *testing.T) {
	p := newPicker([]int{3, 0, 1})
	counts := [3]int{}
	for i := range 1024 {
		counts[p.pick(uint64(i))]++
	}
	if counts[0] != 768 || counts[1] != 0 || counts[2] != 256 {
		t.Errorf("picker shares %v, want [768 0 256]", counts)
	}
}

// Catalogue invariants the generators rely on.
func TestCatalogues(t *testing.T) {
	for _, it := range awsItems {
		if it.rateScale+it.amtScale != awsScale {
			t.Errorf("%s: rate scale %d + amount scale %d ≠ %d", it.usageType, it.rateScale, it.amtScale, awsScale)
		}
		if len(it.sku) != 12 || it.amtLo > it.amtHi || it.amtLo <= 0 {
			t.Errorf("%s: sku %q, amounts %d–%d", it.usageType, it.sku, it.amtLo, it.amtHi)
		}
	}
	for i, ri := range awsRIs {
		if awsItems[ri.item].ri != i || awsItems[ri.item].instanceType == "" {
			t.Errorf("reservation %d covers item %d (%s), whose ri is %d", i, ri.item, awsItems[ri.item].usageType, awsItems[ri.item].ri)
		}
	}
	if len(awsAnchors) != 7 || len(azAnchors) != 5 || len(gcpAnchors) != 5 || len(focusAnchors) != 5 {
		t.Errorf("anchors not all found: %v %v %v %v", awsAnchors, azAnchors, gcpAnchors, focusAnchors)
	}
	for _, s := range gcpSKUs {
		for l := range gcpLocations {
			if len(s.ids[l]) != 14 || strings.Contains(s.descs[1], "Americas") {
				t.Errorf("sku %q: id %q, EMEA description %q", s.desc, s.ids[l], s.descs[1])
			}
		}
	}
}
