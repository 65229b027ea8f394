package cost

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fillAll sets every field of li to a non-zero value, by reflection so
// that a field added later is covered without editing the test.
func fillAll(t *testing.T, li *LineItem) {
	t.Helper()
	v := reflect.ValueOf(li).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Map:
			// Tags: filled by the caller.
		case reflect.Array:
			for j := range f.Len() {
				setValue(t, f.Index(j), v.Type().Field(i).Name)
			}
		default:
			setValue(t, f, v.Type().Field(i).Name)
		}
	}
}

func setValue(t *testing.T, f reflect.Value, name string) {
	t.Helper()
	switch x := f.Addr().Interface().(type) {
	case *time.Time:
		*x = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	case *decimal.Decimal:
		*x = decimal.NewFromInt(7)
	case *decimal.NullDecimal:
		*x = decimal.NewNullDecimal(decimal.NewFromInt(7))
	default:
		t.Fatalf("field %s: type %T not handled by the test", name, x)
	}
}

func TestReset(t *testing.T) {
	var li LineItem
	fillAll(t, &li)
	li.SetTag("team", "web")
	tags := li.Tags
	if li.CustomerID != "x" || !li.UnitPrice.Valid || !li.ListUnitPrice.Valid {
		t.Fatalf("fillAll left new fields unset: %+v", li)
	}
	li.Reset()
	if len(li.Tags) != 0 {
		t.Fatalf("Reset kept tags %v", li.Tags)
	}
	if reflect.ValueOf(li.Tags).Pointer() != reflect.ValueOf(tags).Pointer() {
		t.Error("Reset dropped the tag map's storage")
	}
	li.Tags = nil
	if !reflect.DeepEqual(li, LineItem{}) {
		t.Fatalf("Reset left values: %+v", li)
	}
}
