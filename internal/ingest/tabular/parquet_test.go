package tabular

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// writeParquet writes rows with parquet-go's own writer, the way an export
// tool would, and returns the file's bytes.
func writeParquet[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatalf("writing parquet: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("closing parquet writer: %v", err)
	}
	return buf.Bytes()
}

// readParquetAll reads every row of a Parquet file through the reader under test.
func readParquetAll(t *testing.T, name string, data []byte) ([]string, [][]string, []int64) {
	t.Helper()
	r, err := NewParquet(name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("NewParquet: %v", err)
	}
	defer r.Close()
	var rows [][]string
	var lines []int64
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if row.File != name {
			t.Fatalf("row.File = %q, want %q", row.File, name)
		}
		rows = append(rows, append([]string(nil), row.Values...))
		lines = append(lines, row.Line)
	}
	return r.Header(), rows, lines
}

// dec16 encodes a decimal string as the 16-byte big-endian two's
// complement unscaled value of a DECIMAL(38, scale) column.
func dec16(t *testing.T, s string, scale int) *[16]byte {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		t.Fatalf("%s has more than %d fractional digits", s, scale)
	}
	u := new(big.Int).Set(r.Num())
	if u.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	var out [16]byte
	u.FillBytes(out[:])
	return &out
}

func pqPtr[T any](v T) *T { return &v }

// curRow is a CUR 2.0-like row: snake_case names, a DECIMAL column of each
// physical type, a double, timestamps, MAP columns and nulls.
type curRow struct {
	Payer       string             `parquet:"bill_payer_account_id"`
	Unblended   *float64           `parquet:"line_item_unblended_cost,optional"`
	Net         *[16]byte          `parquet:"line_item_net_unblended_cost,optional,decimal(10:38)"`
	PublicCost  *int64             `parquet:"pricing_public_on_demand_cost,optional,decimal(8:18)"`
	Usage       *int32             `parquet:"line_item_usage_amount,optional,decimal(4:9)"`
	Start       *time.Time         `parquet:"line_item_usage_start_date,optional,timestamp(millisecond)"`
	StartMicro  *time.Time         `parquet:"line_item_usage_end_date,optional,timestamp(microsecond)"`
	Period      *int32             `parquet:"bill_billing_period_start_date,optional,date"`
	Legacy      deprecated.Int96   `parquet:"legacy_ts"`
	Hours       *int64             `parquet:"hours,optional"`
	Big         uint32             `parquet:"unsigned"`
	Rate        float32            `parquet:"rate"`
	Estimated   *bool              `parquet:"estimated,optional"`
	ID          [16]byte           `parquet:"uuid,uuid"`
	Product     map[string]string  `parquet:"product,optional"`
	ResourceTag map[string]string  `parquet:"resource_tags,optional"`
	Discount    map[string]float64 `parquet:"discount,optional"`
}

var curHeader = []string{
	"bill_payer_account_id", "line_item_unblended_cost", "line_item_net_unblended_cost",
	"pricing_public_on_demand_cost", "line_item_usage_amount", "line_item_usage_start_date",
	"line_item_usage_end_date", "bill_billing_period_start_date", "legacy_ts", "hours",
	"unsigned", "rate", "estimated", "uuid", "product", "resource_tags", "discount",
}

func int96(tm time.Time) deprecated.Int96 {
	day := tm.Truncate(24 * time.Hour)
	nanos := uint64(tm.Sub(day))
	julian := uint32(day.Unix()/86400 + 2440588)
	return deprecated.Int96{uint32(nanos), uint32(nanos >> 32), julian}
}

