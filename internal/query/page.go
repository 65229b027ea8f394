package query

// Page applies limit and offset to each step bucket of rows (rows are
// ordered by bucket), so that "top 10 services per day" keeps ten a day.
// A zero limit keeps every row after the offset.
func Page(rows []Row, limit, offset int) []Row {
	if limit == 0 && offset == 0 {
		return rows
	}
	out := rows[:0:0]
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Start.Equal(rows[i].Start) {
			j++
		}
		bucket := rows[i:j]
		if offset < len(bucket) {
			bucket = bucket[offset:]
			if limit > 0 && limit < len(bucket) {
				bucket = bucket[:limit]
			}
			out = append(out, bucket...)
		}
		i = j
	}
	return out
}
