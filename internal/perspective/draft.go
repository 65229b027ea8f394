package perspective

import "strconv"

// Draft validates an unsaved schema exactly as Create would and returns
// it as a Perspective whose Mapping groups line items as the saved
// perspective would: what a perspective editor previews before saving.
// Its ref_ids are local to the draft (none is taken from the book), so
// a preview never changes what a later Create hands out.
func Draft(s Schema) (Perspective, error) {
	next := int64(1)
	norm, err := normalize(s, nil, func(used map[string]bool) string {
		for {
			r := strconv.FormatInt(next, 10)
			next++
			if !used[r] {
				return r
			}
		}
	})
	if err != nil {
		return Perspective{}, err
	}
	return Perspective{Active: true, Schema: norm}, nil
}