func TestParquetCURLikeCells(t *testing.T) {
	start := time.Date(2024, 9, 18, 22, 0, 0, 0, time.UTC)
	uuid := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	rows := []curRow{{
		Payer:       "123456789012",
		Unblended:   pqPtr(0.0000008),
		Net:         dec16(t, "-1234.5678901234", 10),
		PublicCost:  pqPtr(int64(-1)), // -0.00000001
		Usage:       pqPtr(int32(20000)),
		Start:       &start,
		StartMicro:  pqPtr(start.Add(time.Hour + 5*time.Microsecond)),
		Period:      pqPtr(int32(19967)), // 2024-09-01
		Legacy:      int96(time.Date(2024, 9, 1, 1, 2, 3, 4000000, time.UTC)),
		Hours:       pqPtr(int64(-7)),
		Big:         4000000000,
		Rate:        0.1,
		Estimated:   pqPtr(true),
		ID:          uuid,
		Product:     map[string]string{"region_code": "us-east-1"},
		ResourceTag: map[string]string{"user_team": `a "quoted" \ team`},
		Discount:    map[string]float64{"total_discount": -1e-06},
	}, {
		Payer:  "",
		Net:    dec16(t, "0.0000000008", 10),
		Legacy: int96(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)),
		Rate:   float32(1) / 3,
		// Everything optional left null; maps null.
	}}
	header, got, lines := readParquetAll(t, "cur.parquet", writeParquet(t, rows))
	if !reflect.DeepEqual(header, curHeader) {
		t.Fatalf("header = %q\nwant %q", header, curHeader)
	}
	want := [][]string{{
		"123456789012", "8e-07", "-1234.5678901234", "-0.00000001", "2.0000",
		"2024-09-18T22:00:00Z", "2024-09-18T23:00:00.000005Z", "2024-09-01T00:00:00Z",
		"2024-09-01T01:02:03.004Z", "-7", "4000000000", "0.1", "true",
		"12345678-9abc-def0-0102-030405060708",
		`{"region_code":"us-east-1"}`, `{"user_team":"a \"quoted\" \\ team"}`, `{"total_discount":-1e-06}`,
	}, {
		"", "", "0.0000000008", "", "", "", "", "", "1970-01-01T00:00:00Z", "", "0",
		strconv.FormatFloat(float64(float32(1)/3), 'g', -1, 32), "",
		"00000000-0000-0000-0000-000000000000", "", "", "",
	}}
	if !reflect.DeepEqual(lines, []int64{1, 2}) {
		t.Fatalf("lines = %v, want [1 2]", lines)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d %s = %q, want %q", i+1, curHeader[j], got[i][j], want[i][j])
			}
		}
	}
}

func TestParquetMapWithManyKeys(t *testing.T) {
	tags := map[string]string{"user_team": "core", "aws_eks_cluster_name": "prod", "user_empty": "",
		"user_odd": "line\nbreak\x01\ttab é \"q\" \\ <&>"}
	_, got, _ := readParquetAll(t, "tags.parquet", writeParquet(t, []curRow{{ResourceTag: tags}}))
	cell := got[0][15]
	var back map[string]string
	if err := json.Unmarshal([]byte(cell), &back); err != nil {
		t.Fatalf("resource_tags %q is not JSON: %v", cell, err)
	}
	if !reflect.DeepEqual(back, tags) {
		t.Fatalf("resource_tags = %v, want %v", back, tags)
	}
	if strings.Contains(cell, ", ") || strings.Contains(cell, "\": ") {
		t.Fatalf("resource_tags %q is not compact", cell)
	}
}

// gcpRow is a GCP billing export row: structs flattened with dots,
// repeated records rendered as JSON arrays.
type gcpService struct {
	Description string  `parquet:"description"`
	ID          *string `parquet:"id,optional"`
}

type gcpCredit struct {
	Name   string  `parquet:"name"`
	Amount float64 `parquet:"amount"`
}

type gcpLabel struct {
	Key   string `parquet:"key"`
	Value string `parquet:"value"`
}

type gcpLocation struct {
	Region string        `parquet:"region"`
	Inner  *gcpInnerZone `parquet:"inner,optional"`
}

type gcpInnerZone struct {
	Zone *string `parquet:"zone,optional"`
}

