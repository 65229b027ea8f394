// Package aws reads the AWS Cost and Usage Report into cost.LineItem: the
// legacy CUR in its CSV spelling (`lineItem/UnblendedCost`) and in the
// snake_case spelling of legacy Parquet/Athena and of CUR 2.0 Data Exports
// (`line_item_unblended_cost`), billing-formats.md §3–§5. ResolveFiles finds
// the files of the current delivery of a CUR S3 bucket copied to disk.
//
// Tags. Resource tags keep the key the export gives, so that a key reads
// the same in Tally as in the AWS console or in Athena:
//
//   - legacy CSV `resourceTags/user:Name` → `user:Name`,
//     `resourceTags/aws:createdBy` → `aws:createdBy` (AWS's own spelling);
//   - snake_case columns `resource_tags_user_name` → `user_name`,
//     `resource_tags_aws_created_by` → `aws_created_by` (the snake_case
//     spelling cannot be turned back into the original key: both `user:Name`
//     and `user:name` become `user_name`);
//   - CUR 2.0 `resource_tags` map keys as given (`user_cost_center`).
//
// Unlike OpenCost, the `user_` prefix is kept: it is part of the key in the
// CUR 2.0 map, and dropping it would merge a user tag with an AWS tag of the
// same name.
//
// Cost categories are kept as tags too, under the prefix `costCategory/`:
// `costCategory/Team` → `costCategory/Team`, `cost_category_team` →
// `costCategory/team`, CUR 2.0 `cost_category` map key `team` →
// `costCategory/team`. A tag whose value is empty is not recorded: the CUR
// writes an empty cell for every resource without the tag.
package aws

import (
	"fmt"
	"strings"

	"github.com/tally-cost/tally/internal/ingest/tabular"
)

// Detect reports whether header looks like a CUR: it has the usage
// account, line item type, usage start date and unblended cost columns in
// either spelling.
func Detect(header []string) bool {
	return len(newLayout(tabular.NewIndex(header)).missing()) == 0
}

// NewMapper returns the mapper for a CUR file with this header. Only the
// usage account, line item type, usage start date and unblended cost are
// required; every other column is optional and read when present, because
// the legacy CUR's schema changes month to month (§3.1). A header without
// them is not a CUR: the error wraps tabular.ErrUnknownLayout and names the
// columns that were looked for.
func NewMapper(header []string) (tabular.Mapper, error) {
	ix := tabular.NewIndex(header)
	l := newLayout(ix)
	if miss := l.missing(); len(miss) > 0 {
		return nil, fmt.Errorf("%w: not an AWS Cost and Usage Report: missing %s", tabular.ErrUnknownLayout, strings.Join(miss, ", "))
	}
	m := &mapper{l: l}
	m.findDynamic(ix)
	return m, nil
}

// mapper maps the rows of one CUR file. It holds no per-row state, so one
// mapper may serve several goroutines.
type mapper struct {
	l *layout
	// tagCols are the one-column-per-key tag and cost category columns.
	tagCols []tagCol
}

// tagCol is a column holding one tag's value.
type tagCol struct {
	pos int
	key string
}

// findDynamic finds the tag and cost category columns, whose names carry
// the key (§3.1 "the schema is dynamic").
func (m *mapper) findDynamic(ix *tabular.Index) {
	for i := range ix.Header() {
		name := ix.Name(i)
		if key, ok := tagKey(name); ok && key != "" {
			m.tagCols = append(m.tagCols, tagCol{pos: i, key: key})
		}
	}
}

// tagKey returns the tag key a header cell stands for, per the package
// comment, and false when the column is not a tag column. The prefixes
// match case-insensitively; the key keeps the file's spelling.
func tagKey(name string) (string, bool) {
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(lower, "resourcetags/"):
		return name[len("resourceTags/"):], true
	case strings.HasPrefix(lower, "resource_tags_"):
		return name[len("resource_tags_"):], true
	case strings.HasPrefix(lower, "costcategory/"):
		return costCategoryPrefix + name[len("costCategory/"):], true
	case strings.HasPrefix(lower, "cost_category_"):
		return costCategoryPrefix + name[len("cost_category_"):], true
	}
	return "", false
}

// costCategoryPrefix starts the tag key of a cost category.
const costCategoryPrefix = "costCategory/"