type gcpRow struct {
	Service  *gcpService `parquet:"service,optional"`
	Location gcpLocation `parquet:"location"`
	Cost     float64     `parquet:"cost"`
	Credits  []gcpCredit `parquet:"credits,list"`
	Labels   []gcpLabel  `parquet:"labels"` // a plain repeated group
	Names    []string    `parquet:"names,list"`
}

func TestParquetNestedColumns(t *testing.T) {
	rows := []gcpRow{{
		Service:  &gcpService{Description: "Compute Engine", ID: pqPtr("6F81-5844-456A")},
		Location: gcpLocation{Region: "us-central1", Inner: &gcpInnerZone{Zone: pqPtr("us-central1-a")}},
		Cost:     1.5,
		Credits:  []gcpCredit{{"Free tier", -5e-06}, {"Sustained use", -0.25}},
		Labels:   []gcpLabel{{"goog-gke-node", ""}, {"team", "core"}},
		Names:    []string{"a", "b"},
	}, {
		Location: gcpLocation{Region: "europe-west1", Inner: &gcpInnerZone{}},
		Cost:     0,
	}}
	header, got, _ := readParquetAll(t, "gcp.parquet", writeParquet(t, rows))
	wantHeader := []string{"service.description", "service.id", "location.region", "location.inner.zone", "cost", "credits", "labels", "names"}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Fatalf("header = %q, want %q", header, wantHeader)
	}
	want := [][]string{{
		"Compute Engine", "6F81-5844-456A", "us-central1", "us-central1-a", "1.5",
		`[{"name":"Free tier","amount":-5e-06},{"name":"Sustained use","amount":-0.25}]`,
		`[{"key":"goog-gke-node","value":""},{"key":"team","value":"core"}]`,
		`["a","b"]`,
	}, {
		"", "", "europe-west1", "", "0", "[]", "[]", "[]",
	}}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d %s = %q, want %q", i+1, header[j], got[i][j], want[i][j])
			}
		}
	}
}

// focusRow is a FOCUS-like row as the native exports write it.
type focusRow struct {
	BilledCost        *[16]byte         `parquet:"BilledCost,optional,decimal(10:38)"`
	EffectiveCost     *float64          `parquet:"EffectiveCost,optional"`
	ChargePeriodStart *time.Time        `parquet:"ChargePeriodStart,optional,timestamp(millisecond)"`
	ProviderName      *string           `parquet:"ProviderName,optional"`
	Tags              map[string]string `parquet:"Tags,optional"`
}

func TestParquetFOCUSLike(t *testing.T) {
	start := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	rows := []focusRow{
		{dec16(t, "0.0000008", 10), pqPtr(0.5), &start, pqPtr("AWS"), map[string]string{" org": "trey"}},
		{nil, nil, nil, nil, nil},
	}
	header, got, _ := readParquetAll(t, "focus.parquet", writeParquet(t, rows))
	want := [][]string{
		{"0.0000008000", "0.5", "2024-09-01T00:00:00Z", "AWS", `{" org":"trey"}`},
		{"", "", "", "", ""},
	}
	if !reflect.DeepEqual(header, []string{"BilledCost", "EffectiveCost", "ChargePeriodStart", "ProviderName", "Tags"}) {
		t.Fatalf("header = %q", header)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %q\nwant %q", got, want)
	}
}

type seqRow struct {
	N    int64     `parquet:"n"`
	Cost *[16]byte `parquet:"cost,optional,decimal(6:38)"`
	Note *string   `parquet:"note,optional"`
}

func TestParquetManyRowGroups(t *testing.T) {
	const total = 1000
	rows := make([]seqRow, total)
	for i := range rows {
		rows[i].N = int64(i)
		if i%7 != 0 {
			rows[i].Cost = dec16(t, fmt.Sprintf("%d.%06d", i, i), 6)
		}
		if i%3 == 0 {
			rows[i].Note = pqPtr(fmt.Sprintf("row %d", i))
		}
	}
	data := writeParquet(t, rows, parquet.MaxRowsPerRowGroup(300))
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n != 4 {
		t.Fatalf("test file has %d row groups, want 4", n)
	}
	_, got, lines := readParquetAll(t, "seq.parquet", data)
	if len(got) != total {
		t.Fatalf("read %d rows, want %d", len(got), total)
	}
	for i, row := range got {
		wantCost, wantNote := "", ""
		if i%7 != 0 {
			wantCost = fmt.Sprintf("%d.%06d", i, i)
		}
		if i%3 == 0 {
			wantNote = fmt.Sprintf("row %d", i)
		}
		want := []string{strconv.Itoa(i), wantCost, wantNote}
		if !reflect.DeepEqual(row, want) || lines[i] != int64(i+1) {
			t.Fatalf("row %d (line %d) = %q, want %q at line %d", i, lines[i], row, want, i+1)
		}
	}
}

func TestParquetEmptyFile(t *testing.T) {
	header, got, _ := readParquetAll(t, "empty.parquet", writeParquet(t, []seqRow{}))
	if !reflect.DeepEqual(header, []string{"n", "cost", "note"}) || len(got) != 0 {
		t.Fatalf("header %q rows %q, want the header and no rows", header, got)
	}
}

func TestParquetCorrupt(t *testing.T) {
	data := writeParquet(t, []seqRow{{N: 1}, {N: 2}})
	bad := func(what string, b []byte) {
		t.Helper()
		_, err := NewParquet("bill-"+what+".parquet", bytes.NewReader(b), int64(len(b)))
		if err == nil {
			t.Fatalf("%s: NewParquet succeeded", what)
		}
		if !strings.Contains(err.Error(), "bill-"+what+".parquet") {
			t.Fatalf("%s: error %q does not name the file", what, err)
		}
	}
	bad("truncated", data[:len(data)-10])
	bad("half", data[:len(data)/2])
	bad("empty", nil)
	bad("csv", []byte("a,b,c\n1,2,3\n"))
	bad("footer-length", append(append([]byte(nil), data[:len(data)-8]...), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1'))
}

// TestParquetCorruptPages damages every byte of the data pages in turn: the
// reader must never panic, and any error must name the file and a row.
func TestParquetCorruptPages(t *testing.T) {
	rows := make([]seqRow, 20)
	for i := range rows {
		rows[i] = seqRow{N: int64(i), Cost: dec16(t, "1.5", 6), Note: pqPtr("x")}
	}
	data := writeParquet(t, rows)
	errs := 0
	for i := 4; i < len(data)-8; i++ {
		b := append([]byte(nil), data...)
		b[i] ^= 0xff
		if err := drainParquet("damaged.parquet", b); err != nil {
			errs++
			if !strings.Contains(err.Error(), "damaged.parquet") {
				t.Fatalf("byte %d: error %q does not name the file", i, err)
			}
		}
	}
	if errs == 0 {
		t.Fatal("no damaged file was reported")
	}
}

// drainParquet reads a whole file and returns the first error.
func drainParquet(name string, b []byte) error {
	r, err := NewParquet(name, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(row.Values) != len(r.Header()) {
			return fmt.Errorf("row has %d values, header %d", len(row.Values), len(r.Header()))
		}
	}
}

func FuzzParquet(f *testing.F) {
	f.Add(writeParquet(f, []seqRow{{N: 1, Cost: pqPtr([16]byte{15: 1}), Note: pqPtr("a")}, {N: 2}}))
	f.Add(writeParquet(f, []gcpRow{{Credits: []gcpCredit{{"c", 1}}, Labels: []gcpLabel{{"k", "v"}}}}))
	f.Add(writeParquet(f, []curRow{{Product: map[string]string{"a": "b"}}}))
	f.Add([]byte("PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := drainParquet("fuzz.parquet", b); err != nil && !strings.Contains(err.Error(), "fuzz.parquet") {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
